import '../../register-paths';
import { randomBytes } from 'node:crypto';
import { ensureDatabase } from '@labgate/persistence';
import { runMigrations } from '@labgate/migrations';
import { startApiProcess, startWorkerProcess } from '../../support/processes';

/**
 * One throwaway database and one Redis key prefix per test run, so parallel runs and a
 * developer's own data never meet; the real migrations build the schema. The built API and
 * worker run as real processes against them, as `npm start` runs them.
 */
export default async function globalSetup(): Promise<void> {
  const run = `${process.pid}_${randomBytes(3).toString('hex')}`;
  const base = new URL(process.env.TEST_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  base.pathname = `/labgate_test_${run}`;
  process.env.DATABASE_URL = base.toString();
  process.env.REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  process.env.QUEUE_PREFIX = `labgate-test-${run}`;
  process.env.LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'warn';
  process.env.BOOTSTRAP_ADMIN_TOKEN = `test-admin-${randomBytes(16).toString('hex')}`;
  // Fast retries and seals, so the tests that watch them finish in seconds.
  process.env.WEBHOOK_ATTEMPTS = '3';
  process.env.WEBHOOK_BACKOFF_MS = '100';
  process.env.AUDIT_SEAL_INTERVAL_MS = '2000';
  process.env.IDEMPOTENCY_SWEEP_INTERVAL_MS = '2000';
  // Slow clients are cut off after 3 s here (30 s by default), so the test of it is quick.
  process.env.REQUEST_TIMEOUT_MS = '3000';
  // Test receivers listen on 127.0.0.1 over plain http; a name pinned to another loopback
  // address stands for a public name re-pointed inside after it was subscribed.
  process.env.WEBHOOK_ALLOW_HOSTS = '127.0.0.1';
  process.env.WEBHOOK_RESOLVE = 'hooks.rebind.example:127.0.0.2';
  process.env.SECRETS_KEY = randomBytes(32).toString('base64');
  // The suites drive thousands of requests a minute through a few tokens: no limit here; the
  // rate-limit test runs an API of its own with one.
  process.env.RATE_LIMIT_PER_MINUTE = '0';
  process.env.AUTH_FAILURES_PER_MINUTE = '0';
  // The tests stand where a reverse proxy would: their X-Forwarded-* headers are believed.
  process.env.TRUST_PROXY = 'loopback';
  assertThrowaway(process.env.DATABASE_URL);
  await ensureDatabase(process.env.DATABASE_URL);
  await runMigrations(process.env.DATABASE_URL);

  const api = await startApiProcess('api');
  const worker = startWorkerProcess('worker');
  process.env.API_URL = api.url;
  (globalThis as { __labgate?: unknown }).__labgate = { api, worker };
}

export function assertThrowaway(databaseUrl: string): void {
  if (!/\/labgate_test_[a-z0-9_-]+$/.test(new URL(databaseUrl).pathname)) {
    throw new Error(`Refusing to run end-to-end tests against ${databaseUrl}: not a throwaway test database`);
  }
}
