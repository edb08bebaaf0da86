import { connect, Socket } from 'node:net';
import { startApi, TestApi } from './support/api';
import { createProgramme, createUser, expectProblem, pilotBody, TestUser } from './support/fixtures';

/** The status line and headers of the next response on `socket` (bodies here are small: one chunk). */
function nextResponse(socket: Socket): Promise<{ status: number; headers: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const onData = (d: Buffer) => {
      answer += d.toString('latin1');
      const end = answer.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.off('close', onClose);
      const lines = answer.slice(0, end).split('\r\n');
      const headers = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(lines[0]!.split(' ')[1]), headers });
    };
    const onClose = () => reject(new Error(`connection closed before a response (got ${JSON.stringify(answer)})`));
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

describe('HTTP behaviour', () => {
  let api: TestApi;
  let lead: TestUser;
  let programmeId: string;

  beforeAll(async () => {
    api = await startApi();
    const funder = await createUser(api, 'EUROPOL', ['funder']);
    lead = await createUser(api, 'EUROPOL', ['lead']);
    programmeId = await createProgramme(api, funder);
  });
  afterAll(() => api.close());

  it('answers liveness and readiness with Postgres and Redis checked', async () => {
    const live = await api.http.get('/health/live');
    expect(live.status).toBe(200);
    const ready = await api.http.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.info).toEqual({ postgres: expect.objectContaining({ status: 'up' }), redis: expect.objectContaining({ status: 'up' }) });
  });

  it('serves the OpenAPI document and Swagger UI without a token', async () => {
    const doc = await api.http.get('/docs-json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/pilots', '/v1/pilots/{id}', '/v1/users', '/v1/me']));
    expect(doc.body.components.schemas.CreatePilotRequestDto.required).toEqual(expect.arrayContaining(['title', 'heilmeier', 'trl']));
    const ui = await api.http.get('/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');
  });

  it('documents every route of the design in the OpenAPI document', async () => {
    const { paths } = (await api.http.get('/docs-json')).body as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(routes).toEqual(
      expect.arrayContaining([
        'GET /health/live',
        'GET /health/ready',
        'GET /v1/me',
        'POST /v1/agencies',
        'GET /v1/agencies',
        'POST /v1/users',
        'GET /v1/users',
        'POST /v1/programmes',
        'GET /v1/programmes',
        'GET /v1/programmes/{id}',
        'POST /v1/pilots',
        'GET /v1/pilots',
        'GET /v1/pilots/{id}',
        'PATCH /v1/pilots/{id}',
        'POST /v1/pilots/{id}/submissions',
        'POST /v1/pilots/{id}/withdrawal',
        'POST /v1/pilots/{id}/expenditures',
        'GET /v1/pilots/{id}/expenditures',
        'GET /v1/pilots/{id}/audit',
        'GET /v1/pilots/{id}/audit/verify',
        'GET /v1/gate-reviews/{id}',
        'GET /v1/me/assignments',
        'POST /v1/gate-reviews/{id}/votes',
        'POST /v1/assignments/{id}/decline',
        'POST /v1/assignments/{id}/reassign',
        'POST /v1/gate-reviews/{id}/decision',
        'GET /v1/gate-policies/{gate}',
        'PUT /v1/gate-policies/{gate}',
        'GET /v1/me/notifications',
        'POST /v1/webhooks',
        'GET /v1/webhooks',
      ]),
    );
    const submission = paths['/v1/pilots/{id}/submissions']!.post as { responses: Record<string, unknown> };
    expect(Object.keys(submission.responses)).toContain('202');
    expect(routes).toEqual(expect.arrayContaining(['GET /v1/reports/portfolio', 'GET /v1/reports/portfolio/{chart}', 'GET /metrics', 'POST /v1/webhooks/{id}/secret-rotation']));
  });

  it('names every operation as a client calls it, once', async () => {
    const { paths } = (await api.http.get('/docs-json')).body as { paths: Record<string, Record<string, { operationId: string }>> };
    const ids = Object.values(paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    expect(ids.every((id) => /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(paths['/v1/pilots']!.post!.operationId).toBe('createPilot');
    expect(paths['/v1/gate-reviews/{id}/votes']!.post!.operationId).toBe('castVote');
    expect(paths['/v1/reports/portfolio']!.get!.operationId).toBe('getPortfolioReport');
  });

  it('serves Prometheus metrics to admins: request durations by route template (probes left out), queues, outbox, decisions, deliveries, ledger', async () => {
    expectProblem(await api.http.get('/metrics'), 401);
    expectProblem(await api.http.get('/metrics').set(lead.auth), 403);
    await api.http.get(`/v1/pilots/00000000-0000-4000-8000-000000000000`).set(lead.auth);
    expect((await api.http.get('/health/live')).status).toBe(200);
    const res = await api.http.get('/metrics').set('Authorization', `Bearer ${api.adminToken}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.text;
    expect(text).toMatch(/labgate_http_request_duration_seconds_bucket\{le="[^"]+",method="GET",route="\/v1\/pilots\/:id",status_code="404"\} \d+/);
    // Probes are not counted: their answers would only dilute the API's latencies.
    expect(text).not.toContain('route="/health/');
    for (const queue of ['reviews', 'notifications', 'maintenance']) for (const state of ['waiting', 'active', 'delayed', 'failed']) {
      expect(text).toMatch(new RegExp(`labgate_queue_jobs\\{queue="${queue}",state="${state}"\\} \\d+`));
    }
    expect(text).toMatch(/^labgate_outbox_pending \d+$/m);
    expect(text).toMatch(/^labgate_outbox_oldest_pending_seconds [\d.e+-]+$/m);
    expect(text).toMatch(/^labgate_ledger_cents\{kind="committed"\} \d+$/m);
    expect(text).toMatch(/^# TYPE labgate_decisions gauge$/m);
    expect(text).toMatch(/^# TYPE labgate_webhook_deliveries gauge$/m);
    // The ledger total is the database's, to the cent.
    const [{ committed }] = await api.db.query(`SELECT COALESCE(sum(committed_cents), 0)::text AS committed FROM programmes`);
    expect(/^labgate_ledger_cents\{kind="committed"\} (\d+)$/m.exec(text)![1]).toBe(committed);
  });

  it('sends security headers on every response, and a CSP on every HTML page', async () => {
    for (const res of [await api.http.get('/v1/me').set(lead.auth), await api.http.get('/v1/nothing').set(lead.auth), await api.http.get('/health/live')]) {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=31536000/);
    }
    for (const page of ['/docs', '/reports', `/admin/queues?token=${encodeURIComponent(api.adminToken)}`]) {
      const res = await api.http.get(page).redirects(1);
      expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    }
    expect((await api.http.get('/reports')).headers['content-security-policy']).toMatch(/script-src 'self';/);
  });

  it('keeps an idle keep-alive connection longer than a load balancer does (72 s, not Node\'s 5 s)', async () => {
    const { hostname, port } = new URL(api.url);
    const socket = connect(Number(port), hostname);
    try {
      await new Promise((resolve) => socket.once('connect', resolve));
      const get = `GET /health/live HTTP/1.1\r\nHost: ${hostname}\r\nConnection: keep-alive\r\n\r\n`;
      socket.write(get);
      const first = await nextResponse(socket);
      expect(first.status).toBe(200);
      expect(first.headers['keep-alive']).toBe('timeout=72');
      // Idle past Node's default keep-alive timeout, then reused, as a client pool would.
      await new Promise((resolve) => setTimeout(resolve, 5_500));
      socket.write(get);
      expect((await nextResponse(socket)).status).toBe(200);
    } finally {
      socket.destroy();
    }
  }, 15_000);

  it('answers an unknown route with a 404 problem', async () => {
    expectProblem(await api.http.get('/v1/nothing-here').set(lead.auth), 404, 'ROUTE.NOT_FOUND');
    expectProblem(await api.http.get('/nowhere'), 404);
  });

  it('answers a method a served path does not take with 405 naming the methods it does, and changes nothing', async () => {
    const id = '00000000-0000-4000-8000-000000000001';
    const del = await api.http.delete(`/v1/pilots/${id}`).set(lead.auth);
    expectProblem(del, 405, 'REQUEST.METHOD_NOT_ALLOWED');
    expect(del.headers.allow).toBe('GET, HEAD, PATCH');
    expect(del.body.detail).toBe('DELETE is not served at this path; it serves GET, HEAD, PATCH');
    expect(del.headers['x-request-id']).toBe(del.body.correlationId);
    // The query string is not part of the path; anyone may learn what the published interface serves.
    const put = await api.http.put('/v1/pilots?limit=2').send({ title: 'x' });
    expectProblem(put, 405, 'REQUEST.METHOD_NOT_ALLOWED');
    expect(put.headers.allow).toBe('GET, HEAD, POST');
    const before = await api.db.query('SELECT (SELECT count(*) FROM pilots)::int AS pilots, (SELECT count(*) FROM audit_events)::int AS events');
    const post = await api.http.post('/v1/me').set(lead.auth).send({});
    expectProblem(post, 405, 'REQUEST.METHOD_NOT_ALLOWED');
    expect(post.headers.allow).toBe('GET, HEAD');
    expect(await api.db.query('SELECT (SELECT count(*) FROM pilots)::int AS pilots, (SELECT count(*) FROM audit_events)::int AS events')).toEqual(before);
    // A path no route serves, whatever the method, stays a 404.
    expectProblem(await api.http.delete('/v1/nothing-here').set(lead.auth), 404, 'ROUTE.NOT_FOUND');
    expect((await api.http.delete('/v1/nothing-here')).headers.allow).toBeUndefined();
  });

  it('answers malformed JSON with a 400 problem and creates nothing', async () => {
    const before = await api.db.query('SELECT count(*)::int AS n FROM pilots');
    const res = await api.http.post('/v1/pilots').set(lead.auth).set('Content-Type', 'application/json').send('{"title": ');
    expectProblem(res, 400);
    const after = await api.db.query('SELECT count(*)::int AS n FROM pilots');
    expect(after[0].n).toBe(before[0].n);
  });

  it('answers a body over 1 MiB with a 413 problem, before reading it', async () => {
    // The server answers from Content-Length alone. Sending the body too made the test race the
    // server's close of the connection (the client's write then failed with EPIPE, in one CI run):
    // the headers alone show the same answer without the race.
    const body = JSON.stringify(pilotBody(programmeId, { summary: 'x'.repeat(1024 * 1024 + 10) }));
    const { hostname, port } = new URL(api.url);
    const socket = connect(Number(port), hostname);
    try {
      socket.write(
        `POST /v1/pilots HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${lead.token}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
      );
      const answer = await nextResponse(socket);
      expect(answer.status).toBe(413);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(answer.headers['x-request-id']).toEqual(expect.any(String));
    } finally {
      socket.destroy();
    }
    expect((await api.db.query('SELECT count(*)::int AS n FROM pilots WHERE length(summary) > 1048576'))[0].n).toBe(0);
  });

  it('refuses unknown and server-owned fields with 400, naming them', async () => {
    for (const field of ['stage', 'code', 'leadAgency', 'leadId', 'committedCents', 'version', 'colour']) {
      const res = await api.http.post('/v1/pilots').set(lead.auth).send(pilotBody(programmeId, { [field]: 'x' }));
      expectProblem(res, 400, 'REQUEST.INVALID');
      expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    }
    const nested = await api.http
      .post('/v1/pilots')
      .set(lead.auth)
      .send(pilotBody(programmeId, { trl: { current: 3, target: 6, achieved: 9 } }));
    expectProblem(nested, 400);
    expect(nested.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'trl.achieved' })]));
  });

  it('lists every violation of a bad body', async () => {
    const res = await api.http
      .post('/v1/pilots')
      .set(lead.auth)
      .send(pilotBody(programmeId, { domain: 'alchemy', trl: { current: 0, target: 10 }, budgetRequestedCents: 12.5, sensitivity: 'secret' }));
    expectProblem(res, 400);
    const fields = (res.body.errors as Array<{ field: string }>).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['domain', 'trl.current', 'trl.target', 'budgetRequestedCents', 'sensitivity']));
  });

  it('carries a correlation id from the request into the response and the problem body', async () => {
    const res = await api.http.get('/v1/pilots/00000000-0000-4000-8000-000000000000').set(lead.auth).set('X-Request-Id', 'trace-abc-123');
    expect(res.headers['x-request-id']).toBe('trace-abc-123');
    expectProblem(res, 404, 'PILOT.NOT_FOUND');
    expect(res.body.correlationId).toBe('trace-abc-123');
    const generated = await api.http.get('/health/live');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('requires a valid bearer token on every /v1 route', async () => {
    const anonymous = await api.http.get('/v1/me');
    expectProblem(anonymous, 401, 'AUTH.UNAUTHENTICATED');
    expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="labgate"');
    expectProblem(await api.http.get('/v1/pilots').set('Authorization', 'Bearer lg_not-a-real-token'), 401);
    expectProblem(await api.http.get('/v1/agencies').set('Authorization', 'Basic YWRtaW46YWRtaW4='), 401);
  });

  it('treats a malformed id as a missing resource', async () => {
    expectProblem(await api.http.get('/v1/pilots/not-a-uuid').set(lead.auth), 404);
    expectProblem(await api.http.get('/v1/programmes/42').set(lead.auth), 404);
  });

  it('refuses a malformed cursor and caps the page size', async () => {
    expectProblem(await api.http.get('/v1/pilots?cursor=garbage').set(lead.auth), 400, 'PAGINATION.INVALID_CURSOR');
    expectProblem(await api.http.get('/v1/pilots?limit=0').set(lead.auth), 400);
    const capped = await api.http.get('/v1/agencies?limit=1000').set(lead.auth);
    expect(capped.status).toBe(200);
    expect(capped.body.items.length).toBeLessThanOrEqual(100);
  });
});
