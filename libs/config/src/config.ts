import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** An unset or empty variable takes its default; anything else must parse as a number. */
const numberOr =
  (fallback: number) =>
  ({ value }: { value: unknown }): number =>
    value === undefined || value === '' ? fallback : Number(value);

/** The environment as the operator writes it; validated once, then turned into {@link AppConfig}. */
class EnvironmentVariables {
  @Transform(numberOr(3000))
  @IsInt({ message: 'must be an integer port number' })
  @Min(0)
  @Max(65535)
  PORT!: number;

  @Transform(({ value }) => value || 'postgres://postgres@127.0.0.1:5432/labgate')
  @Matches(/^postgres(ql)?:\/\/[^/]+\/[A-Za-z0-9_-]+(\?.*)?$/, {
    message: 'must look like postgres://user[:password]@host:port/database',
  })
  DATABASE_URL!: string;

  @Transform(({ value }) => value || 'redis://127.0.0.1:6379')
  @Matches(/^rediss?:\/\/[^\s]+$/, { message: 'must look like redis://host:port' })
  REDIS_URL!: string;

  @Transform(({ value }) => value || 'labgate')
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'must be 1-64 letters, digits, "-" or "_"' })
  QUEUE_PREFIX!: string;

  @IsOptional()
  @IsString()
  @Matches(/^\S{8,256}$/, { message: 'must be 8-256 characters without spaces' })
  BOOTSTRAP_ADMIN_TOKEN?: string;

  @Transform(numberOr(5))
  @IsInt({ message: 'must be an integer' })
  @Min(1)
  @Max(25)
  WEBHOOK_ATTEMPTS!: number;

  @Transform(numberOr(2000))
  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(10)
  @Max(3_600_000)
  WEBHOOK_BACKOFF_MS!: number;

  @Transform(numberOr(600_000))
  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(1000)
  @Max(86_400_000)
  AUDIT_SEAL_INTERVAL_MS!: number;

  @Transform(numberOr(60_000))
  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(1000)
  @Max(3_600_000)
  RECONCILE_INTERVAL_MS!: number;

  @Transform(numberOr(30_000))
  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(1000)
  @Max(600_000)
  REQUEST_TIMEOUT_MS!: number;

  @Transform(numberOr(600_000))
  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(1000)
  @Max(86_400_000)
  RECONCILE_STRANDED_AFTER_MS!: number;

  @Transform(numberOr(24))
  @IsInt({ message: 'must be an integer number of hours' })
  @Min(1)
  @Max(8760)
  IDEMPOTENCY_TTL_HOURS!: number;

  @Transform(numberOr(3_600_000))
  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(1000)
  @Max(86_400_000)
  IDEMPOTENCY_SWEEP_INTERVAL_MS!: number;

  @Transform(numberOr(0))
  @IsInt({ message: 'must be an integer port number (0 turns the worker metrics off)' })
  @Min(0)
  @Max(65535)
  WORKER_METRICS_PORT!: number;

  @Transform(numberOr(30))
  @IsInt({ message: 'must be an integer number of failures (0 turns the limit off)' })
  @Min(0)
  AUTH_FAILURES_PER_MINUTE!: number;

  @Transform(numberOr(600))
  @IsInt({ message: 'must be an integer number of requests (0 turns the limit off)' })
  @Min(0)
  RATE_LIMIT_PER_MINUTE!: number;

  @Transform(({ value }) => value ?? '')
  @Matches(/^[A-Za-z0-9.:/,_\s-]*$/, { message: 'must be a comma-separated list of host names, addresses or CIDR ranges' })
  WEBHOOK_ALLOW_HOSTS!: string;

  @Transform(({ value }) => (value ?? '').trim())
  @Matches(/^(|false|true|\d{1,2}|[0-9A-Fa-f.:/]+(\s*,\s*[0-9A-Fa-f.:/]+)*|loopback|linklocal|uniquelocal)$/, {
    message: 'must be empty, true, a number of proxy hops, or a comma-separated list of proxy addresses or CIDR ranges',
  })
  TRUST_PROXY!: string;

  @Transform(({ value }) => value ?? '')
  @Matches(/^([A-Za-z0-9.-]+:[0-9a-fA-F.:]+)?(\s*,\s*[A-Za-z0-9.-]+:[0-9a-fA-F.:]+)*$/, { message: 'must be host:address pairs separated by commas' })
  WEBHOOK_RESOLVE!: string;

  @Transform(numberOr(24))
  @IsInt({ message: 'must be an integer number of hours' })
  @Min(0)
  @Max(720)
  WEBHOOK_SECRET_OVERLAP_HOURS!: number;

  @IsOptional()
  @IsString()
  @Matches(/^\S{32,}$/, { message: 'must be at least 32 characters without spaces (e.g. openssl rand -base64 32)' })
  SECRETS_KEY?: string;

  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'must be the base64 of a 32-byte Ed25519 seed (e.g. openssl rand -base64 32)' })
  CHECKPOINT_SIGNING_KEY?: string;

  @Transform(({ value }) => value || 'labgate.local/audit-log')
  @Matches(/^[A-Za-z0-9.-]+(\/[A-Za-z0-9._-]+)*$/, { message: 'must look like a schema-less URL, e.g. labgate.example.eu/audit-log' })
  TLOG_ORIGIN!: string;

  @Transform(({ value }) => value || 'info')
  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL!: LogLevel;
}

export interface AppConfig {
  port: number;
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  bootstrapAdminToken?: string;
  logLevel: LogLevel;
  webhookAttempts: number;
  webhookBackoffMs: number;
  auditSealIntervalMs: number;
  rateLimitPerMinute: number;
  /** Failed authentications per client address and minute before 429 (shared through Redis). */
  authFailuresPerMinute: number;
  /** Idempotency-Key records are forgotten after this many hours, by a job every sweep interval. */
  idempotencyTtlHours: number;
  idempotencySweepIntervalMs: number;
  /** A request (headers and body) must arrive within this, else 408. */
  requestTimeoutMs: number;
  /** Whose X-Forwarded-For to believe (Fastify's trustProxy): false unless configured. */
  trustProxy: boolean | number | string;
  /** The worker's Prometheus port; 0: off. */
  workerMetricsPort: number;
  /** How often the worker re-derives queued work from Postgres. */
  reconcileIntervalMs: number;
  /** A webhook delivery still pending this long after it was made has lost its job. */
  reconcileStrandedAfterMs: number;
  /** Host names, addresses or CIDR ranges webhooks may target although private or plain http. */
  webhookAllowHosts: string[];
  /** Fixed answers for webhook host names (like curl --resolve), checked like any other address. */
  webhookResolve: Record<string, string>;
  webhookSecretOverlapHours: number;
  /** Encrypts webhook secrets at rest when set. */
  secretsKey?: string;
  /** The transparency log's Ed25519 seed (base64); generated and kept in Postgres when unset. */
  checkpointSigningKey?: string;
  /** The log's origin line and key name. */
  tlogOrigin: string;
}

/** Raised when the environment is unusable; its message is one line naming the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const raw = plainToInstance(EnvironmentVariables, {
    PORT: env.PORT,
    DATABASE_URL: env.DATABASE_URL,
    REDIS_URL: env.REDIS_URL,
    QUEUE_PREFIX: env.QUEUE_PREFIX,
    BOOTSTRAP_ADMIN_TOKEN: env.BOOTSTRAP_ADMIN_TOKEN === '' ? undefined : env.BOOTSTRAP_ADMIN_TOKEN,
    LOG_LEVEL: env.LOG_LEVEL,
    WEBHOOK_ATTEMPTS: env.WEBHOOK_ATTEMPTS,
    WEBHOOK_BACKOFF_MS: env.WEBHOOK_BACKOFF_MS,
    AUDIT_SEAL_INTERVAL_MS: env.AUDIT_SEAL_INTERVAL_MS,
    RATE_LIMIT_PER_MINUTE: env.RATE_LIMIT_PER_MINUTE,
    AUTH_FAILURES_PER_MINUTE: env.AUTH_FAILURES_PER_MINUTE,
    RECONCILE_INTERVAL_MS: env.RECONCILE_INTERVAL_MS,
    REQUEST_TIMEOUT_MS: env.REQUEST_TIMEOUT_MS,
    IDEMPOTENCY_TTL_HOURS: env.IDEMPOTENCY_TTL_HOURS,
    IDEMPOTENCY_SWEEP_INTERVAL_MS: env.IDEMPOTENCY_SWEEP_INTERVAL_MS,
    RECONCILE_STRANDED_AFTER_MS: env.RECONCILE_STRANDED_AFTER_MS,
    WEBHOOK_ALLOW_HOSTS: env.WEBHOOK_ALLOW_HOSTS,
    TRUST_PROXY: env.TRUST_PROXY,
    WORKER_METRICS_PORT: env.WORKER_METRICS_PORT,
    WEBHOOK_RESOLVE: env.WEBHOOK_RESOLVE,
    WEBHOOK_SECRET_OVERLAP_HOURS: env.WEBHOOK_SECRET_OVERLAP_HOURS,
    SECRETS_KEY: env.SECRETS_KEY === '' ? undefined : env.SECRETS_KEY,
    CHECKPOINT_SIGNING_KEY: env.CHECKPOINT_SIGNING_KEY === '' ? undefined : env.CHECKPOINT_SIGNING_KEY,
    TLOG_ORIGIN: env.TLOG_ORIGIN,
  });
  const errors = validateSync(raw);
  if (errors.length > 0) {
    const lines = errors.map((e) => {
      const shown = ['BOOTSTRAP_ADMIN_TOKEN', 'SECRETS_KEY', 'CHECKPOINT_SIGNING_KEY'].includes(e.property) ? '(hidden)' : JSON.stringify(env[e.property]);
      // The type check says the most; range checks on a non-number only repeat it less clearly.
      const constraints = e.constraints ?? {};
      const key = ['isInt', 'matches', 'isIn', 'isString'].find((k) => k in constraints) ?? Object.keys(constraints)[0];
      const message = (key ? constraints[key]! : 'is invalid').replace(new RegExp(`^${e.property} `), '');
      return `${e.property}=${shown} ${message}`;
    });
    throw new ConfigError(`Invalid configuration: ${lines.join('; ')}`);
  }
  return {
    port: raw.PORT,
    databaseUrl: raw.DATABASE_URL,
    redisUrl: raw.REDIS_URL,
    queuePrefix: raw.QUEUE_PREFIX,
    bootstrapAdminToken: raw.BOOTSTRAP_ADMIN_TOKEN,
    logLevel: raw.LOG_LEVEL,
    webhookAttempts: raw.WEBHOOK_ATTEMPTS,
    webhookBackoffMs: raw.WEBHOOK_BACKOFF_MS,
    auditSealIntervalMs: raw.AUDIT_SEAL_INTERVAL_MS,
    rateLimitPerMinute: raw.RATE_LIMIT_PER_MINUTE,
    authFailuresPerMinute: raw.AUTH_FAILURES_PER_MINUTE,
    reconcileIntervalMs: raw.RECONCILE_INTERVAL_MS,
    requestTimeoutMs: raw.REQUEST_TIMEOUT_MS,
    trustProxy: parseTrustProxy(raw.TRUST_PROXY),
    workerMetricsPort: raw.WORKER_METRICS_PORT,
    idempotencyTtlHours: raw.IDEMPOTENCY_TTL_HOURS,
    idempotencySweepIntervalMs: raw.IDEMPOTENCY_SWEEP_INTERVAL_MS,
    reconcileStrandedAfterMs: raw.RECONCILE_STRANDED_AFTER_MS,
    webhookAllowHosts: raw.WEBHOOK_ALLOW_HOSTS.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean),
    webhookResolve: Object.fromEntries(
      raw.WEBHOOK_RESOLVE.split(',')
        .map((pair) => pair.trim())
        .filter(Boolean)
        .map((pair) => {
          const at = pair.indexOf(':');
          return [pair.slice(0, at).toLowerCase(), pair.slice(at + 1)];
        }),
    ),
    webhookSecretOverlapHours: raw.WEBHOOK_SECRET_OVERLAP_HOURS,
    secretsKey: raw.SECRETS_KEY,
    checkpointSigningKey: raw.CHECKPOINT_SIGNING_KEY,
    tlogOrigin: raw.TLOG_ORIGIN,
  };
}

/** host:port of a Redis URL, for messages. */
export function redisAddress(redisUrl: string): string {
  const url = new URL(redisUrl);
  return `${url.hostname}:${url.port || '6379'}`;
}

function parseTrustProxy(value: string): boolean | number | string {
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value.replace(/\s+/g, '');
}
