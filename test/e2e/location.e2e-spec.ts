import { createServer, type Server } from 'node:http';
import { startApi, TestApi } from './support/api';
import { pilotBody } from './support/fixtures';
import { Cast, createCast, GOOD, proposePilot, seated, settled, submit, voteAll } from './support/workflow';

/**
 * DESIGN §5: a 201 carries `Location`. For every creating POST, the Location answers 200 to the
 * caller who created it and shows what was created; an idempotent replay carries the same one.
 */
describe('Location on every 201', () => {
  let api: TestApi;
  let cast: Cast;
  let hook: Server;
  let hookUrl: string;
  let admin: { Authorization: string };

  beforeAll(async () => {
    api = await startApi();
    cast = await createCast(api);
    admin = { Authorization: `Bearer ${api.adminToken}` };
    hook = createServer((_req, res) => res.writeHead(204).end());
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook`;
  });
  afterAll(async () => {
    hook?.close();
    await api.close();
  });

  /** The 201's Location, read by `auth`: 200, and the body `shows` what was created. */
  async function located(created: { status: number; headers: Record<string, string> }, auth: Record<string, string>, shows: (body: unknown) => boolean): Promise<string> {
    expect(created.status).toBe(201);
    const location = created.headers.location;
    expect(location).toMatch(/^\/v1\//);
    const read = await api.http.get(location!).set(auth);
    expect([location, read.status]).toEqual([location, 200]);
    expect([location, shows(read.body)]).toEqual([location, true]);
    return location!;
  }

  it('points every creating POST at what it created', async () => {
    const code = `LOC${Date.now().toString(36).toUpperCase().slice(-6)}`;
    await located(await api.http.post('/v1/agencies').set(admin).send({ code, name: 'Located agency' }), admin, (b) => (b as { code: string }).code === code);

    const user = await api.http.post('/v1/users').set(admin).send({ name: 'Located user', email: `located.${code.toLowerCase()}@europol.example`, agency: code, roles: ['lead'] });
    await located(user, admin, (b) => (b as { id: string; token?: string }).id === user.body.id && (b as { token?: string }).token === undefined);

    const programme = await api.http.post('/v1/programmes').set(cast.funder.auth).send({ name: 'Located programme', envelopeCents: 5_000_000 });
    await located(programme, cast.funder.auth, (b) => (b as { id: string }).id === programme.body.id);

    const pilot = await api.http.post('/v1/pilots').set(cast.lead.auth).send(pilotBody(cast.programmeId, { partnerAgencies: [cast.partnerAgency] }));
    await located(pilot, cast.lead.auth, (b) => (b as { id: string }).id === pilot.body.id);

    // A vote is read in its review, a spend in its pilot's expenditures, a token through /v1/me.
    const funded = await proposePilot(api, cast);
    const review = await seated(api, cast, await submit(api, cast, funded.id, 1_000_000));
    const first = review.seats.find((s) => s.seat === cast.leadAgency)!;
    const voter = cast.byId.get(first.reviewerId!)!;
    const vote = await api.http.post(`/v1/gate-reviews/${review.id}/votes`).set(voter.auth).send({ recommendation: 'fund', scores: GOOD, rationale: 'Located vote.' });
    await located(vote, voter.auth, (b) => (b as { votes?: Array<{ id: string }> }).votes?.some((v) => v.id === vote.body.id) === true);
    await voteAll(api, cast, { ...review, seats: review.seats.filter((s) => s !== first) }, () => ({ recommendation: 'fund', scores: GOOD }));
    expect((await settled(api, cast, review.id)).decision!.outcome).toBe('fund');
    const spend = await api.http.post(`/v1/pilots/${funded.id}/expenditures`).set(cast.lead.auth).send({ amountCents: 1_000, description: 'Located spend', spentOn: '2026-11-02' });
    await located(spend, cast.lead.auth, (b) => (b as { items: Array<{ id: string }> }).items.some((e) => e.id === spend.body.id));

    const webhook = await api.http.post('/v1/webhooks').set(admin).send({ url: hookUrl, events: ['gate.decided'], agency: cast.leadAgency });
    await located(webhook, admin, (b) => (b as { id: string; secret?: string }).id === webhook.body.id && (b as { secret?: string }).secret === undefined);
    await located(await api.http.post(`/v1/webhooks/${webhook.body.id}/secret-rotation`).set(admin).send({}), admin, (b) => (b as { id: string }).id === webhook.body.id);

    const newcomer = { Authorization: `Bearer ${user.body.token}` };
    const rotated = await api.http.post('/v1/me/token-rotation').set(newcomer).send({});
    await located(rotated, { Authorization: `Bearer ${rotated.body.token}` }, (b) => (b as { id: string }).id === user.body.id);
  });

  it('replays the same Location with an idempotent replay, and rotates a webhook secret once per key', async () => {
    const webhook = await api.http.post('/v1/webhooks').set(admin).send({ url: hookUrl, events: ['gate.opened'], agency: cast.partnerAgency });
    const [before] = await api.db.query('SELECT secret FROM webhooks WHERE id = $1', [webhook.body.id]);
    const rotate = () => api.http.post(`/v1/webhooks/${webhook.body.id}/secret-rotation`).set(admin).set('Idempotency-Key', `rot-${webhook.body.id}`).send({});
    const first = await rotate();
    const replay = await rotate();
    expect(first.status).toBe(201);
    expect(first.body.secret).toMatch(/^whsec_/);
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.headers.location).toBe(first.headers.location);
    // Rotated once: the secret from before is the previous one, still signing in its overlap.
    const [row] = await api.db.query('SELECT previous_secret FROM webhooks WHERE id = $1', [webhook.body.id]);
    expect(row.previous_secret).toBe(before.secret);
    expect(replay.body.secret).toBeUndefined();

    const programme = () => api.http.post('/v1/programmes').set(cast.funder.auth).set('Idempotency-Key', `prog-${webhook.body.id}`).send({ name: 'Replayed programme', envelopeCents: 1 });
    const created = await programme();
    const again = await programme();
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers.location).toBe(created.headers.location);
    expect(created.headers.location).toBe(`/v1/programmes/${created.body.id}`);
  });

  it('answers 404 for a webhook, user or agency that does not exist', async () => {
    expect((await api.http.get('/v1/webhooks/00000000-0000-4000-8000-000000000000').set(admin)).status).toBe(404);
    expect((await api.http.get('/v1/users/00000000-0000-4000-8000-000000000000').set(admin)).status).toBe(404);
    expect((await api.http.get('/v1/agencies/NOSUCHAGENCY').set(admin)).status).toBe(404);
    expect((await api.http.get(`/v1/users/${cast.lead.id}`).set(cast.lead.auth)).status).toBe(403);
  });
});
