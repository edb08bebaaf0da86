import request from 'supertest';
import { startApi, TestApi } from './support/api';
import { createUser, expectProblem, TestUser } from './support/fixtures';
import { createCast, getReview, proposePilot, seated, submit, waitFor } from './support/workflow';
import { HttpProcess, sleep, startApiProcess } from '../support/processes';

/**
 * Secrets shown once and tokens that can be taken back: idempotency records never hold a token,
 * an admin revokes or deactivates, a user rotates, and every API process honours it within a
 * second. Jobs trust the database, not their payload.
 */
describe('tokens and secrets', () => {
  let api: TestApi;
  let second: HttpProcess;
  let admin: { Authorization: string };

  beforeAll(async () => {
    api = await startApi();
    admin = { Authorization: `Bearer ${api.adminToken}` };
    second = await startApiProcess('api-second');
  }, 60000);
  afterAll(async () => {
    await second?.stop();
    await api.close();
  });

  const me = (url: string, token: string) => request(url).get('/v1/me').set('Authorization', `Bearer ${token}`);

  /** Both API processes, caches warm, answer the token with `status`. */
  async function bothAnswer(token: string, status: number): Promise<void> {
    expect((await me(api.url, token)).status).toBe(status);
    expect((await me(second.url, token)).status).toBe(status);
  }

  /** Every text, varchar and jsonb column of every table, searched for `needle`. */
  async function columnsHolding(needle: string): Promise<string[]> {
    const columns = await api.db.query<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
          AND c.data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY', 'bytea')`,
    );
    expect(columns.length).toBeGreaterThan(20);
    const found: string[] = [];
    for (const c of columns) {
      const cell = c.data_type === 'bytea' ? `encode("${c.column_name}", 'escape')` : `"${c.column_name}"::text`;
      const [{ n }] = await api.db.query(`SELECT count(*)::int AS n FROM "${c.table_name}" WHERE strpos(${cell}, $1) > 0`, [needle]);
      if (n > 0) found.push(`${c.table_name}.${c.column_name}`);
    }
    return found;
  }

  it('answers a replayed user creation with the user and no token, and keeps no token in clear anywhere', async () => {
    const key = `create-user-${Date.now()}`;
    const body = { name: 'Jonas Lindqvist', email: `jonas.lindqvist.${Date.now()}@eurojust.europa.eu`, agency: 'EUROJUST', roles: ['reviewer'] };
    const first = await api.http.post('/v1/users').set(admin).set('Idempotency-Key', key).send(body);
    expect(first.status).toBe(201);
    expect(first.body.token).toMatch(/^lg_/);

    const replay = await api.http.post('/v1/users').set(admin).set('Idempotency-Key', key).send(body);
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual({ ...first.body, token: undefined });
    expect(replay.body).not.toHaveProperty('token');
    expect(JSON.stringify(replay.body)).not.toContain(first.body.token);
    expect(replay.headers.location).toBe(first.headers.location);
    const [{ n }] = await api.db.query('SELECT count(*)::int AS n FROM users WHERE email = $1', [body.email]);
    expect(n).toBe(1);

    // The token still works, and no column of any table holds it.
    expect((await me(api.url, first.body.token)).status).toBe(200);
    expect(await columnsHolding(first.body.token)).toEqual([]);
    // The search does find what is there: the e-mail sits in users (and in the redacted record).
    expect(await columnsHolding(body.email)).toEqual(expect.arrayContaining(['users.email']));
  });

  it('forgets Idempotency-Key records after IDEMPOTENCY_TTL_HOURS, by the worker’s scheduled sweep', async () => {
    const [adminRow] = await api.db.query(`SELECT id FROM users WHERE email = 'admin@labgate.local'`);
    const stale = `stale-${Date.now()}`;
    const fresh = `fresh-${Date.now()}`;
    await api.db.query(
      `INSERT INTO idempotency_keys (user_id, key, fingerprint, state, response_status, response_body, response_headers, created_at)
       VALUES ($1, $2, repeat('a', 64), 'done', 201, '{}', '{}', now() - interval '25 hours'),
              ($1, $3, repeat('b', 64), 'done', 201, '{}', '{}', now() - interval '23 hours')`,
      [adminRow.id, stale, fresh],
    );
    await waitFor('the stale key swept', async () => (await api.db.query('SELECT 1 FROM idempotency_keys WHERE key = $1', [stale])).length === 0, 15000);
    expect(await api.db.query('SELECT key FROM idempotency_keys WHERE key = $1', [fresh])).toHaveLength(1);
  });

  it('refuses a revoked token on every API process within a second', async () => {
    const user = await createUser(api, 'FRONTEX', ['lead']);
    await bothAnswer(user.token, 200);
    const res = await api.http.post(`/v1/users/${user.id}/token-revocation`).set(admin).send();
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ revoked: 1 });
    expect((await me(api.url, user.token)).status).toBe(401);
    await sleep(1000);
    await bothAnswer(user.token, 401);
    expectProblem(await me(second.url, user.token), 401);
  });

  it('lets a user rotate their own token: the old one dies on every process, the new one works', async () => {
    const user = await createUser(api, 'EUROPOL', ['lead']);
    await bothAnswer(user.token, 200);
    const expiresAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const res = await api.http.post('/v1/me/token-rotation').set(user.auth).send({ expiresAt });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ token: expect.stringMatching(/^lg_/), expiresAt });
    expect(res.body.token).not.toBe(user.token);
    await sleep(1000);
    await bothAnswer(user.token, 401);
    await bothAnswer(res.body.token, 200);
    expectProblem(await api.http.post('/v1/me/token-rotation').set(user.auth).send({}), 401);
    expectProblem(await api.http.post('/v1/me/token-rotation').set('Authorization', `Bearer ${res.body.token}`).send({ expiresAt: '2001-01-01T00:00:00Z' }), 400);
  });

  it('deactivates a user: every token refused, the user still listed with deactivatedAt', async () => {
    const user = await createUser(api, 'CEPOL', ['reviewer']);
    await bothAnswer(user.token, 200);
    const res = await api.http.post(`/v1/users/${user.id}/deactivation`).set(admin).send();
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expect.objectContaining({ id: user.id, deactivatedAt: expect.any(String) }));
    await sleep(1000);
    await bothAnswer(user.token, 401);
    const listed = await api.http.get('/v1/users?agency=CEPOL&limit=100').set(admin);
    expect(listed.body.items.find((u: { id: string }) => u.id === user.id).deactivatedAt).toBe(res.body.deactivatedAt);
  });

  it('expires a token at its time', async () => {
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const res = await api.http
      .post('/v1/users')
      .set(admin)
      .send({ name: 'Short Lived', email: `short.${Date.now()}@euaa.europa.eu`, agency: 'EUAA', roles: ['lead'], tokenExpiresAt: expiresAt });
    expect(res.status).toBe(201);
    await bothAnswer(res.body.token, 200);
    await sleep(2600);
    await bothAnswer(res.body.token, 401);
  });

  it('lets only admins revoke and deactivate, and answers 404 for an unknown user', async () => {
    const lead: TestUser = await createUser(api, 'EUROPOL', ['lead', 'chair']);
    const other = await createUser(api, 'EUROPOL', ['lead']);
    expectProblem(await api.http.post(`/v1/users/${other.id}/token-revocation`).set(lead.auth).send(), 403);
    expectProblem(await api.http.post(`/v1/users/${other.id}/deactivation`).set(lead.auth).send(), 403);
    expectProblem(await api.http.post('/v1/users/00000000-0000-4000-8000-000000000000/token-revocation').set(admin).send(), 404);
    expect((await me(api.url, other.token)).status).toBe(200);
  });

  it('ignores a deadline job made by hand before the due time, and a tally replayed mid-vote', async () => {
    const cast = await createCast(api);
    const pilot = await proposePilot(api, cast);
    const review = await seated(api, cast, await submit(api, cast, pilot.id, 1_000_000));
    const first = review.seats[0]!;
    const vote = await api.http
      .post(`/v1/gate-reviews/${review.id}/votes`)
      .set(cast.byId.get(first.reviewerId!)!.auth)
      .send({ recommendation: 'abandon', scores: { excellence: 1, impact: 1, implementation: 1 }, rationale: 'Not ready.' });
    expect(vote.status).toBe(201);
    const before = await api.db.query('SELECT status, tally, decision_outcome FROM gate_reviews WHERE id = $1', [review.id]);
    await waitFor('the vote’s tally', async () => (await getReview(api, cast, review.id)).tally);

    const jobs = await api.db.query(
      `INSERT INTO outbox (job_name, payload) SELECT unnest($1::text[]), jsonb_build_object('gateReviewId', $2::text) RETURNING id`,
      [['review.deadline', 'review.tally', 'review.remind'], review.id],
    );
    await waitFor('the hand-made jobs relayed and run', async () => {
      const [{ n }] = await api.db.query('SELECT count(*)::int AS n FROM outbox WHERE id = ANY($1) AND sent_at IS NOT NULL', [jobs.map((j: { id: string }) => j.id)]);
      return n === jobs.length;
    });
    await sleep(1500);
    const after = await getReview(api, cast, review.id);
    expect(after.status).toBe('open');
    expect(after.decision).toBeUndefined();
    expect(before[0].status).toBe('open');
    const [{ n }] = await api.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE pilot_id = $1 AND action IN ('gate.decided', 'gate.escalated')`, [pilot.id]);
    expect(n).toBe(0);
    const reminders = await api.db.query(`SELECT count(*)::int AS n FROM notifications WHERE gate_review_id = $1 AND event = 'review.reminder'`, [review.id]);
    expect(reminders[0].n).toBe(0);
  });
});
