import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { dropDatabase, ensureDatabase } from '@labgate/persistence';
import { runMigrations } from '@labgate/migrations';
import type { TestApi } from './api';
import { TestDb } from './db';
import { AppProcess, freePort, startApiProcess, startWorkerProcess } from '../../support/processes';

/**
 * A Redis of the test's own that can be killed and started again: with an append-only file
 * (`persistent`), or, like most installs, with none (a restart then starts empty).
 */
export class TestRedis {
  private child?: ChildProcess;
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'labgate-redis-'));

  constructor(
    readonly port: number,
    readonly persistent = true,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const persistence = this.persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--dir', this.dir], {
      stdio: 'ignore',
    });
    const deadline = Date.now() + 10000;
    for (;;) {
      const ok = await new Promise<boolean>((resolve) => {
        const probe = spawn('redis-cli', ['-p', String(this.port), 'ping'], { stdio: ['ignore', 'pipe', 'ignore'] });
        let out = '';
        probe.stdout!.on('data', (d) => (out += d));
        probe.on('exit', () => resolve(out.trim() === 'PONG'));
      });
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`redis-server on ${this.port} did not start`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGKILL: no shutdown, no save — what a crash looks like. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.on('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A whole LabGate of the test's own — database, Redis, API and worker processes — for tests
 * that kill parts of it without disturbing the other test files.
 */
export class TestStack {
  api!: AppProcess & { url: string };
  worker!: AppProcess;
  db!: TestDb;
  private workers = 0;

  private constructor(
    readonly name: string,
    readonly env: NodeJS.ProcessEnv,
    readonly redis: TestRedis,
  ) {}

  static async start(name: string, options: { persistentRedis?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<TestStack> {
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `${url.pathname}_${name}`;
    const redis = new TestRedis(await freePort(), options.persistentRedis ?? true);
    await redis.start();
    const env = {
      ...options.env,
      DATABASE_URL: url.toString(),
      REDIS_URL: redis.url,
      QUEUE_PREFIX: `labgate-${name}-${randomBytes(3).toString('hex')}`,
    };
    await ensureDatabase(env.DATABASE_URL);
    await runMigrations(env.DATABASE_URL);
    const stack = new TestStack(name, env, redis);
    stack.db = new TestDb(env.DATABASE_URL);
    stack.api = await startApiProcess(`${name}-api`, env);
    stack.startWorker();
    return stack;
  }

  startWorker(): AppProcess {
    this.worker = startWorkerProcess(`${this.name}-worker-${++this.workers}`, this.env);
    return this.worker;
  }

  testApi(): TestApi {
    return { http: request(this.api.url), url: this.api.url, db: this.db, adminToken: process.env.BOOTSTRAP_ADMIN_TOKEN!, close: async () => undefined };
  }

  async stop(): Promise<void> {
    await Promise.all([this.api.stop(), this.worker.stop()]);
    await this.db.end();
    await this.redis.stop();
    if (process.env.KEEP_TEST_DATABASE !== '1') await dropDatabase(this.env.DATABASE_URL!);
  }
}
