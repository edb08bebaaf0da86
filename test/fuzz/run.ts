import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { dropDatabase, ensureDatabase } from '@labgate/persistence';
import { runMigrations } from '@labgate/migrations';
import { startApiProcess, startWorkerProcess } from '../support/processes';
import { formatReport, OpenApiDocument, operationsOf, runFuzzer } from './openapi-fuzzer';
import { prepareFuzzTarget } from './setup';

/**
 * `npm run fuzz`: the fuzzer of `npm test` at full size (FUZZ_REQUESTS, default 100,000; FUZZ_SEED
 * to reproduce a run) against a LabGate of its own — a throwaway database, a Redis key prefix,
 * an API and, for the set-up only, a worker. Prints the per-operation counts and every failure;
 * exits non-zero on any.
 */
async function main(): Promise<void> {
  const requests = Number(process.env.FUZZ_REQUESTS ?? 100_000);
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
  const run = `${process.pid}_${randomBytes(3).toString('hex')}`;
  const server = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/labgate');
  server.pathname = `/labgate_fuzz_${run}`;
  const databaseUrl = server.toString();
  const adminToken = `fuzz-admin-${randomBytes(16).toString('hex')}`;
  const env = {
    DATABASE_URL: databaseUrl,
    QUEUE_PREFIX: `labgate-fuzz-${run}`,
    BOOTSTRAP_ADMIN_TOKEN: adminToken,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '0',
    AUTH_FAILURES_PER_MINUTE: '0',
    WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
  };
  await ensureDatabase(databaseUrl);
  const db = new Pool({ connectionString: databaseUrl, max: 2 });
  const api = await runMigrations(databaseUrl).then(() => startApiProcess(`fuzz-${run}-api`, env));
  const worker = startWorkerProcess(`fuzz-${run}-worker`, env);
  try {
    const target = await prepareFuzzTarget(api.url, adminToken, db);
    await worker.stop();
    const document = (await (await fetch(`${api.url}/docs-json`)).json()) as OpenApiDocument;
    const started = Date.now();
    const report = await runFuzzer(target, operationsOf(document), {
      requests,
      seed,
      onProgress: (done) => {
        if (done % 10_000 === 0) process.stdout.write(`  ${done} requests, ${Math.round((Date.now() - started) / 1000)} s\n`);
      },
    });
    console.log(formatReport(report));
    for (const failure of report.failures) console.log(`FAIL ${failure}`);
    console.log(`${report.requests} requests in ${Math.round((Date.now() - started) / 1000)} s; ${report.failures.length} failures; FUZZ_SEED=${seed} repeats this run`);
    process.exitCode = report.failures.length === 0 ? 0 : 1;
  } finally {
    await Promise.all([api.stop(), worker.stop()]);
    await db.end();
    await dropDatabase(databaseUrl);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
