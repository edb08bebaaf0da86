import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/labgate',
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'labgate',
      bootstrapAdminToken: undefined,
      logLevel: 'info',
      webhookAttempts: 5,
      webhookBackoffMs: 2000,
      auditSealIntervalMs: 600000,
      rateLimitPerMinute: 600,
      authFailuresPerMinute: 30,
      reconcileIntervalMs: 60000,
      requestTimeoutMs: 30000,
      trustProxy: false,
      workerMetricsPort: 0,
      idempotencyTtlHours: 24,
      idempotencySweepIntervalMs: 3600000,
      reconcileStrandedAfterMs: 600000,
      webhookAllowHosts: [],
      webhookResolve: {},
      webhookSecretOverlapHours: 24,
      secretsKey: undefined,
      checkpointSigningKey: undefined,
      tlogOrigin: 'labgate.local/audit-log',
    });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT="eighty" must be an integer port number'],
    [{ PORT: '70000' }, 'PORT="70000" must not be greater than 65535'],
    [{ DATABASE_URL: 'mysql://x/y' }, 'DATABASE_URL="mysql://x/y" must look like postgres://'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL="localhost:6379" must look like redis://host:port'],
    [{ QUEUE_PREFIX: 'a b' }, 'QUEUE_PREFIX="a b" must be 1-64'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL="loud" must be one of'],
    [{ BOOTSTRAP_ADMIN_TOKEN: 'short' }, 'BOOTSTRAP_ADMIN_TOKEN=(hidden) must be 8-256 characters'],
    [{ SECRETS_KEY: 'short' }, 'SECRETS_KEY=(hidden) must be at least 32 characters'],
    [{ WEBHOOK_ALLOW_HOSTS: 'a;b' }, 'WEBHOOK_ALLOW_HOSTS="a;b" must be a comma-separated list'],
    [{ WEBHOOK_RESOLVE: 'nohost' }, 'WEBHOOK_RESOLVE="nohost" must be host:address pairs'],
    [{ TRUST_PROXY: 'everyone' }, 'TRUST_PROXY="everyone" must be empty, true, a number of proxy hops'],
  ])('refuses %j with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
    try {
      loadConfig(env);
    } catch (err) {
      expect((err as Error).message).not.toContain('\n');
      expect((err as Error).message).not.toContain('short');
    }
  });

  it.each([
    ['', false],
    ['false', false],
    ['true', true],
    ['2', 2],
    ['loopback', 'loopback'],
  ])('reads TRUST_PROXY=%j as %j', (value, expected) => {
    expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toBe(expected);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://u:p@db:5433/lab',
      REDIS_URL: 'rediss://cache:6380',
      QUEUE_PREFIX: 'lab-1',
      BOOTSTRAP_ADMIN_TOKEN: 'a-long-enough-token',
      LOG_LEVEL: 'debug',
      WEBHOOK_ATTEMPTS: '3',
      WEBHOOK_BACKOFF_MS: '100',
      AUDIT_SEAL_INTERVAL_MS: '2000',
      RATE_LIMIT_PER_MINUTE: '50',
      AUTH_FAILURES_PER_MINUTE: '7',
      RECONCILE_INTERVAL_MS: '5000',
      REQUEST_TIMEOUT_MS: '10000',
      TRUST_PROXY: '10.0.0.0/8, 127.0.0.1',
      WORKER_METRICS_PORT: '9464',
      IDEMPOTENCY_TTL_HOURS: '48',
      IDEMPOTENCY_SWEEP_INTERVAL_MS: '60000',
      RECONCILE_STRANDED_AFTER_MS: '3000',
      WEBHOOK_ALLOW_HOSTS: 'hooks.europol.local, 10.20.0.0/16',
      WEBHOOK_RESOLVE: 'hooks.frontex.eu:192.0.2.10',
      WEBHOOK_SECRET_OVERLAP_HOURS: '48',
      SECRETS_KEY: 'k'.repeat(44),
      CHECKPOINT_SIGNING_KEY: 'A'.repeat(43) + '=',
      TLOG_ORIGIN: 'labgate.example.eu/log',
    });
    expect(config).toEqual({
      port: 8080,
      databaseUrl: 'postgres://u:p@db:5433/lab',
      redisUrl: 'rediss://cache:6380',
      queuePrefix: 'lab-1',
      bootstrapAdminToken: 'a-long-enough-token',
      logLevel: 'debug',
      webhookAttempts: 3,
      webhookBackoffMs: 100,
      auditSealIntervalMs: 2000,
      rateLimitPerMinute: 50,
      authFailuresPerMinute: 7,
      reconcileIntervalMs: 5000,
      requestTimeoutMs: 10000,
      trustProxy: '10.0.0.0/8,127.0.0.1',
      workerMetricsPort: 9464,
      idempotencyTtlHours: 48,
      idempotencySweepIntervalMs: 60000,
      reconcileStrandedAfterMs: 3000,
      webhookAllowHosts: ['hooks.europol.local', '10.20.0.0/16'],
      webhookResolve: { 'hooks.frontex.eu': '192.0.2.10' },
      webhookSecretOverlapHours: 48,
      secretsKey: 'k'.repeat(44),
      checkpointSigningKey: 'A'.repeat(43) + '=',
      tlogOrigin: 'labgate.example.eu/log',
    });
  });
});
