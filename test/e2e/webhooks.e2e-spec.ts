import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import { startApi, TestApi } from './support/api';
import { createUser, expectProblem } from './support/fixtures';
import { Cast, createCast, proposePilot, seated, settled, submit, voteAll, waitFor } from './support/workflow';

interface Received {
  headers: IncomingMessage['headers'];
  raw: string;
}

/** A local receiver, as an agency would run one; `status` decides its answer. */
async function receiver(status: number): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/labgate-hook`, received, server };
}

function signatureValid(secret: string, r: Received): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(r.raw).digest('hex')}`);
  const given = Buffer.from(String(r.headers['x-labgate-signature'] ?? ''));
  return given.length === expected.length && timingSafeEqual(given, expected);
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

  it('delivers signed events of the agency’s pilots, and keeps failed deliveries visible to admins', async () => {
    const ok = await receiver(204);
    const broken = await receiver(500);
    const other = await receiver(204);
    try {
      const secret = 'frontex-hook-secret-2027';
      const created = await api.http
        .post('/v1/webhooks')
        .set(admin)
        .send({ url: ok.url, events: ['gate.opened', 'gate.decided'], secret, agency: cast.partnerAgency });
      expect(created.status).toBe(201);
      expect(created.body).toEqual(expect.objectContaining({ agency: cast.partnerAgency, url: ok.url, events: ['gate.opened', 'gate.decided'] }));
      expect(created.body).not.toHaveProperty('secret');
      const failing = await api.http.post('/v1/webhooks').set(admin).send({ url: broken.url, events: ['gate.decided'], secret: 'another-secret', agency: cast.leadAgency });
      // An agency not involved in the pilot hears nothing of it.
      await api.http.post('/v1/webhooks').set(admin).send({ url: other.url, events: ['gate.decided', 'gate.opened'], secret: 'outsider-secret', agency: 'EUAA' });

      const pilot = await proposePilot(api, cast);
      const review = await seated(api, cast, await submit(api, cast, pilot.id, 3_000_000));
      await voteAll(api, cast, review, () => ({ recommendation: 'fund' }));
      await settled(api, cast, review.id);

      const events = await waitFor('two deliveries', async () => ok.received.length >= 2 && ok.received);
      for (const r of events) {
        expect(r.headers['content-type']).toMatch(/^application\/json/);
        expect(signatureValid(secret, r)).toBe(true);
        expect(signatureValid('wrong-secret', r)).toBe(false);
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
      expect(dead).toEqual(expect.objectContaining({ status: 'failed', attempts: 3, lastStatus: 500, event: 'gate.decided' }));
      expect(broken.received).toHaveLength(3);
      expect(other.received).toHaveLength(0);

      const listed = (await api.http.get('/v1/webhooks').set(admin)).body.items.find((w: { id: string }) => w.id === failing.body.id);
      expect(listed.deliveries).toEqual({ pending: 0, delivered: 0, failed: 1 });
    } finally {
      for (const s of [ok, broken, other]) s.server.close();
    }
  });

  it('is for admins only and validates subscriptions', async () => {
    const lead = await createUser(api, 'EUROPOL', ['lead', 'chair']);
    expectProblem(await api.http.get('/v1/webhooks').set(lead.auth), 403);
    expectProblem(await api.http.post('/v1/webhooks').set(lead.auth).send({ url: 'http://127.0.0.1:9/x', events: ['gate.decided'], secret: 'x'.repeat(16) }), 403);
    expectProblem(await api.http.post('/v1/webhooks').set(admin).send({ url: 'not a url', events: ['gate.decided'], secret: 'x'.repeat(16) }), 400);
    expectProblem(await api.http.post('/v1/webhooks').set(admin).send({ url: 'http://127.0.0.1:9/x', events: ['pilot.exploded'], secret: 'x'.repeat(16) }), 400);
    expectProblem(await api.http.post('/v1/webhooks').set(admin).send({ url: 'http://127.0.0.1:9/x', events: [], secret: 'x'.repeat(16) }), 400);
    expectProblem(await api.http.post('/v1/webhooks').set(admin).send({ url: 'http://127.0.0.1:9/x', events: ['gate.decided'], secret: 'short' }), 400);
    expectProblem(await api.http.post('/v1/webhooks').set(admin).send({ url: 'http://127.0.0.1:9/x', events: ['gate.decided'], secret: 'x'.repeat(16), agency: 'NOPE' }), 422);
  });

  it('shows the queue dashboard to admins only', async () => {
    const chair = await createUser(api, 'EUROPOL', ['chair']);
    expectProblem(await api.http.get('/admin/queues'), 401);
    expectProblem(await api.http.get('/admin/queues').set(chair.auth), 403);
    const page = await api.http.get('/admin/queues').set(admin);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<html/i);
    const queues = await api.http.get('/admin/queues/api/queues').set(admin);
    expect(queues.status).toBe(200);
    expect(JSON.stringify(queues.body)).toContain('reviews');
    const viaToken = await api.http.get(`/admin/queues?token=${encodeURIComponent(api.adminToken)}`);
    expect(viaToken.status).toBe(303);
    expect(viaToken.headers['set-cookie']?.[0]).toMatch(/^labgate_admin=.*HttpOnly; SameSite=Strict/);
  });
});
