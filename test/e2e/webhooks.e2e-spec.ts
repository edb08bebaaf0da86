import { createServer, IncomingMessage, Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { startApi, TestApi } from './support/api';
import { createUser, expectProblem } from './support/fixtures';
import { Cast, createCast, proposePilot, seated, settled, submit, voteAll, waitFor } from './support/workflow';

interface Received {
  headers: IncomingMessage['headers'];
  raw: string;
}

/** A local receiver, as an agency would run one; `answer` decides its status and headers. */
async function receiver(status: number, headers: Record<string, string> = {}): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status, headers).end('internal details the sender must not keep');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/labgate-hook`, received, server };
}

const standardHeaders = (r: Received) => ({
  'webhook-id': String(r.headers['webhook-id']),
  'webhook-timestamp': String(r.headers['webhook-timestamp']),
  'webhook-signature': String(r.headers['webhook-signature']),
});

/** What a receiver's Standard Webhooks library says of a delivery. */
function verifies(secret: string, r: Received): boolean {
  try {
    new Webhook(secret).verify(r.raw, standardHeaders(r));
    return true;
  } catch {
    return false;
  }
}

describe('webhooks', () => {
  let api: TestApi;
  let cast: Cast;
  let admin: { Authorization: string };

  beforeAll(async () => {
    api = await startApi();
    cast = await createCast(api);
    admin = { Authorization: `Bearer ${api.adminToken}` };
  });
  afterAll(() => api.close());

  const decideOnePilot = async () => {
    const pilot = await proposePilot(api, cast);
    const review = await seated(api, cast, await submit(api, cast, pilot.id, 3_000_000));
    await voteAll(api, cast, review, () => ({ recommendation: 'fund' }));
    await settled(api, cast, review.id);
    return { pilot, review };
  };

  it('delivers Standard Webhooks signed with a server-made secret to involved agencies only; failures stay visible and can be redelivered', async () => {
    const ok = await receiver(204);
    const broken = await receiver(500);
    const other = await receiver(204);
    try {
      const created = await api.http.post('/v1/webhooks').set(admin).send({ url: ok.url, events: ['gate.opened', 'gate.decided'], agency: cast.partnerAgency });
      expect(created.status).toBe(201);
      expect(created.headers.location).toBe(`/v1/webhooks/${created.body.id}`);
      expect(created.body).toEqual(expect.objectContaining({ agency: cast.partnerAgency, url: ok.url, events: ['gate.opened', 'gate.decided'], secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{32}$/) }));
      const secret: string = created.body.secret;
      // Encrypted at rest (SECRETS_KEY is set), never listed again.
      const [stored] = await api.db.query('SELECT secret FROM webhooks WHERE id = $1', [created.body.id]);
      expect(stored.secret).toMatch(/^enc:v1:/);
      expect(stored.secret).not.toContain(secret.slice(6));
      const listed = (await api.http.get('/v1/webhooks?limit=100').set(admin)).body.items.find((w: { id: string }) => w.id === created.body.id);
      expect(listed).not.toHaveProperty('secret');

      const failing = await api.http.post('/v1/webhooks').set(admin).send({ url: broken.url, events: ['gate.decided'], agency: cast.leadAgency });
      // An agency not involved in the pilot hears nothing of it.
      await api.http.post('/v1/webhooks').set(admin).send({ url: other.url, events: ['gate.decided', 'gate.opened'], agency: 'EUAA' });

      const { pilot, review } = await decideOnePilot();
      const events = await waitFor('two deliveries', async () => ok.received.length >= 2 && ok.received);
      for (const r of events) {
        expect(r.headers['content-type']).toMatch(/^application\/json/);
        expect(verifies(secret, r)).toBe(true);
        expect(verifies(`whsec_${Buffer.alloc(24, 7).toString('base64')}`, r)).toBe(false);
        expect(verifies(secret, { ...r, raw: r.raw.replace('fund', 'abandon') })).toBe(false);
      }
      // A captured delivery replayed ten minutes later is refused by the receiver's library.
      const now = Date.now;
      Date.now = () => now() + 10 * 60_000;
      try {
        expect(() => new Webhook(secret).verify(events[0]!.raw, standardHeaders(events[0]!))).toThrow(/timestamp/i);
      } finally {
        Date.now = now;
      }
      const bodies = events.map((r) => JSON.parse(r.raw));
      const decided = bodies.find((b) => b.event === 'gate.decided');
      expect(decided).toEqual({
        id: expect.any(String),
        event: 'gate.decided',
        occurredAt: expect.any(String),
        data: expect.objectContaining({ pilotId: pilot.id, gateReviewId: review.id, gate: 'fund', outcome: 'fund', pilotCode: pilot.code }),
      });
      expect(bodies.map((b) => b.event).sort()).toEqual(['gate.decided', 'gate.opened']);

      const dead = await waitFor('the failing delivery to be given up', async () => {
        const res = await api.http.get('/v1/webhooks/deliveries?status=failed&limit=100').set(admin);
        return res.body.items.find((d: { webhookId: string }) => d.webhookId === failing.body.id);
      });
      expect(dead).toEqual(expect.objectContaining({ status: 'failed', attempts: 3, lastStatus: 500, lastError: 'HTTP 500', event: 'gate.decided' }));
      expect(broken.received).toHaveLength(3);
      // Retries are one message: the same webhook-id, for the receiver to deduplicate.
      expect(new Set(broken.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
      expect(other.received).toHaveLength(0);

      const redelivered = await api.http.post(`/v1/webhooks/deliveries/${dead.id}/redelivery`).set(admin).send();
      expect(redelivered.status).toBe(202);
      expect(redelivered.body).toEqual({ id: dead.id, status: 'pending' });
      await waitFor('three more attempts', async () => broken.received.length === 6);
      const delivered = (await api.http.get('/v1/webhooks/deliveries?status=delivered&limit=100').set(admin)).body.items.find((d: { webhookId: string }) => d.webhookId === created.body.id);
      expectProblem(await api.http.post(`/v1/webhooks/deliveries/${delivered.id}/redelivery`).set(admin).send(), 409, 'WEBHOOK.DELIVERY_NOT_FAILED');
      expectProblem(await api.http.post('/v1/webhooks/deliveries/00000000-0000-4000-8000-000000000000/redelivery').set(admin).send(), 404);
      // Failed again, then its webhook deleted: nothing would receive a redelivery, and the problem says so.
      await waitFor('the redelivery given up too', async () =>
        (await api.http.get('/v1/webhooks/deliveries?status=failed&limit=100').set(admin)).body.items.some((d: { id: string }) => d.id === dead.id),
      );
      expect((await api.http.delete(`/v1/webhooks/${failing.body.id}`).set(admin)).status).toBe(204);
      const orphan = await api.http.post(`/v1/webhooks/deliveries/${dead.id}/redelivery`).set(admin).send();
      expectProblem(orphan, 409, 'WEBHOOK.DELIVERY_NOT_FAILED');
      expect(orphan.body.detail).toBe(`Delivery ${dead.id} belongs to a deleted webhook: nothing would receive it`);
    } finally {
      for (const s of [ok, broken, other]) s.server.close();
    }
  });

  it('rotates a secret with an overlap (both verify), and stops delivering once deleted', async () => {
    const hook = await receiver(204);
    try {
      const created = await api.http.post('/v1/webhooks').set(admin).send({ url: hook.url, events: ['gate.decided'], agency: cast.leadAgency });
      const rotated = await api.http.post(`/v1/webhooks/${created.body.id}/secret-rotation`).set(admin).send();
      expect(rotated.status).toBe(201);
      expect(rotated.body).toEqual({ id: created.body.id, secret: expect.stringMatching(/^whsec_/), previousSecretExpiresAt: expect.any(String) });
      expect(Date.parse(rotated.body.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23 * 3_600_000);
      await decideOnePilot();
      const [delivery] = await waitFor('a delivery', async () => hook.received.length >= 1 && hook.received);
      expect(String(delivery!.headers['webhook-signature']).split(' ')).toHaveLength(2);
      expect(verifies(created.body.secret, delivery!)).toBe(true);
      expect(verifies(rotated.body.secret, delivery!)).toBe(true);

      expect((await api.http.delete(`/v1/webhooks/${created.body.id}`).set(admin)).status).toBe(204);
      expectProblem(await api.http.delete(`/v1/webhooks/${created.body.id}`).set(admin), 404);
      const listed = (await api.http.get('/v1/webhooks?limit=100').set(admin)).body.items.map((w: { id: string }) => w.id);
      expect(listed).not.toContain(created.body.id);
      const before = hook.received.length;
      await decideOnePilot();
      await new Promise((r) => setTimeout(r, 500));
      expect(hook.received).toHaveLength(before);
    } finally {
      hook.server.close();
    }
  });

  it('refuses targets inside at subscription, and at delivery a name that now resolves inside or a redirect inside', async () => {
    for (const url of [
      'http://hooks.example.eu/x',
      'https://127.0.0.2/x',
      'https://0x7f000002/x',
      'https://2130706434/x',
      'https://[::1]/x',
      'https://[::ffff:127.0.0.2]/x',
      'https://169.254.169.254/latest/meta-data',
      'https://10.1.2.3/x',
      'https://192.168.1.10/x',
      'https://100.64.0.1/x',
      'https://metadata.google.internal/computeMetadata',
      'https://localhost/x',
      'https://intranet/x',
      'https://user:pass@hooks.example.eu/x',
      'ftp://hooks.example.eu/x',
      'not a url',
    ]) {
      const res = await api.http.post('/v1/webhooks').set(admin).send({ url, events: ['gate.decided'], agency: cast.leadAgency });
      expectProblem(res, 400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'url' })]);
    }
    const [{ n }] = await api.db.query(`SELECT count(*)::int AS n FROM webhooks WHERE url LIKE '%127.0.0.2%' OR url LIKE '%169.254%' OR url LIKE '%metadata%'`);
    expect(n).toBe(0);

    const inside = await receiver(204);
    const redirecting = await receiver(302, { location: inside.url });
    try {
      const rebound = await api.http.post('/v1/webhooks').set(admin).send({ url: 'https://hooks.rebind.example/labgate', events: ['gate.decided'], agency: cast.leadAgency });
      expect(rebound.status).toBe(201);
      const redirect = await api.http.post('/v1/webhooks').set(admin).send({ url: redirecting.url, events: ['gate.decided'], agency: cast.leadAgency });
      await decideOnePilot();
      const failed = async (id: string) =>
        waitFor(`the delivery of ${id} given up`, async () => {
          const res = await api.http.get('/v1/webhooks/deliveries?status=failed&limit=100').set(admin);
          return res.body.items.find((d: { webhookId: string }) => d.webhookId === id);
        });
      expect(await failed(rebound.body.id)).toEqual(expect.objectContaining({ lastStatus: null, lastError: expect.stringMatching(/^refused: hooks\.rebind\.example resolves to a loopback address/) }));
      const redirected = await failed(redirect.body.id);
      expect(redirected).toEqual(expect.objectContaining({ lastStatus: 302, lastError: 'HTTP 302 (redirects are not followed)' }));
      expect(redirecting.received.length).toBeGreaterThan(0);
      expect(inside.received).toHaveLength(0);
    } finally {
      inside.server.close();
      redirecting.server.close();
    }
  });

  it('is for admins only and validates subscriptions', async () => {
    const lead = await createUser(api, 'EUROPOL', ['lead', 'chair']);
    expectProblem(await api.http.get('/v1/webhooks').set(lead.auth), 403);
    expectProblem(await api.http.post('/v1/webhooks').set(lead.auth).send({ url: 'http://127.0.0.1:9/x', events: ['gate.decided'] }), 403);
    expectProblem(await api.http.post('/v1/webhooks').set(admin).send({ url: 'http://127.0.0.1:9/x', events: ['pilot.exploded'] }), 400);
    expectProblem(await api.http.post('/v1/webhooks').set(admin).send({ url: 'http://127.0.0.1:9/x', events: [] }), 400);
    // The secret is the server's to make.
    expectProblem(await api.http.post('/v1/webhooks').set(admin).send({ url: 'http://127.0.0.1:9/x', events: ['gate.decided'], secret: 'mine-mine-mine-mine' }), 400);
    expectProblem(await api.http.post('/v1/webhooks').set(admin).send({ url: 'http://127.0.0.1:9/x', events: ['gate.decided'], agency: 'NOPE' }), 422);
    expectProblem(await api.http.post('/v1/webhooks/00000000-0000-4000-8000-000000000000/secret-rotation').set(admin).send(), 404);

    // A replayed creation answers with the subscription, never its secret again.
    const key = `hook-once-${Date.now()}`;
    const body = { url: 'https://hooks.eurojust.europa.eu/labgate', events: ['gate.decided'], agency: cast.leadAgency };
    const first = await api.http.post('/v1/webhooks').set(admin).set('Idempotency-Key', key).send(body);
    const replay = await api.http.post('/v1/webhooks').set(admin).set('Idempotency-Key', key).send(body);
    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual({ ...first.body, secret: undefined });
    expect(replay.body).not.toHaveProperty('secret');
    const [{ n }] = await api.db.query(`SELECT count(*)::int AS n FROM idempotency_keys WHERE response_body::text LIKE '%' || $1 || '%'`, [first.body.secret.slice(6, 30)]);
    expect(n).toBe(0);
  });

  it('shows the queue dashboard to admins only, read-only, through a short-lived signed session that never holds the token', async () => {
    const chair = await createUser(api, 'EUROPOL', ['chair']);
    expectProblem(await api.http.get('/admin/queues'), 401);
    expectProblem(await api.http.get('/admin/queues').set(chair.auth), 403);
    const page = await api.http.get('/admin/queues').set(admin);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<html/i);
    const queues = await api.http.get('/admin/queues/api/queues').set(admin);
    expect(queues.status).toBe(200);
    expect(JSON.stringify(queues.body)).toContain('reviews');
    expect(JSON.stringify(queues.body)).toMatch(/"readOnlyMode":true/);

    // The one-time ?token= exchange sets a session cookie: signed, 15 minutes, not the token.
    const second = await createUser(api, 'EUROPOL', ['admin']);
    const viaToken = await api.http.get(`/admin/queues?token=${encodeURIComponent(second.token)}`);
    expect(viaToken.status).toBe(303);
    const cookie = viaToken.headers['set-cookie']![0]!;
    expect(cookie).toMatch(/^labgate_admin=v1\.[^;]+; Path=\/admin\/queues; Max-Age=900; HttpOnly; SameSite=Strict$/);
    expect(cookie).not.toContain(second.token);
    expect(cookie).not.toContain(encodeURIComponent(second.token));
    const session = cookie.split(';')[0]!;
    expect((await api.http.get('/admin/queues/api/queues').set('Cookie', session)).status).toBe(200);
    // Behind HTTPS the cookie is Secure.
    const secure = await api.http.get(`/admin/queues?token=${encodeURIComponent(second.token)}`).set('X-Forwarded-Proto', 'https');
    expect(secure.headers['set-cookie']![0]).toMatch(/; Secure$/);

    // Read-only: no clean, retry, pause or obliterate, whatever the credentials.
    for (const path of ['/admin/queues/api/queues/pause', '/admin/queues/api/queues/reviews/retry/failed', '/admin/queues/api/queues/reviews/promote']) {
      expectProblem(await api.http.put(path).set('Cookie', session), 405);
      expectProblem(await api.http.put(path).set(admin), 405);
    }
    expectProblem(await api.http.post('/admin/queues/api/queues/reviews/add').set(admin).send({ name: 'review.deadline', data: {} }), 405);
    expect((await api.http.get('/admin/queues/api/queues').set(admin)).body.queues.every((q: { isPaused: boolean }) => !q.isPaused)).toBe(true);

    // A forged or tampered session, and one whose token was revoked, open nothing.
    const [name, value] = session.split('=') as [string, string];
    const parts = decodeURIComponent(value).split('.');
    const forged = [parts[0], parts[1], String(Date.now() + 86_400_000), parts[3]].join('.');
    expectProblem(await api.http.get('/admin/queues/api/queues').set('Cookie', `${name}=${encodeURIComponent(forged)}`), 401);
    expectProblem(await api.http.get('/admin/queues/api/queues').set('Cookie', `${name}=v1.x.y.z`), 401);
    expect((await api.http.post(`/v1/users/${second.id}/token-revocation`).set(admin).send()).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    expectProblem(await api.http.get('/admin/queues/api/queues').set('Cookie', session), 401);
  });
});
