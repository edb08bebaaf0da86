import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { Pool } from 'pg';
import { dropDatabase, ensureDatabase } from '@labgate/persistence';
import { runMigrations } from '@labgate/migrations';
import { QueueName } from '@labgate/queue';
import type { BenchOptions } from './options';
import { AppProcess, HttpProcess, startApiProcess, startHttpProcess, startWorkerProcess } from '../support/processes';
import { API_NODE_FLAGS } from '../../scripts/node-flags';

const REFERENCE_ENTRY = 'test/bench/reference-server.js';
const NEST_REFERENCE_ENTRY = 'test/bench/reference-nest.js';

/** Only databases named like this are ever dropped by the bench. */
const THROWAWAY = /^labgate_bench_[a-z0-9_]+$/;

function databaseUrl(server: string, name: string): string {
  if (!THROWAWAY.test(name)) throw new Error(`refusing to use ${name}: not a throwaway benchmark database`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Everything one run owns — a LabGate database, a pgbench database, a Redis key prefix, the API,
 * worker and reference processes — and the one place that removes it all again, whatever
 * happened in between.
 */
export class BenchStack {
  readonly databaseUrl: string;
  readonly pgbenchUrl: string;
  readonly queuePrefix: string;
  readonly adminToken = `bench-admin-${randomBytes(16).toString('hex')}`;
  readonly db: Pool;
  api?: HttpProcess;
  /** A second API on the same database that served none of the set-up (startFreshApi). */
  freshApi?: HttpProcess;
  worker?: AppProcess;
  reference?: HttpProcess;
  nestReference?: HttpProcess;
  /** The bare NestJS reference doing what LabGate owes every request (reference-nest.ts, REFERENCE_OBLIGED). */
  obligedNestReference?: HttpProcess;
  private workers = 0;
  private redis?: Redis;
  private readonly tmp = mkdtempSync(path.join(tmpdir(), 'labgate-bench-'));
  private disposed?: Promise<void>;

  private constructor(
    readonly run: string,
    private readonly options: BenchOptions,
  ) {
    this.databaseUrl = databaseUrl(options.databaseServer, `labgate_bench_${run}`);
    this.pgbenchUrl = databaseUrl(options.databaseServer, `labgate_bench_${run}_pgbench`);
    this.queuePrefix = `labgate-bench-${run}`;
    this.db = new Pool({ connectionString: this.databaseUrl, max: 4, application_name: 'labgate-bench' });
  }

  /** Names the run's databases and key prefix (nothing exists yet); `dispose()` must follow, even on failure. */
  static create(options: BenchOptions): BenchStack {
    return new BenchStack(`${process.pid}_${randomBytes(3).toString('hex')}`, options);
  }

  async migrate(): Promise<void> {
    await ensureDatabase(this.databaseUrl);
    await runMigrations(this.databaseUrl);
  }

  async createPgbenchDatabase(): Promise<void> {
    await ensureDatabase(this.pgbenchUrl);
  }

  /** The apps' environment; LOG_LEVEL warn (BENCH_LOG_LEVEL) keeps per-request logging out of the measurement. */
  private appEnv(): NodeJS.ProcessEnv {
    return {
      DATABASE_URL: this.databaseUrl,
      REDIS_URL: this.options.redisUrl,
      QUEUE_PREFIX: this.queuePrefix,
      LOG_LEVEL: this.options.logLevel,
      BOOTSTRAP_ADMIN_TOKEN: this.adminToken,
      // The limiter is off: the bench measures the API, and sends thousands of requests a
      // minute per caller during set-up.
      RATE_LIMIT_PER_MINUTE: '0',
    };
  }

  async startApi(env: NodeJS.ProcessEnv = {}, nodeFlags: readonly string[] = []): Promise<HttpProcess> {
    this.api = await startApiProcess(`bench-${this.run}-api`, { ...this.appEnv(), ...env }, nodeFlags);
    return this.api;
  }

  /** A second API process on the run's database and Redis prefix, for a side that has served nothing of the set-up. */
  async startFreshApi(nodeFlags: readonly string[] = []): Promise<HttpProcess> {
    this.freshApi = await startApiProcess(`bench-${this.run}-api-fresh`, this.appEnv(), nodeFlags);
    return this.freshApi;
  }

  startWorker(): AppProcess {
    this.worker = startWorkerProcess(`bench-${this.run}-worker-${++this.workers}`, this.appEnv());
    return this.worker;
  }

  async stopWorker(): Promise<void> {
    await this.worker?.stop();
    this.worker = undefined;
  }

  /** The bare Fastify reference, serving `bodies` ({pilot, page}) from memory. */
  async startReference(bodies: { pilot: unknown; page: unknown }): Promise<HttpProcess> {
    this.reference = await startHttpProcess(REFERENCE_ENTRY, `bench-${this.run}-reference`, '/health', {}, (port) => [String(port), this.bodiesFile(bodies)]);
    return this.reference;
  }

  /** The bare NestJS-on-Fastify reference: a constant /health/live and the same two reads, with the API's V8 flags. */
  async startNestReference(bodies: { pilot: unknown; page: unknown }, extraNodeFlags: readonly string[] = []): Promise<HttpProcess> {
    this.nestReference = await this.startNest('reference-nest', {}, bodies, extraNodeFlags);
    return this.nestReference;
  }

  /** The same, with LabGate's per-request obligations (security headers, correlation id, input check, server timeouts). */
  async startObligedNestReference(bodies: { pilot: unknown; page: unknown }, extraNodeFlags: readonly string[] = []): Promise<HttpProcess> {
    this.obligedNestReference = await this.startNest('reference-nest-obliged', { REFERENCE_OBLIGED: '1' }, bodies, extraNodeFlags);
    return this.obligedNestReference;
  }

  private startNest(name: string, env: NodeJS.ProcessEnv, bodies: { pilot: unknown; page: unknown }, extraNodeFlags: readonly string[]): Promise<HttpProcess> {
    return startHttpProcess(NEST_REFERENCE_ENTRY, `bench-${this.run}-${name}`, '/health/live', env, (port) => [String(port), this.bodiesFile(bodies)], [
      ...API_NODE_FLAGS,
      ...extraNodeFlags,
    ]);
  }

  private bodiesFile(bodies: { pilot: unknown; page: unknown }): string {
    const file = path.join(this.tmp, 'reference-bodies.json');
    writeFileSync(file, JSON.stringify(bodies));
    return file;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows are whatever the bench's SQL selects
  async query<T = any>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.db.query(sql, params)).rows as T[];
  }

  /** Jobs waiting or running in the run's BullMQ queues (delayed ones, the review timers, not counted). */
  async queuedJobs(): Promise<number> {
    if (!this.redis) {
      this.redis = new Redis(this.options.redisUrl, { maxRetriesPerRequest: 1 });
      this.redis.on('error', () => undefined);
    }
    const pipeline = this.redis.pipeline();
    for (const queue of Object.values(QueueName)) {
      const key = `${this.queuePrefix}:${queue}`;
      pipeline.llen(`${key}:wait`).llen(`${key}:active`).llen(`${key}:paused`).zcard(`${key}:prioritized`);
    }
    const replies = (await pipeline.exec()) ?? [];
    return replies.reduce((sum, [err, n]) => {
      if (err) throw err;
      return sum + Number(n);
    }, 0);
  }

  /** Stops every process and removes the databases and Redis keys; safe to call twice. */
  dispose(): Promise<void> {
    this.disposed ??= this.doDispose();
    return this.disposed;
  }

  private async doDispose(): Promise<void> {
    const attempt = async (what: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (err) {
        console.error(`bench cleanup: ${what} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    await Promise.all(
      [this.api, this.freshApi, this.worker, this.reference, this.nestReference, this.obligedNestReference].filter((p): p is AppProcess => p !== undefined).map((p) => attempt(`stopping ${p.name}`, () => p.stop('SIGTERM', 5_000))),
    );
    await attempt('closing the pool', () => this.db.end());
    this.redis?.disconnect();
    if (this.options.keepDatabase) {
      console.error(`bench cleanup: BENCH_KEEP_DATABASE=1, kept ${this.databaseUrl} and ${this.pgbenchUrl}`);
    } else {
      await attempt('dropping the database', () => dropDatabase(this.databaseUrl));
      await attempt('dropping the pgbench database', () => dropDatabase(this.pgbenchUrl));
    }
    await attempt('deleting the Redis keys', () => this.deleteRedisKeys());
    rmSync(this.tmp, { recursive: true, force: true });
  }

  private async deleteRedisKeys(): Promise<void> {
    const redis = new Redis(this.options.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.queuePrefix}:*`, 'COUNT', 1000);
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  }
}
