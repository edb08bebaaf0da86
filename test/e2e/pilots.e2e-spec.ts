import type { Response } from 'supertest';
import { startApi, TestApi } from './support/api';
import { createPilot, createProgramme, createUser, expectProblem, pilotBody, TestUser } from './support/fixtures';

describe('pilots', () => {
  let api: TestApi;
  let funder: TestUser;
  let lead: TestUser;
  let otherLead: TestUser;
  let programmeId: string;

  beforeAll(async () => {
    api = await startApi();
    funder = await createUser(api, 'DGHOME', ['funder']);
    lead = await createUser(api, 'EUROPOL', ['lead']);
    otherLead = await createUser(api, 'EUROPOL', ['lead']);
    programmeId = await createProgramme(api, funder, 100_000_000);
  });
  afterAll(() => api.close());

  /** Stands in for a fund decision (the review workflow's own tests go through the gate). */
  async function commit(pilotId: string, cents: number): Promise<void> {
    await api.db.transaction(async (tx) => {
      const [p] = await tx.query('UPDATE pilots SET committed_cents = committed_cents + $2 WHERE id = $1 RETURNING programme_id', [pilotId, cents]);
      await tx.query('UPDATE programmes SET committed_cents = committed_cents + $2 WHERE id = $1', [p.programme_id, cents]);
    });
  }

  describe('create', () => {
    it('creates a proposal with a code, the lead agency, an ETag and a Location', async () => {
      const res = await api.http.post('/v1/pilots').set(lead.auth).send(pilotBody(programmeId));
      expect(res.status).toBe(201);
      expect(res.body).toEqual(
        expect.objectContaining({
          id: expect.any(String),
          code: expect.stringMatching(/^JIL-\d{4}-\d{4,}$/),
          stage: 'proposal',
          leadAgency: 'EUROPOL',
          leadId: lead.id,
          partnerAgencies: ['EUROJUST'],
          programmeId,
          trl: { current: 4, target: 7 },
          budgetRequestedCents: 45_000_000,
          committedCents: 0,
          spentCents: 0,
          personalData: true,
          dpiaRef: 'DPIA-2026-031',
          sensitivity: 'limited',
          version: 1,
        }),
      );
      expect(res.body.heilmeier.exams).toHaveLength(2);
      expect(res.headers.etag).toBe('"1"');
      expect(res.headers.location).toBe(`/v1/pilots/${res.body.id}`);
      const audit = await api.http.get(`/v1/pilots/${res.body.id}/audit`).set(lead.auth);
      expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(['pilot.created']);
    });

    it('numbers pilots in sequence within the year', async () => {
      const a = await createPilot(api, lead, programmeId);
      const b = await createPilot(api, lead, programmeId);
      const n = (code: string) => Number(code.split('-')[2]);
      expect(n(b.code)).toBe(n(a.code) + 1);
    });

    it('is for leads only', async () => {
      expectProblem(await api.http.post('/v1/pilots').set(funder.auth).send(pilotBody(programmeId)), 403, 'AUTH.FORBIDDEN');
    });

    it('requires a DPIA reference when personal data is processed', async () => {
      const res = await api.http.post('/v1/pilots').set(lead.auth).send(pilotBody(programmeId, { dpiaRef: undefined }));
      expectProblem(res, 400, 'PILOT.INVALID');
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'dpiaRef' })]);
    });

    it('refuses unknown partner agencies and programmes with 422, and creates nothing', async () => {
      const before = (await api.db.query('SELECT count(*)::int AS n FROM pilots'))[0].n;
      expectProblem(await api.http.post('/v1/pilots').set(lead.auth).send(pilotBody(programmeId, { partnerAgencies: ['ATLANTIS'] })), 422, 'AGENCY.UNKNOWN');
      expectProblem(
        await api.http.post('/v1/pilots').set(lead.auth).send(pilotBody('8a7c1111-2222-4333-8444-555566667777')),
        422,
        'PILOT.PROGRAMME_UNKNOWN',
      );
      expectProblem(await api.http.post('/v1/pilots').set(lead.auth).send(pilotBody(programmeId, { partnerAgencies: ['EUROPOL'] })), 400);
      expectProblem(await api.http.post('/v1/pilots').set(lead.auth).send(pilotBody(programmeId, { trl: { current: 6, target: 3 } })), 400);
      expect((await api.db.query('SELECT count(*)::int AS n FROM pilots'))[0].n).toBe(before);
    });
  });

  describe('read and list', () => {
    let ai: { id: string; code: string };
    let drones: { id: string; code: string };

    beforeAll(async () => {
      ai = await createPilot(api, lead, programmeId, {
        title: 'Deepfake detection for CSAM triage',
        domain: 'ai',
        partnerAgencies: [],
        sensitivity: 'public',
      });
      drones = await createPilot(api, lead, programmeId, {
        title: 'Counter-drone detection at external borders',
        domain: 'drones',
        partnerAgencies: ['FRONTEX'],
        sensitivity: 'public',
      });
    });

    it('reads one pilot with its ETag', async () => {
      const res = await api.http.get(`/v1/pilots/${ai.id}`).set(otherLead.auth);
      expect(res.status).toBe(200);
      expect(res.body.title).toBe('Deepfake detection for CSAM triage');
      expect(res.headers.etag).toBe('"1"');
    });

    it('answers 404 for a pilot that does not exist', async () => {
      expectProblem(await api.http.get('/v1/pilots/1b4e28ba-2fa1-41d2-883f-0016d3cca427').set(lead.auth), 404, 'PILOT.NOT_FOUND');
    });

    it('filters by stage, domain, agency, programme and text', async () => {
      const ids = async (query: Record<string, string>) =>
        (await api.http.get('/v1/pilots').query({ limit: 100, ...query }).set(lead.auth)).body.items.map((p: { id: string }) => p.id);
      expect(await ids({ programmeId, domain: 'drones' })).toContain(drones.id);
      expect(await ids({ programmeId, domain: 'drones' })).not.toContain(ai.id);
      expect(await ids({ programmeId, agency: 'FRONTEX' })).toEqual(expect.arrayContaining([drones.id]));
      expect(await ids({ programmeId, agency: 'FRONTEX' })).not.toContain(ai.id);
      expect(await ids({ programmeId, q: 'deepfake' })).toEqual([ai.id]);
      expect(await ids({ q: drones.code })).toEqual([drones.id]);
      expect(await ids({ programmeId, stage: 'funded' })).toEqual([]);
      expect(await ids({ programmeId, q: 'counter-drone' })).toEqual([drones.id]);
      expect(await ids({ programmeId, q: '100%_' })).toEqual([]);
      expectProblem(await api.http.get('/v1/pilots?stage=limbo').set(lead.auth), 400);
      expectProblem(await api.http.get('/v1/pilots?colour=red').set(lead.auth), 400);
    });

    it('pages with a stable keyset order and no repeats', async () => {
      const all: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: Response = await api.http.get('/v1/pilots').query({ programmeId, limit: 2, ...(cursor ? { cursor } : {}) }).set(lead.auth);
        expect(res.status).toBe(200);
        // Fetched with LIMIT 11 (keyset pageLimit): a page still holds exactly two until the last.
        if (res.body.nextCursor) expect(res.body.items).toHaveLength(2);
        all.push(...res.body.items.map((p: { id: string }) => p.id));
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBeGreaterThan(1);
      expect(new Set(all).size).toBe(all.length);
      const expected = await api.db.query('SELECT id FROM pilots WHERE programme_id = $1 ORDER BY created_at DESC, id DESC', [programmeId]);
      expect(all).toEqual(expected.map((r: { id: string }) => r.id));
    });
  });

  describe('edit with ETag / If-Match', () => {
    it('edits with the current ETag and returns the next one', async () => {
      const pilot = await createPilot(api, lead, programmeId);
      const res = await api.http
        .patch(`/v1/pilots/${pilot.id}`)
        .set(lead.auth)
        .set('If-Match', '"1"')
        .send({ title: 'Custody ledger for JITs (revised)', heilmeier: { risks: 'Also: key management across member states.' } });
      expect(res.status).toBe(200);
      expect(res.body.title).toBe('Custody ledger for JITs (revised)');
      expect(res.body.heilmeier.risks).toBe('Also: key management across member states.');
      expect(res.body.heilmeier.objective).toMatch(/^Let JIT members/);
      expect(res.body.version).toBe(2);
      expect(res.headers.etag).toBe('"2"');
    });

    it('needs If-Match (428) and refuses a stale one (412), changing nothing', async () => {
      const pilot = await createPilot(api, lead, programmeId);
      expectProblem(await api.http.patch(`/v1/pilots/${pilot.id}`).set(lead.auth).send({ title: 'x' }), 428, 'PILOT.PRECONDITION_REQUIRED');
      expectProblem(await api.http.patch(`/v1/pilots/${pilot.id}`).set(lead.auth).set('If-Match', '"7"').send({ title: 'x' }), 412, 'PILOT.STALE');
      // If-Match compares strongly (RFC 9110): a weak tag of the current version matches nothing.
      expectProblem(await api.http.patch(`/v1/pilots/${pilot.id}`).set(lead.auth).set('If-Match', 'W/"1"').send({ title: 'x' }), 412, 'PILOT.STALE');
      const read = await api.http.get(`/v1/pilots/${pilot.id}`).set(lead.auth);
      expect(read.body.version).toBe(1);
      expect(read.body.title).toBe(pilot.title);
    });

    it('lets exactly one of two PATCHes with the same ETag through', async () => {
      const pilot = await createPilot(api, lead, programmeId);
      const results = await Promise.all(
        ['Edit A', 'Edit B'].map((title) => api.http.patch(`/v1/pilots/${pilot.id}`).set(lead.auth).set('If-Match', '"1"').send({ title })),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 412]);
      const winner = results.find((r) => r.status === 200)!;
      const read = await api.http.get(`/v1/pilots/${pilot.id}`).set(lead.auth);
      expect(read.body.title).toBe(winner.body.title);
      expect(read.body.version).toBe(2);
    });

    it('is for the pilot’s own lead (403 for another lead who can see it)', async () => {
      const pilot = await createPilot(api, lead, programmeId);
      expectProblem(await api.http.patch(`/v1/pilots/${pilot.id}`).set(otherLead.auth).set('If-Match', '"1"').send({ title: 'mine now' }), 403, 'PILOT.NOT_LEAD');
    });

    it('refuses server-owned fields, empty edits and a budget below the committed money', async () => {
      const pilot = await createPilot(api, lead, programmeId);
      expectProblem(await api.http.patch(`/v1/pilots/${pilot.id}`).set(lead.auth).set('If-Match', '"1"').send({ stage: 'accelerated' }), 400);
      expectProblem(await api.http.patch(`/v1/pilots/${pilot.id}`).set(lead.auth).set('If-Match', '"1"').send({}), 400);
      await commit(pilot.id, 1_000_000);
      expectProblem(
        await api.http.patch(`/v1/pilots/${pilot.id}`).set(lead.auth).set('If-Match', '"1"').send({ budgetRequestedCents: 999_999 }),
        422,
        'PILOT.BUDGET_BELOW_COMMITTED',
      );
      // Reports count committed money under the pilot's domain as it is now: it stays put.
      const locked = await api.http.patch(`/v1/pilots/${pilot.id}`).set(lead.auth).set('If-Match', '"1"').send({ domain: 'cyber' });
      expectProblem(locked, 422, 'PILOT.DOMAIN_LOCKED');
      expect(locked.body.errors).toEqual([expect.objectContaining({ field: 'domain' })]);
      expect((await api.http.patch(`/v1/pilots/${pilot.id}`).set(lead.auth).set('If-Match', '"1"').send({ domain: pilot.domain, title: 'Same domain' })).status).toBe(200);
      expect((await api.http.get(`/v1/pilots/${pilot.id}`).set(lead.auth)).body).toEqual(expect.objectContaining({ domain: pilot.domain, version: 2 }));
    });

    it('refuses null for a field a pilot cannot lack (400 naming it, nothing changed), and clears an optional reference with it', async () => {
      const pilot = await createPilot(api, lead, programmeId);
      const nulls = [
        ...['title', 'summary', 'domain', 'programmeId', 'partnerAgencies', 'trl', 'budgetRequestedCents', 'personalData', 'sensitivity', 'heilmeier', 'testingOutsideSandbox'].map(
          (field) => [field, { [field]: null }] as const,
        ),
        ...['objective', 'currentPractice', 'exams'].map((field) => [`heilmeier.${field}`, { heilmeier: { [field]: null } }] as const),
      ];
      for (const [field, body] of nulls) {
        const res = await api.http.patch(`/v1/pilots/${pilot.id}`).set(lead.auth).set('If-Match', '"1"').send(body);
        expect([field, res.status]).toEqual([field, 400]);
        expect([field, res.body.errors.map((e: { field: string }) => e.field)]).toEqual([field, expect.arrayContaining([field])]);
      }
      const read = await api.http.get(`/v1/pilots/${pilot.id}`).set(lead.auth);
      expect(read.body).toEqual(expect.objectContaining({ version: 1, title: pilot.title, heilmeier: pilot.heilmeier }));
      // Still submittable afterwards: nothing null was stored.
      const cleared = await api.http.patch(`/v1/pilots/${pilot.id}`).set(lead.auth).set('If-Match', '"1"').send({ friaRef: null, securityAccreditationRef: null });
      expect(cleared.status).toBe(200);
      expect(cleared.body).toEqual(expect.objectContaining({ version: 2, friaRef: null, securityAccreditationRef: null }));
    });
  });

  describe('withdrawal', () => {
    it('abandons with lessons learned, releases unspent money, then refuses a second time', async () => {
      const pilot = await createPilot(api, lead, programmeId);
      await commit(pilot.id, 3_000_000);
      const spend = await api.http.post(`/v1/pilots/${pilot.id}/expenditures`).set(lead.auth).send({ amountCents: 1_000_000, description: 'Ledger nodes', spentOn: '2026-11-01' });
      expect(spend.status).toBe(201);
      const before = (await api.http.get(`/v1/programmes/${programmeId}`).set(lead.auth)).body;

      expectProblem(await api.http.post(`/v1/pilots/${pilot.id}/withdrawal`).set(lead.auth).send({ lessonsLearned: '   ' }), 400);
      expectProblem(await api.http.post(`/v1/pilots/${pilot.id}/withdrawal`).set(lead.auth).send({}), 400);
      expectProblem(await api.http.post(`/v1/pilots/${pilot.id}/withdrawal`).set(otherLead.auth).send({ lessonsLearned: 'x' }), 403);

      const res = await api.http
        .post(`/v1/pilots/${pilot.id}/withdrawal`)
        .set(lead.auth)
        .send({ lessonsLearned: 'Member states could not run ledger nodes under current IT rules.' });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(expect.objectContaining({ stage: 'abandoned', committedCents: 1_000_000, spentCents: 1_000_000, lessonsLearned: expect.stringMatching(/^Member states/) }));

      const after = (await api.http.get(`/v1/programmes/${programmeId}`).set(lead.auth)).body;
      expect(after.committedCents).toBe(before.committedCents - 2_000_000);
      expect(after.remainingCents).toBe(before.remainingCents + 2_000_000);
      expect(after.spentCents).toBe(before.spentCents);

      expectProblem(await api.http.post(`/v1/pilots/${pilot.id}/withdrawal`).set(lead.auth).send({ lessonsLearned: 'again' }), 409, 'PILOT.WRONG_STATE');
      expectProblem(await api.http.patch(`/v1/pilots/${pilot.id}`).set(lead.auth).set('If-Match', res.headers.etag).send({ title: 'zombie' }), 409);
      const actions = (await api.http.get(`/v1/pilots/${pilot.id}/audit`).set(lead.auth)).body.items.map((e: { action: string }) => e.action);
      expect(actions).toEqual(['pilot.created', 'expenditure.reported', 'pilot.withdrawn']);
    });
  });

  describe('expenditures', () => {
    it('records spend within the committed money and refuses more with 422', async () => {
      const pilot = await createPilot(api, lead, programmeId);
      expectProblem(
        await api.http.post(`/v1/pilots/${pilot.id}/expenditures`).set(lead.auth).send({ amountCents: 1, description: 'Nothing committed yet', spentOn: '2026-11-02' }),
        422,
        'SPEND.OVER_COMMITTED',
      );
      await commit(pilot.id, 500_000);
      const first = await api.http.post(`/v1/pilots/${pilot.id}/expenditures`).set(lead.auth).send({ amountCents: 300_000, description: 'Test network', spentOn: '2026-11-03' });
      expect(first.status).toBe(201);
      expect(first.body).toEqual(expect.objectContaining({ pilotId: pilot.id, amountCents: 300_000, spentOn: '2026-11-03', reportedBy: lead.id }));
      expectProblem(
        await api.http.post(`/v1/pilots/${pilot.id}/expenditures`).set(lead.auth).send({ amountCents: 200_001, description: 'One cent too far', spentOn: '2026-11-04' }),
        422,
        'SPEND.OVER_COMMITTED',
      );
      const exact = await api.http.post(`/v1/pilots/${pilot.id}/expenditures`).set(lead.auth).send({ amountCents: 200_000, description: 'Exactly the rest', spentOn: '2026-11-04' });
      expect(exact.status).toBe(201);

      const list = await api.http.get(`/v1/pilots/${pilot.id}/expenditures`).set(otherLead.auth);
      expect(list.status).toBe(200);
      expect(list.body.items.map((e: { amountCents: number }) => e.amountCents)).toEqual([200_000, 300_000]);
      const read = await api.http.get(`/v1/pilots/${pilot.id}`).set(lead.auth);
      expect(read.body.spentCents).toBe(500_000);
    });

    it('refuses concurrent spend beyond the committed money', async () => {
      const pilot = await createPilot(api, lead, programmeId);
      await commit(pilot.id, 1_000);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          api.http.post(`/v1/pilots/${pilot.id}/expenditures`).set(lead.auth).send({ amountCents: 300, description: `race ${i}`, spentOn: '2026-11-05' }),
        ),
      );
      expect(results.filter((r) => r.status === 201)).toHaveLength(3);
      expect(results.filter((r) => r.status === 422)).toHaveLength(7);
      const [row] = await api.db.query('SELECT spent_cents::int AS spent FROM pilots WHERE id = $1', [pilot.id]);
      expect(row.spent).toBe(900);
    });

    it('refuses bad amounts and dates with 400, and spend by others with 403', async () => {
      const pilot = await createPilot(api, lead, programmeId);
      for (const body of [
        { amountCents: 0, description: 'zero', spentOn: '2026-11-01' },
        { amountCents: 10.5, description: 'fraction', spentOn: '2026-11-01' },
        { amountCents: 10, description: 'bad date', spentOn: '2026-02-30' },
        { amountCents: 10, description: '', spentOn: '2026-11-01' },
        { amountCents: 10, description: 'not yet made', spentOn: '2099-12-01' },
        { amountCents: 10, description: 'not yet made', spentOn: new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10) },
      ]) {
        expectProblem(await api.http.post(`/v1/pilots/${pilot.id}/expenditures`).set(lead.auth).send(body), 400);
      }
      expectProblem(
        await api.http.post(`/v1/pilots/${pilot.id}/expenditures`).set(otherLead.auth).send({ amountCents: 1, description: 'x', spentOn: '2026-11-01' }),
        403,
      );
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the first response for the same key and body: one pilot', async () => {
      const body = pilotBody(programmeId, { title: 'Antiquities traceability pilot' });
      const first = await api.http.post('/v1/pilots').set(lead.auth).set('Idempotency-Key', 'create-antiquities-1').send(body);
      const second = await api.http.post('/v1/pilots').set(lead.auth).set('Idempotency-Key', 'create-antiquities-1').send(body);
      expect(first.status).toBe(201);
      expect(second.status).toBe(201);
      expect(second.body).toEqual(first.body);
      expect(second.headers.etag).toBe(first.headers.etag);
      expect(second.headers['idempotent-replayed']).toBe('true');
      const [row] = await api.db.query(`SELECT count(*)::int AS n FROM pilots WHERE title = 'Antiquities traceability pilot'`);
      expect(row.n).toBe(1);
    });

    it('answers 422 for the same key with a different body, and creates nothing more', async () => {
      const key = 'create-counter-drone-1';
      expect((await api.http.post('/v1/pilots').set(lead.auth).set('Idempotency-Key', key).send(pilotBody(programmeId, { title: 'Drone A' }))).status).toBe(201);
      const res = await api.http.post('/v1/pilots').set(lead.auth).set('Idempotency-Key', key).send(pilotBody(programmeId, { title: 'Drone B' }));
      expectProblem(res, 422, 'IDEMPOTENCY.KEY_REUSED');
      const [row] = await api.db.query(`SELECT count(*)::int AS n FROM pilots WHERE title = 'Drone B'`);
      expect(row.n).toBe(0);
    });

    it('answers 409 while the first request with the key is still running', async () => {
      const body = pilotBody(programmeId, { title: 'In flight' });
      // The first request's claim, as it stands while that request is being processed.
      const { createHash } = await import('node:crypto');
      const { canonicalJson } = await import('@labgate/domain');
      const fingerprint = createHash('sha256').update(`POST /v1/pilots\n${canonicalJson(body)}`).digest('hex');
      await api.db.query(`INSERT INTO idempotency_keys (user_id, key, fingerprint, state) VALUES ($1, 'in-flight-1', $2, 'running')`, [lead.id, fingerprint]);
      expectProblem(await api.http.post('/v1/pilots').set(lead.auth).set('Idempotency-Key', 'in-flight-1').send(body), 409, 'IDEMPOTENCY.IN_PROGRESS');
    });

    it('runs concurrent requests with one key once', async () => {
      const body = pilotBody(programmeId, { title: 'Concurrent idempotent create' });
      const results = await Promise.all(Array.from({ length: 5 }, () => api.http.post('/v1/pilots').set(lead.auth).set('Idempotency-Key', 'concurrent-1').send(body)));
      for (const r of results) expect([201, 409]).toContain(r.status);
      const [row] = await api.db.query(`SELECT count(*)::int AS n FROM pilots WHERE title = 'Concurrent idempotent create'`);
      expect(row.n).toBe(1);
    });

    it('scopes keys to the caller', async () => {
      const lead2 = await createUser(api, 'FRONTEX', ['lead']);
      const a = await api.http.post('/v1/pilots').set(lead.auth).set('Idempotency-Key', 'shared-key').send(pilotBody(programmeId, { title: 'Scoped A' }));
      const b = await api.http.post('/v1/pilots').set(lead2.auth).set('Idempotency-Key', 'shared-key').send(pilotBody(programmeId, { title: 'Scoped B', partnerAgencies: [] }));
      expect(a.status).toBe(201);
      expect(b.status).toBe(201);
      expect(b.body.id).not.toBe(a.body.id);
    });

    it('lets a failed request be retried with the same key', async () => {
      const bad = await api.http.post('/v1/pilots').set(lead.auth).set('Idempotency-Key', 'retry-1').send(pilotBody(programmeId, { partnerAgencies: ['ATLANTIS'] }));
      expectProblem(bad, 422);
      const good = await api.http.post('/v1/pilots').set(lead.auth).set('Idempotency-Key', 'retry-1').send(pilotBody(programmeId, { partnerAgencies: ['ATLANTIS'] }));
      expectProblem(good, 422, 'AGENCY.UNKNOWN');
    });

    it('works on every creating POST (users, programmes, expenditures)', async () => {
      const admin = { Authorization: `Bearer ${api.adminToken}` };
      const userBody = { name: 'Once', email: 'once@eulisa.europa.eu', agency: 'EULISA', roles: ['reviewer'] };
      const u1 = await api.http.post('/v1/users').set(admin).set('Idempotency-Key', 'user-once').send(userBody);
      const u2 = await api.http.post('/v1/users').set(admin).set('Idempotency-Key', 'user-once').send(userBody);
      expect(u1.status).toBe(201);
      // The replay answers with the user, never its token again (shown once).
      expect(u2.body).toEqual({ ...u1.body, token: undefined });
      expect(u2.body).not.toHaveProperty('token');
      const p1 = await api.http.post('/v1/programmes').set(funder.auth).set('Idempotency-Key', 'prog-once').send({ name: 'Once', envelopeCents: 5 });
      const p2 = await api.http.post('/v1/programmes').set(funder.auth).set('Idempotency-Key', 'prog-once').send({ name: 'Once', envelopeCents: 5 });
      expect(p2.body.id).toBe(p1.body.id);
      const pilot = await createPilot(api, lead, programmeId);
      await commit(pilot.id, 1000);
      const spend = { amountCents: 400, description: 'Once', spentOn: '2026-11-06' };
      await api.http.post(`/v1/pilots/${pilot.id}/expenditures`).set(lead.auth).set('Idempotency-Key', 'spend-once').send(spend);
      await api.http.post(`/v1/pilots/${pilot.id}/expenditures`).set(lead.auth).set('Idempotency-Key', 'spend-once').send(spend);
      const [row] = await api.db.query('SELECT spent_cents::int AS spent FROM pilots WHERE id = $1', [pilot.id]);
      expect(row.spent).toBe(400);
    });
  });
});
