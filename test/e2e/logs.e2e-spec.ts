import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { HttpProcess, LOG_DIR, startApiProcess, startWorkerProcess, AppProcess } from '../support/processes';
import { startApi, TestApi } from './support/api';
import { createUser } from './support/fixtures';
import { createCast, proposePilot, seated, settled, submit, voteAll, waitFor } from './support/workflow';

/**
 * No secret in any log line: an API and a worker logging at `trace` see tokens in headers, a
 * token in the dashboard's one-time URL, bad tokens, new tokens and webhook secrets in bodies,
 * and signed deliveries; their logs are then searched for every one of them.
 */
describe('logs', () => {
  let api: TestApi;
  let loud: HttpProcess;
  let worker: AppProcess;
  const apiLog = path.join(LOG_DIR, `api-trace-${process.pid}.log`);
  const workerLog = path.join(LOG_DIR, `worker-trace-${process.pid}.log`);

  beforeAll(async () => {
    rmSync(apiLog, { force: true });
    rmSync(workerLog, { force: true });
    api = await startApi();
    loud = await startApiProcess(`api-trace-${process.pid}`, { LOG_LEVEL: 'trace' });
    worker = startWorkerProcess(`worker-trace-${process.pid}`, { LOG_LEVEL: 'trace' });
  }, 60000);
  afterAll(async () => {
    await Promise.all([loud?.stop(), worker?.stop()]);
    await api?.close();
  });

  it('logs every request once, under its correlation id, probes excepted', async () => {
    const http = request(loud.url);
    const admin = { Authorization: `Bearer ${api.adminToken}` };
    const run = Date.now();
    // The probe first: its line, were there one, would be written before the others'.
    expect((await http.get('/health/live').set('X-Request-Id', `probe-${run}`)).status).toBe(200);
    expect((await http.get('/v1/me').set(admin).set('X-Request-Id', `me-${run}`)).status).toBe(200);
    const missing = await http.get('/v1/pilots/00000000-0000-4000-8000-000000000000').set(admin).set('X-Request-Id', `missing-${run}`);
    expect(missing.status).toBe(404);
    const unrouted = await http.get('/v1/nowhere').set('X-Request-Id', `unrouted-${run}`);
    expect(unrouted.status).toBe(404);

    type Line = { msg?: string; req?: { id?: string }; res?: { statusCode?: number } };
    const ids = [`me-${run}`, `missing-${run}`, `unrouted-${run}`];
    const lines = await waitFor('the three request lines', async () => {
      const parsed = readFileSync(apiLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
      return ids.every((id) => parsed.some((l) => l.req?.id === id)) ? parsed : undefined;
    });
    const of = (id: string) => lines.filter((l) => l.req?.id === id).map(({ msg, req, res }) => ({ msg, req, status: res?.statusCode }));
    expect(of(`me-${run}`)).toEqual([{ msg: 'request completed', req: { id: `me-${run}`, method: 'GET', url: '/v1/me' }, status: 200 }]);
    expect(of(`missing-${run}`)).toEqual([{ msg: 'request completed', req: { id: `missing-${run}`, method: 'GET', url: '/v1/pilots/00000000-0000-4000-8000-000000000000' }, status: 404 }]);
    expect(of(`unrouted-${run}`)).toEqual([{ msg: 'request completed', req: { id: `unrouted-${run}`, method: 'GET', url: '/v1/nowhere' }, status: 404 }]);
    expect(lines.filter((l) => JSON.stringify(l).includes(`probe-${run}`))).toEqual([]);
  });

  it('never writes a token, a session or a webhook secret', async () => {
    const http = request(loud.url);
    const admin = { Authorization: `Bearer ${api.adminToken}` };
    const secrets: string[] = [api.adminToken];

    const created = await http.post('/v1/users').set(admin).set('Idempotency-Key', `log-user-${Date.now()}`).send({ name: 'Log Check', email: `log.check.${Date.now()}@cepol.europa.eu`, agency: 'CEPOL', roles: ['lead'] });
    expect(created.status).toBe(201);
    secrets.push(created.body.token);
    expect((await http.get('/v1/me').set('Authorization', `Bearer ${created.body.token}`)).status).toBe(200);
    const rotated = await http.post('/v1/me/token-rotation').set('Authorization', `Bearer ${created.body.token}`).send({});
    secrets.push(rotated.body.token);
    const bad = 'lg_ThisIsNotARealTokenButStillASecret0123456789';
    expect((await http.get('/v1/me').set('Authorization', `Bearer ${bad}`)).status).toBe(401);
    secrets.push(bad);
    const dashboard = await http.get(`/admin/queues?token=${encodeURIComponent(api.adminToken)}`);
    expect(dashboard.status).toBe(303);
    const session = decodeURIComponent(dashboard.headers['set-cookie']![0]!.split(';')[0]!.split('=')[1]!);
    secrets.push(session);
    expect((await http.get('/admin/queues/api/queues').set('Cookie', `labgate_admin=${encodeURIComponent(session)}`)).status).toBe(200);

    const cast = await createCast(api);
    const hook = await http.post('/v1/webhooks').set(admin).send({ url: 'http://127.0.0.1:9/closed-port', events: ['gate.decided'], agency: cast.leadAgency });
    expect(hook.status).toBe(201);
    secrets.push(hook.body.secret, hook.body.secret.slice(6));
    const reviewer = await createUser(api, cast.leadAgency, ['reviewer']);
    secrets.push(reviewer.token);
    const pilot = await proposePilot(api, cast);
    const review = await seated(api, cast, await submit(api, cast, pilot.id, 1_000_000));
    await voteAll(api, cast, review, () => ({ recommendation: 'fund' }));
    await settled(api, cast, review.id);
    await waitFor('the delivery given up', async () => {
      const res = await http.get('/v1/webhooks/deliveries?status=failed&limit=100').set(admin);
      return res.body.items.some((d: { webhookId: string }) => d.webhookId === hook.body.id);
    }, 30000);
    for (const user of Object.values(cast).filter((v): v is { token: string } => typeof v === 'object' && v !== null && 'token' in v)) secrets.push(user.token);

    await Promise.all([loud.stop(), worker.stop()]);
    // These two at trace, and the run's own API and worker (which share the queues).
    const logs = [apiLog, workerLog, path.join(LOG_DIR, 'api.log'), path.join(LOG_DIR, 'worker.log')].map((f) => readFileSync(f, 'utf8')).join('\n');
    // The processes did log (requests, headers, jobs, the failed delivery): the search means something.
    expect(logs.split('\n').length).toBeGreaterThan(30);
    expect(logs).toContain('"url":"/v1/users"');
    expect(logs).toContain('/admin/queues?token=[redacted]');
    expect(logs).toMatch(/webhook delivery .* failed for good/);
    for (const secret of secrets) expect({ secret, found: logs.includes(secret) }).toEqual({ secret, found: false });
  }, 90000);
});
