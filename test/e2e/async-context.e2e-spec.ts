import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { HttpProcess, LOG_DIR, startApiProcess } from '../support/processes';
import { startApi, TestApi } from './support/api';

/**
 * On Node 20 an AsyncLocalStorage, once entered, switches on promise hooks for the whole process:
 * every promise of every request then pays for them (7-15 % of the API's CPU per request,
 * measured). The API therefore enters none: the correlation id and the Idempotency-Key's commit
 * hook travel with the work (Transactor.run's context), requests are logged from a Fastify hook.
 * Tracing, when an OTLP endpoint is configured, is the exception: its context manager is one.
 *
 * The probe is a preload that reports every entry into an AsyncLocalStorage and every async hook
 * created with promise callbacks.
 */
const PROBE = `
const hooks = require('node:async_hooks');
const report = (what) => process.stderr.write('ASYNC-CONTEXT-ENTERED ' + what + ' ' + new Error().stack.split('\\n').slice(2, 5).join(' < ') + '\\n');
for (const method of ['run', 'enterWith']) {
  const original = hooks.AsyncLocalStorage.prototype[method];
  hooks.AsyncLocalStorage.prototype[method] = function (...args) { report('AsyncLocalStorage.' + method); return original.apply(this, args); };
}
const createHook = hooks.createHook;
hooks.createHook = function (callbacks) { if (callbacks && callbacks.promiseResolve) report('createHook'); return createHook.call(this, callbacks); };
process.stderr.write('ASYNC-CONTEXT-PROBE armed\\n');
`;

describe('async context', () => {
  let api: TestApi;
  const probe = path.join(tmpdir(), `labgate-async-context-probe-${process.pid}.js`);
  const started: HttpProcess[] = [];

  async function probed(name: string, env: NodeJS.ProcessEnv = {}): Promise<{ proc: HttpProcess; log: () => string }> {
    const file = `${name}-${process.pid}`;
    rmSync(path.join(LOG_DIR, `${file}.log`), { force: true });
    const proc = await startApiProcess(file, env, ['--require', probe]);
    started.push(proc);
    return { proc, log: () => readFileSync(path.join(LOG_DIR, `${file}.log`), 'utf8') };
  }

  beforeAll(async () => {
    writeFileSync(probe, PROBE);
    api = await startApi();
  });
  afterAll(async () => {
    await Promise.all(started.map((p) => p.stop()));
    rmSync(probe, { force: true });
    await api?.close();
  });

  it('the API serves reads, commands, replays, errors and the dashboard without entering one', async () => {
    const { proc, log } = await probed('api-async-context', { OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '' });
    const http = request(proc.url);
    const admin = { Authorization: `Bearer ${api.adminToken}` };
    const code = `AC${process.pid % 100000}`;

    expect((await http.get('/health/live')).status).toBe(200);
    expect((await http.get('/v1/me').set(admin)).status).toBe(200);
    expect((await http.get('/v1/pilots?limit=5').set(admin)).status).toBe(200);
    // A command with an Idempotency-Key (its commit hook), its replay, and a refused one.
    const created = await http.post('/v1/agencies').set(admin).set('Idempotency-Key', `ac-${code}`).send({ code, name: 'Async context check' });
    expect(created.status).toBe(201);
    const replay = await http.post('/v1/agencies').set(admin).set('Idempotency-Key', `ac-${code}`).send({ code, name: 'Async context check' });
    expect([replay.status, replay.headers['idempotent-replayed']]).toEqual([201, 'true']);
    expect((await http.post('/v1/agencies').set(admin).send({ code, name: 'Again' })).status).toBe(409);
    expect((await http.get('/v1/pilots/00000000-0000-4000-8000-000000000000').set(admin)).status).toBe(404);
    expect((await http.get(`/admin/queues?token=${encodeURIComponent(api.adminToken)}`)).status).toBe(303);

    const text = log();
    expect(text).toContain('ASYNC-CONTEXT-PROBE armed');
    expect(text.split('\n').filter((line) => line.includes('ASYNC-CONTEXT-ENTERED'))).toEqual([]);
  });

  it('the probe does see one where there is one: the tracing context manager, when tracing is on', async () => {
    // A closed port: spans are exported nowhere, which is all this needs.
    const { proc, log } = await probed('api-async-context-traced', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
    expect((await request(proc.url).get('/v1/me').set('Authorization', `Bearer ${api.adminToken}`)).status).toBe(200);
    expect(log()).toContain('ASYNC-CONTEXT-ENTERED AsyncLocalStorage');
  });
});
