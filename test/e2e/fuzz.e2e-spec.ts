import { Pool } from 'pg';
import { TestStack } from './support/stack';
import { CALLERS, formatReport, OpenApiDocument, operationsOf, runFuzzer, type FuzzTarget } from '../fuzz/openapi-fuzzer';
import { prepareFuzzTarget } from '../fuzz/setup';

const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);

/**
 * The OpenAPI-driven fuzzer (test/fuzz) against a LabGate of its own: every operation of the
 * document, every kind of caller, hostile values everywhere. The worker is stopped before the
 * run, so the only writer is the API and "nothing changed" can be checked after every refusal.
 * `npm run fuzz` sends 100,000 the same way.
 */
describe('fuzzing every operation of the OpenAPI document', () => {
  let stack: TestStack;
  let db: Pool;
  let target: FuzzTarget;
  let document: OpenApiDocument;

  beforeAll(async () => {
    stack = await TestStack.start('fuzz');
    db = new Pool({ connectionString: stack.env.DATABASE_URL, max: 2 });
    target = await prepareFuzzTarget(stack.api.url, process.env.BOOTSTRAP_ADMIN_TOKEN!, db);
    await stack.worker.stop();
    document = (await (await fetch(`${stack.api.url}/docs-json`)).json()) as OpenApiDocument;
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await stack?.stop();
  });

  it(`sends ${REQUESTS} requests: no 5xx, every error a problem with its correlation id, nothing stored by a refusal`, async () => {
    const operations = operationsOf(document);
    expect(operations.length).toBeGreaterThanOrEqual(45);
    expect(Object.keys(target.tokens).sort()).toEqual(CALLERS.filter((c) => !['none', 'garbage', 'malformed'].includes(c)).sort());

    const report = await runFuzzer(target, operations, { requests: REQUESTS, seed: SEED });
    // The per-operation counts belong in the run's output (.ci/run), not only in a failure.
    process.stdout.write(`\n${formatReport(report)}\n`);

    expect(report.requests).toBe(REQUESTS);
    for (const op of operations) expect(report.byOperation[op.id]!.requests).toBeGreaterThanOrEqual(Math.floor(REQUESTS / operations.length));
    expect(report.failures.length === 0 ? [] : [`${report.failures.length} failures (seed ${SEED})`, ...report.failures.slice(0, 30)]).toEqual([]);
  }, 900_000);
});
