/**
 * `npm start`: validate the configuration, make sure Postgres and Redis answer (and the database
 * exists), apply pending migrations, then run the API and the worker in the foreground until
 * SIGTERM/SIGINT, which both drain before this exits 0.
 *
 * `node dist/scripts/start.js <role>` runs one part, as containers do: `migrate` (the checks and
 * the migrations, then exit), `api` or `worker` (that process alone, no migrations). Every way of
 * starting LabGate goes through here, so the V8 flags of scripts/node-flags.ts live in one place.
 */
import { ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import pino from 'pino';
import { ConfigError, loadConfig, redisAddress } from '@labgate/config';
import { ensureDatabase, START_DEPENDENCIES_HINT, UnreachableError } from '@labgate/persistence';
import { runMigrations } from '@labgate/migrations';
import { pingRedis } from '@labgate/queue';
import { API_NODE_FLAGS } from './node-flags';

const log = pino({ name: 'labgate' });

/** One plain line on stderr: what is wrong and what to do; no stack trace. */
function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

async function prepare(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  try {
    const { created } = await ensureDatabase(config.databaseUrl);
    if (created) log.info('created the database');
  } catch (err) {
    if (err instanceof UnreachableError) fail(err.message);
    throw err;
  }
  try {
    await pingRedis(config.redisUrl);
  } catch (err) {
    fail(
      `Redis is not reachable at ${redisAddress(config.redisUrl)} (${(err as Error).message}). ` +
        `Start one, e.g. \`${START_DEPENDENCIES_HINT}\`, or set REDIS_URL.`,
    );
  }
  const applied = await runMigrations(config.databaseUrl);
  log.info({ applied }, applied.length ? `applied ${applied.length} migration(s)` : 'database schema is up to date');
}

const PARTS = {
  api: ['../apps/api/src/main.js', API_NODE_FLAGS],
  worker: ['../apps/worker/src/main.js', []],
} as const;
type Part = keyof typeof PARTS;

function run(parts: Part[]): void {
  const children = new Map<string, ChildProcess>();
  let stopping = false;
  let exitCode = 0;

  const stopAll = (signal: NodeJS.Signals) => {
    for (const child of children.values()) child.kill(signal);
  };

  for (const name of parts) {
    const [entry, execArgv] = PARTS[name];
    const child = fork(path.join(__dirname, entry), { stdio: 'inherit', execArgv: [...process.execArgv, ...execArgv] });
    children.set(name, child);
    child.on('exit', (code, signal) => {
      children.delete(name);
      if (!stopping) {
        // One half of the service died: take the other down too, and say so.
        log.error({ code, signal }, `${name} exited unexpectedly; stopping`);
        exitCode = 1;
        stopping = true;
        stopAll('SIGTERM');
      }
      if (children.size === 0) {
        log.info('stopped');
        process.exit(exitCode);
      }
    });
  }

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      log.info(`${signal}: draining ${parts.join(' and ')}`);
      stopAll('SIGTERM');
    });
  }
}

const role = process.argv[2] ?? 'all';
const started =
  role === 'all'
    ? prepare().then(() => run(['api', 'worker']))
    : role === 'migrate'
      ? prepare().then(() => process.exit(0))
      : role === 'api' || role === 'worker'
        ? Promise.resolve(run([role]))
        : fail(`unknown role ${role}: all (the default), migrate, api or worker`);
started.catch((err: unknown) => fail(`start failed: ${err instanceof Error ? err.message : String(err)}`));
