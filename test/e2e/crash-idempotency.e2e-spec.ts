import request from 'supertest';
import { HttpProcess, startApiProcess } from '../support/processes';
import { startApi, TestApi } from './support/api';
import { createUser, expectProblem } from './support/fixtures';

/**
 * The stored response of an Idempotency-Key commits with the effect: an API process killed at the
 * worst moment (effect and record written, not yet committed) leaves neither behind, and the
 * retry with the same key applies exactly once.
 */
describe('an API killed inside an idempotent request', () => {
  let api: TestApi;
  let doomed: HttpProcess;

  beforeAll(async () => {
    api = await startApi();
    doomed = await startApiProcess(`api-doomed-${process.pid}`, { LABGATE_FAULT_POINTS: 'before-commit-with-record' });
  }, 60000);
  afterAll(async () => {
    await doomed?.stop();
    await api?.close();
  });

  it('applies the retried request once', async () => {
    const funder = await createUser(api, 'DGHOME', ['funder']);
    const key = `crash-${Date.now()}`;
    const body = { name: `ISF envelope crash test ${key}`, envelopeCents: 75_000_000 };
    const died = await request(doomed.url).post('/v1/programmes').set(funder.auth).set('Idempotency-Key', key).send(body).catch((err: Error) => err);
    // No answer: the connection went with the process.
    expect((died as { status?: number }).status).toBeUndefined();
    expect(String((died as Error).message)).toMatch(/socket hang up|ECONNRESET|ECONNREFUSED/);
    expect((await doomed.exited).signal).toBe('SIGKILL');
    expect(await api.db.query('SELECT id FROM programmes WHERE name = $1', [body.name])).toHaveLength(0);

    // The claim of the dead request holds the key for a while (409, retry later)…
    expectProblem(await api.http.post('/v1/programmes').set(funder.auth).set('Idempotency-Key', key).send(body), 409, 'IDEMPOTENCY.IN_PROGRESS');
    // …until it is stale (two minutes, here made to have passed).
    await api.db.query(`UPDATE idempotency_keys SET created_at = now() - interval '5 minutes' WHERE key = $1`, [key]);
    const retried = await api.http.post('/v1/programmes').set(funder.auth).set('Idempotency-Key', key).send(body);
    expect(retried.status).toBe(201);
    const replayed = await api.http.post('/v1/programmes').set(funder.auth).set('Idempotency-Key', key).send(body);
    expect(replayed.status).toBe(201);
    expect(replayed.body.id).toBe(retried.body.id);
    expect(await api.db.query('SELECT id FROM programmes WHERE name = $1', [body.name])).toHaveLength(1);
  }, 60000);
});
