import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { dataSourceOptions, PercentileWanted, ReportSnapshot, ReportsRepository } from '@labgate/persistence';
import { BACKFILL_COMMITS, BACKFILL_RELEASES, BACKFILL_STAGE_INTERVALS } from '@labgate/migrations';
import { startApi, TestApi } from './support/api';
import { createUser, expectProblem, TestUser } from './support/fixtures';
import { Cast, createCast, getReview, proposePilot, ReviewBody, seated, settled, submit, Vote, waitFor } from './support/workflow';

type Scores = { excellence: number; impact: number; implementation: number };
const SCORES: Record<string, Scores> = {
  fund: { excellence: 4, impact: 4.5, implementation: 4 },
  revise: { excellence: 3, impact: 3.5, implementation: 2.5 },
  abandon: { excellence: 1, impact: 1, implementation: 1 },
};
const DAY_MS = 86_400_000;

/**
 * The funders' report on a hand-built portfolio of its own programme, every figure asserted
 * exactly:
 * - P1 JIT ledger: fund gate revised in round 1 (the DPO alone says fund), funded in round 2
 *   with €200,000; €30,000 spent in October;
 * - P2 deepfake triage: vetoed by the data-protection seat at the fund gate → abandoned;
 * - P3 counter-drone (title starts with "="): funded with €100,000, €40,000 spent in November,
 *   then withdrawn by its lead → €60,000 released;
 * - P4 restricted antiquities pilot: withdrawn in proposal (the funder may not read its text);
 * - P5 remittances: revised twice → escalated (max rounds) → funded by the chair with €50,000;
 *   its lead-agency reviewer declined the first seat (reassigned).
 */
describe('portfolio reports', () => {
  let api: TestApi;
  let cast: Cast;
  const castVotes: Scores[] = [];
  const at: Record<string, string> = {};
  const pilots: Record<string, { id: string; code: string }> = {};

  const report = (user: TestUser, query: Record<string, string> = {}) =>
    api.http.get('/v1/reports/portfolio').query({ programmeId: cast.programmeId, ...query }).set(user.auth);

  async function vote(review: ReviewBody, votes: (seat: string) => string): Promise<void> {
    for (const seat of review.seats.filter((s) => s.status === 'pending')) {
      const voter = cast.byId.get(seat.reviewerId!)!;
      const recommendation = votes(seat.seat);
      const v: Vote = { recommendation, scores: SCORES[recommendation], rationale: `Seat ${seat.seat}: ${recommendation}.` };
      const res = await api.http.post(`/v1/gate-reviews/${review.id}/votes`).set(voter.auth).send(v);
      if (res.status !== 201) throw new Error(`vote ${res.status} ${JSON.stringify(res.body)}`);
      castVotes.push(SCORES[recommendation]!);
    }
  }

  async function round(pilotId: string, tranche: number, votes: (seat: string) => string): Promise<ReviewBody> {
    const review = await seated(api, cast, await submit(api, cast, pilotId, tranche));
    await vote(review, votes);
    return settled(api, cast, review.id);
  }

  const spend = async (pilotId: string, amountCents: number, spentOn: string) => {
    const res = await api.http.post(`/v1/pilots/${pilotId}/expenditures`).set(cast.lead.auth).send({ amountCents, description: 'Prototype work package', spentOn });
    expect(res.status).toBe(201);
  };
  const withdraw = async (pilotId: string, lessonsLearned: string) => {
    const res = await api.http.post(`/v1/pilots/${pilotId}/withdrawal`).set(cast.lead.auth).send({ lessonsLearned });
    expect(res.status).toBe(200);
  };
  const revise = (seat: string) => (seat === 'data-protection' ? 'fund' : 'revise');

  let ds: DataSource;
  let repository: ReportsRepository;

  beforeAll(async () => {
    // Before anything the reports count happens: the day the flows below are counted from.
    at.start = new Date().toISOString();
    api = await startApi();
    ds = await new DataSource({ ...dataSourceOptions({ databaseUrl: process.env.DATABASE_URL! }, 'labgate-reports-test'), migrations: [] }).initialize();
    repository = new ReportsRepository(ds);
    cast = await createCast(api);

    pilots.p1 = await proposePilot(api, cast, { title: 'JIT custody ledger' });
    expect((await round(pilots.p1.id, 20_000_000, revise)).decision?.outcome).toBe('revise');
    const second = await seated(api, cast, await submit(api, cast, pilots.p1.id, 20_000_000));
    at.beforeGo = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    await vote(second, () => 'fund');
    expect((await settled(api, cast, second.id)).decision?.outcome).toBe('fund');
    await new Promise((r) => setTimeout(r, 20));
    at.afterGo = new Date().toISOString();
    await spend(pilots.p1.id, 3_000_000, '2026-10-15');

    pilots.p2 = await proposePilot(api, cast, { title: 'Deepfake triage for CSAM investigations', domain: 'cyber' });
    expect((await round(pilots.p2.id, 8_000_000, (seat) => (seat === 'data-protection' ? 'abandon' : 'fund'))).decision?.outcome).toBe('abandon');

    pilots.p3 = await proposePilot(api, cast, { title: '=SUM(A1) counter-drone detection at the border', domain: 'drones' });
    expect((await round(pilots.p3.id, 10_000_000, () => 'fund')).decision?.outcome).toBe('fund');
    await spend(pilots.p3.id, 4_000_000, '2026-11-02');
    await withdraw(pilots.p3.id, 'RF detection alone misses autonomous drones; fuse with radar first.');

    pilots.p4 = await proposePilot(api, cast, { title: 'Restricted antiquities traceability', domain: 'data-space', sensitivity: 'restricted' });
    await withdraw(pilots.p4.id, 'Dealers would not share provenance records without a legal basis.');

    pilots.p5 = await proposePilot(api, cast, { title: 'Remittance corridors analytics' });
    const first = await seated(api, cast, await submit(api, cast, pilots.p5.id, 5_000_000));
    const leadSeat = first.seats.find((s) => s.seat === cast.leadAgency)!;
    const declined = await api.http.post(`/v1/assignments/${leadSeat.assignmentId}/decline`).set(cast.byId.get(leadSeat.reviewerId!)!.auth).send({ reason: 'Conflict of interest.' });
    expect(declined.status).toBe(200);
    const reseated = await waitFor('the declined seat reassigned', async () => {
      const r = await getReview(api, cast, first.id);
      return r.seats.find((s) => s.seat === cast.leadAgency && s.status === 'pending' && s.reviewerId !== leadSeat.reviewerId) && r;
    });
    await vote(reseated, revise);
    expect((await settled(api, cast, first.id)).decision?.outcome).toBe('revise');
    const escalated = await round(pilots.p5.id, 5_000_000, revise);
    expect(escalated.status).toBe('escalated');
    const decided = await api.http.post(`/v1/gate-reviews/${escalated.id}/decision`).set(cast.chair.auth).send({ outcome: 'fund', rationale: 'Strategic for the ISF work programme.' });
    expect(decided.status).toBe(200);
    await new Promise((r) => setTimeout(r, 20));
    at.end = new Date().toISOString();
  }, 120_000);
  afterAll(async () => {
    await ds.destroy();
    await api.close();
  });

  it('reports every section exactly, for the programme', async () => {
    const res = await report(cast.chair);
    expect(res.status).toBe(200);
    const body = res.body;
    expect(body.filters).toEqual({ programmeId: cast.programmeId, domain: null, agency: null });
    expect(body.from).toBeNull();
    expect(body.pilots).toEqual({
      total: 5,
      byStage: { proposal: 0, funded: 2, testing: 0, accelerated: 0, abandoned: 3 },
      byDomain: { blockchain: 2, cyber: 1, 'data-space': 1, drones: 1 },
      byLeadAgency: { [cast.leadAgency]: 5 },
    });
    expect(body.money).toEqual({
      envelopeCents: 1_000_000_000,
      committedCents: 29_000_000,
      spentCents: 7_000_000,
      releasedCents: 6_000_000,
      remainingCents: 971_000_000,
      burn: [
        { month: '2026-10', spentCents: 3_000_000, cumulativeSpentCents: 3_000_000 },
        { month: '2026-11', spentCents: 4_000_000, cumulativeSpentCents: 7_000_000 },
      ],
    });
    expect(body.funnel).toEqual([
      { gate: 'fund', entered: 4, go: 3, revise: 2, abandon: 1, escalated: 1, conversion: 0.75, medianRounds: 2 },
      { gate: 'test', entered: 0, go: 0, revise: 0, abandon: 0, escalated: 0, conversion: null, medianRounds: null },
      { gate: 'accelerate', entered: 0, go: 0, revise: 0, abandon: 0, escalated: 0, conversion: null, medianRounds: null },
    ]);
    expect(body.overdueAssignments).toBe(0);
    expect(body.failFast).toEqual({
      abandoned: 3,
      abandonedByStage: { proposal: 2, funded: 1, testing: 0, accelerated: 0 },
      committedAtAbandonCents: 10_000_000,
      spentAtAbandonCents: 4_000_000,
      releasedAtAbandonCents: 6_000_000,
      medianDaysToAbandon: 0,
      shareAbandonedBeforeTesting: 1,
      lessons: [
        { pilotId: pilots.p2!.id, code: pilots.p2!.code, title: 'Deepfake triage for CSAM investigations', stage: 'proposal', spentCents: 0, lessonsLearned: expect.any(String) },
        { pilotId: pilots.p3!.id, code: pilots.p3!.code, title: '=SUM(A1) counter-drone detection at the border', stage: 'funded', spentCents: 4_000_000, lessonsLearned: 'RF detection alone misses autonomous drones; fuse with radar first.' },
        { pilotId: pilots.p4!.id, code: pilots.p4!.code, title: 'Restricted antiquities traceability', stage: 'proposal', spentCents: 0, lessonsLearned: 'Dealers would not share provenance records without a legal basis.' },
      ],
    });
    const spread = (k: keyof Scores) => {
      const xs = castVotes.map((v) => v[k]);
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      return Math.round(Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length) * 1000) / 1000;
    };
    expect(castVotes).toHaveLength(24);
    expect(body.decisions).toEqual({
      byAgency: [
        { agency: 'DGHOME', seats: 6, votes: 6, declined: 0 },
        { agency: cast.leadAgency, seats: 13, votes: 12, declined: 1 },
        { agency: cast.partnerAgency, seats: 6, votes: 6, declined: 0 },
      ].sort((a, b) => (a.agency < b.agency ? -1 : 1)),
      dataProtectionVetoes: 1,
      escalations: 1,
      missedDeadlines: 0,
      scoreSpread: { excellence: spread('excellence'), impact: spread('impact'), implementation: spread('implementation') },
    });
    expect(body.meanTrlGain).toBe(0.6);
    expect(body.timing).toEqual({
      medianDaysInStage: { proposal: 0, funded: 0, testing: null, accelerated: null },
      medianReviewTurnaroundDays: 0,
      p90ReviewTurnaroundDays: 0,
    });
    expect(body.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(body)).toEqual(expect.arrayContaining(['asOf', 'sealRoot', 'sealSize', 'digest']));
  });

  it('cites the latest seal as the signed checkpoint anyone can fetch and check (DESIGN §4b)', async () => {
    // The worker seals every 2 s here: a report made after one cites it.
    const body = await waitFor('a report citing a seal', async () => {
      const res = await report(cast.funder);
      return res.body.sealSize !== null ? res.body : undefined;
    });
    expect(body.sealRoot).toMatch(/^[0-9a-f]{64}$/);
    const note = await api.http.get('/v1/transparency/checkpoint').query({ size: body.sealSize }).set(cast.funder.auth);
    expect(note.status).toBe(200);
    const [, size, root] = note.text.split('\n');
    expect(Number(size)).toBe(body.sealSize);
    expect(Buffer.from(root!, 'base64').toString('hex')).toBe(body.sealRoot);
  });

  it('rebuilds the report as of a moment: before and after a decision, the same on every later day', async () => {
    const before = await report(cast.funder, { asOf: at.beforeGo! });
    expect(before.status).toBe(200);
    expect(before.body.asOf).toBe(at.beforeGo);
    expect(before.body.pilots).toEqual({ total: 1, byStage: { proposal: 1, funded: 0, testing: 0, accelerated: 0, abandoned: 0 }, byDomain: { blockchain: 1 }, byLeadAgency: { [cast.leadAgency]: 1 } });
    expect(before.body.money).toEqual({ envelopeCents: 1_000_000_000, committedCents: 0, spentCents: 0, releasedCents: 0, remainingCents: 1_000_000_000, burn: [] });
    expect(before.body.funnel[0]).toEqual({ gate: 'fund', entered: 1, go: 0, revise: 1, abandon: 0, escalated: 0, conversion: 0, medianRounds: null });
    expect(before.body.failFast.abandoned).toBe(0);

    const after = await report(cast.funder, { asOf: at.afterGo! });
    expect(after.body.pilots.byStage).toEqual({ proposal: 0, funded: 1, testing: 0, accelerated: 0, abandoned: 0 });
    expect(after.body.money).toEqual({ envelopeCents: 1_000_000_000, committedCents: 20_000_000, spentCents: 0, releasedCents: 0, remainingCents: 980_000_000, burn: [] });
    expect(after.body.funnel[0]).toEqual({ gate: 'fund', entered: 1, go: 1, revise: 1, abandon: 0, escalated: 0, conversion: 1, medianRounds: 2 });

    // Later writes (a new pilot, spend, a withdrawal) leave the past report untouched, digest included.
    const later = await proposePilot(api, cast, { title: 'Post-quantum migration of SIENA' });
    await spend(pilots.p1!.id, 1_000_000, '2026-10-20');
    await withdraw(later.id, 'Superseded by the EU-LISA PQC roadmap.');
    const again = await report(cast.funder, { asOf: at.beforeGo! });
    expect(again.body).toEqual(before.body);
    // A date means the end of that day as `asOf` (today's: now, the day so far), its start as
    // `from`; `from` counts flows from then on. From the day the set-up began (a run that crosses
    // midnight kills pilots on both days).
    const today = new Date().toISOString().slice(0, 10);
    const setUpDay = at.start!.slice(0, 10);
    const asked = Date.now();
    const byDate = await report(cast.chair, { asOf: today, from: setUpDay });
    expect(byDate.status).toBe(200);
    expect(Date.parse(byDate.body.asOf)).toBeGreaterThanOrEqual(asked);
    expect(Date.parse(byDate.body.asOf)).toBeLessThanOrEqual(Date.now());
    expect(byDate.body.from).toBe(`${setUpDay}T00:00:00.000Z`);
    expect(byDate.body.money.spentCents).toBe(0); // spent on dates in October and November, before `from`
    expect(byDate.body.money.committedCents).toBe(29_000_000);
    expect(byDate.body.failFast.abandoned).toBe(4);
  });

  it('filters by domain and lead agency', async () => {
    const drones = await report(cast.chair, { domain: 'drones' });
    expect(drones.body.pilots.total).toBe(1);
    expect(drones.body.money).toEqual(expect.objectContaining({ committedCents: 4_000_000, spentCents: 4_000_000, releasedCents: 6_000_000 }));
    expect(drones.body.failFast.abandonedByStage.funded).toBe(1);
    const other = await report(cast.chair, { agency: cast.partnerAgency });
    expect(other.body.pilots.total).toBe(0);
    expect(other.body.funnel[0].conversion).toBeNull();
    const all = await api.http.get('/v1/reports/portfolio').set(cast.chair.auth);
    expect(all.status).toBe(200);
    expect(all.body.pilots.total).toBeGreaterThanOrEqual(6);
    expect(all.body.filters).toEqual({ programmeId: null, domain: null, agency: null });
  });

  it('refuses leads and reviewers (403), bad parameters (400 naming them), an unknown programme (404)', async () => {
    expectProblem(await report(cast.lead), 403);
    expectProblem(await report(cast.reviewerA), 403);
    expectProblem(await api.http.get('/v1/reports/portfolio/funnel.svg').set(cast.lead.auth), 403);
    for (const [name, value] of [['asOf', '2026-02-30'], ['asOf', 'yesterday'], ['from', '2026-13-01'], ['asOf', '2026-06-30T12:00:00'], ['programmeId', 'nope'], ['domain', 'magic'], ['agency', 'lower'], ['format', 'xml']]) {
      const res = await report(cast.chair, { [name!]: value! });
      expectProblem(res, 400);
      expect(JSON.stringify(res.body)).toContain(name);
    }
    expectProblem(await report(cast.chair, { from: '2026-07-01', asOf: '2026-06-30' }), 400);
    // A moment that has not come yet has no figures to reproduce later; an agency nobody registered is a bad value.
    const tomorrow = new Date(Date.now() + DAY_MS).toISOString().slice(0, 10);
    for (const [name, value] of [['asOf', tomorrow], ['asOf', new Date(Date.now() + 60_000).toISOString()], ['asOf', '2999-01-01'], ['agency', 'NOPE']]) {
      const res = await report(cast.chair, { [name!]: value! });
      expectProblem(res, 400, 'REQUEST.INVALID');
      expect(res.body.errors).toEqual([expect.objectContaining({ field: name })]);
    }
    expectProblem(await api.http.get('/v1/reports/portfolio/funnel.svg').query({ asOf: '2999-01-01' }).set(cast.chair.auth), 400);
    expectProblem(await report(cast.chair, { programmeId: '00000000-0000-4000-8000-000000000000' }), 404);
    expectProblem(await api.http.get('/v1/reports/portfolio/pie.svg').set(cast.chair.auth), 404);
  });

  it('hides a restricted pilot’s text from a funder who may not see it, in JSON and CSV, and counts its figures', async () => {
    const res = await report(cast.funder);
    const p4 = res.body.failFast.lessons.find((l: { pilotId: string }) => l.pilotId === pilots.p4!.id);
    expect(p4).toEqual({ pilotId: pilots.p4!.id, code: pilots.p4!.code, title: null, stage: 'proposal', spentCents: 0, lessonsLearned: null });
    expect(JSON.stringify(res.body)).not.toContain('Restricted antiquities');
    expect(res.body.pilots.byDomain['data-space']).toBe(1);
    const csv = await report(cast.funder, { format: 'csv' });
    expect(csv.status).toBe(200);
    expect(csv.text).not.toContain('Restricted antiquities');
    expect(csv.text).toContain(pilots.p4!.code);
  });

  it('exports one CSV row per pilot, formula-safe, parsing back to the JSON figures', async () => {
    const asOf = at.end!;
    const json = (await report(cast.chair, { asOf })).body;
    const res = await api.http.get('/v1/reports/portfolio').query({ programmeId: cast.programmeId, asOf }).set(cast.chair.auth).set('Accept', 'text/csv');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="labgate-portfolio-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(res.text).toContain('\r\n');
    const rows: Record<string, string>[] = parse(res.text, { columns: true });
    expect(Object.keys(rows[0]!)).toEqual(['code', 'title', 'stage', 'leadAgency', 'domain', 'sensitivity', 'committedCents', 'spentCents', 'releasedCents', 'daysInCurrentStage', 'lastDecision', 'lastDecisionAt', 'programmeId', 'programme']);
    expect(rows).toHaveLength(json.pilots.total);
    // Which programme's money each row is, for a funder who exports the whole portfolio.
    const [{ name }] = await api.db.query('SELECT name FROM programmes WHERE id = $1', [cast.programmeId]);
    expect(rows.every((r) => r.programmeId === cast.programmeId && r.programme === name)).toBe(true);
    const sum = (k: string) => rows.reduce((a, r) => a + Number(r[k]), 0);
    expect(sum('committedCents')).toBe(json.money.committedCents);
    expect(sum('spentCents')).toBe(json.money.spentCents);
    expect(sum('releasedCents')).toBe(json.money.releasedCents);
    for (const [stage, n] of Object.entries(json.pilots.byStage)) expect(rows.filter((r) => r.stage === stage)).toHaveLength(n as number);
    const p3 = rows.find((r) => r.code === pilots.p3!.code)!;
    expect(p3.title).toBe("'=SUM(A1) counter-drone detection at the border");
    expect(p3).toEqual(expect.objectContaining({ stage: 'abandoned', committedCents: '4000000', spentCents: '4000000', releasedCents: '6000000', lastDecision: 'fund' }));
    const p5 = rows.find((r) => r.code === pilots.p5!.code)!;
    expect(rows.map((r) => r.code)).toContain(pilots.p5!.code);
    expect(p5).toEqual(expect.objectContaining({ stage: 'funded', committedCents: '5000000', lastDecision: 'fund', lastDecisionAt: expect.stringMatching(/Z$/) }));
  });

  it('renders each chart as SVG with title and desc, byte-identical for the same data', async () => {
    const asOf = at.end!;
    for (const chart of ['funnel', 'money', 'stages', 'timing', 'kills']) {
      const get = () => api.http.get(`/v1/reports/portfolio/${chart}.svg`).query({ programmeId: cast.programmeId, asOf }).set(cast.funder.auth).buffer(true).parse((res, cb) => {
        let data = '';
        res.on('data', (c: Buffer) => (data += c.toString('utf8')));
        res.on('end', () => cb(null, data));
      });
      const one = await get();
      expect(one.status).toBe(200);
      expect(one.headers['content-type']).toMatch(/^image\/svg\+xml/);
      const svg = one.body as string;
      expect(svg).toMatch(/^<svg[^>]*><title>[^<]+<\/title><desc>[^<]+<\/desc>/);
      expect(svg).not.toMatch(/zr\d+-/);
      expect((await get()).body).toBe(svg);
    }
    const money = await api.http.get('/v1/reports/portfolio/money.svg').query({ programmeId: cast.programmeId }).set(cast.funder.auth).buffer(true).parse((res, cb) => {
      let data = '';
      res.on('data', (c: Buffer) => (data += c.toString('utf8')));
      res.on('end', () => cb(null, data));
    });
    expect(money.body).toContain('€290,000');
    expect(money.body).toContain('EUR');
  });

  it('writes the history the migration’s back-fill would derive from the same pilots', async () => {
    const ids = Object.values(pilots).map((p) => p.id);
    const intervals = `SELECT pilot_id, stage, entered_at, left_at, left_how, trl FROM %s WHERE pilot_id = ANY($1) ORDER BY pilot_id, entered_at, stage`;
    const movements = `SELECT pilot_id, programme_id, kind, cents::text, at FROM %s WHERE pilot_id = ANY($1) ORDER BY pilot_id, at, kind`;
    const live = {
      intervals: await api.db.query(intervals.replace('%s', 'public.stage_intervals'), [ids]),
      movements: await api.db.query(movements.replace('%s', 'public.ledger_movements'), [ids]),
    };
    expect(live.intervals).toHaveLength(11); // P1 2, P2 2, P3 3, P4 2, P5 2
    const derived = await api.db.transaction(async (tx) => {
      // Temporary tables of the same names shadow the real ones for the back-fill's statements.
      await tx.query('CREATE TEMP TABLE stage_intervals (LIKE public.stage_intervals INCLUDING DEFAULTS INCLUDING IDENTITY) ON COMMIT DROP');
      await tx.query('CREATE TEMP TABLE ledger_movements (LIKE public.ledger_movements INCLUDING DEFAULTS INCLUDING IDENTITY) ON COMMIT DROP');
      for (const sql of [BACKFILL_STAGE_INTERVALS, BACKFILL_COMMITS, BACKFILL_RELEASES]) await tx.query(sql);
      return {
        intervals: await tx.query(intervals.replace('%s', 'pg_temp.stage_intervals'), [ids]),
        movements: await tx.query(movements.replace('%s', 'pg_temp.ledger_movements'), [ids]),
      };
    });
    expect(derived).toEqual(live);
    expect(live.movements.map((m: { kind: string; cents: string }) => `${m.kind} ${m.cents}`).sort()).toEqual(['commit 10000000', 'commit 20000000', 'commit 5000000', 'release 6000000']);
  });

  it('lets a chair without a programme filter and an admin read it; back-dated history gives exact medians', async () => {
    const admin = await createUser(api, 'EUROPOL', ['admin']);
    expect((await report(admin)).status).toBe(200);
    // Arrange history (the demo clock does the same): proposal intervals of 10, 2, 4, 1 and 20 days.
    const days: Array<[string, number]> = [[pilots.p1!.id, 10], [pilots.p2!.id, 2], [pilots.p3!.id, 4], [pilots.p4!.id, 1], [pilots.p5!.id, 20]];
    for (const [id, d] of days) {
      await api.db.query(
        `WITH i AS (UPDATE stage_intervals SET entered_at = left_at - make_interval(days => $2) WHERE pilot_id = $1 AND stage = 'proposal' RETURNING entered_at)
         UPDATE pilots SET created_at = (SELECT entered_at FROM i) WHERE id = $1`,
        [id, d],
      );
    }
    const res = await report(cast.chair);
    // With the later pilot's proposal of a few seconds: 0, 1, 2, 4, 10, 20 → 3.
    expect(res.body.timing.medianDaysInStage.proposal).toBe(3);
    // Days to abandonment: later pilot 0, P4 1, P2 2, P3 4 days and a few seconds → 1.5.
    expect(res.body.failFast.medianDaysToAbandon).toBe(1.5);
    expect(Date.parse(res.body.asOf)).toBeGreaterThan(Date.now() - 60 * DAY_MS);
  });

  it('keeps its aggregates equal to the facts rebuilt from the rows, and the rollups equal to the facts', async () => {
    const columns = 'pilot_id, programme_id, domain, lead_agency, at, metric, key, n, v::text, v2::text';
    await api.db.caughtUp(async (tx, pending) => {
      // Pilots the worker wrote since the catch-up (a reminder, a deadline) wait for the next one.
      const settled = `ARRAY(SELECT id FROM pilots WHERE NOT id = ANY($1::uuid[]))`;
      const stored = await tx.query(`SELECT ${columns} FROM report_facts WHERE pilot_id = ANY(${settled}) ORDER BY ${columns}`, [[...pending]]);
      const rebuilt = await tx.query(`SELECT ${columns} FROM report_facts_of(${settled}) ORDER BY ${columns}`, [[...pending]]);
      expect(stored.length).toBeGreaterThan(100);
      expect(stored).toEqual(rebuilt);
      // Each grain's rollups (slots summed) are the facts summed per bucket (a catch-up changes both
      // in one transaction); all time and months hold every metric, days only the two dated by a due time.
      const cells = `grain, bucket::text, metric, key, programme_id, domain, lead_agency`;
      const rolled = await tx.query(
        `SELECT ${cells}, sum(n)::text AS n, sum(v)::text AS v, sum(v2)::text AS v2 FROM report_rollups GROUP BY ${cells}
         HAVING sum(n) <> 0 OR sum(v) <> 0 OR sum(v2) <> 0 ORDER BY ${cells}`,
      );
      const summed = await tx.query(
        `SELECT ${cells}, sum(n)::text AS n, sum(v)::text AS v, sum(v2)::text AS v2
           FROM (SELECT g.grain, g.bucket, f.metric, CASE WHEN f.metric = 'spend' THEN left(f.key, 7) ELSE f.key END AS key, f.programme_id, f.domain, f.lead_agency, f.n, f.v, f.v2
                   FROM report_facts f
                   CROSS JOIN LATERAL (VALUES ('a', DATE '0001-01-01'), ('m', date_trunc('month', f.at AT TIME ZONE 'UTC')::date), ('d', (f.at AT TIME ZONE 'UTC')::date)) g (grain, bucket)
                  WHERE CASE g.grain WHEN 'm' THEN TRUE WHEN 'a' THEN f.metric NOT IN ('missed', 'overdue') ELSE f.metric IN ('missed', 'overdue') END) x
          GROUP BY ${cells} HAVING sum(n) <> 0 OR sum(v) <> 0 OR sum(v2) <> 0 ORDER BY ${cells}`,
      );
      expect(rolled.length).toBeGreaterThan(50);
      expect(rolled).toEqual(summed);
    });
  });

  it('gives the same figures without asOf (all-time rollups) as asOf its own moment (months and facts)', async () => {
    for (const query of [{}, { domain: 'cyber' }, { from: '2026-01-01' }] as Array<Record<string, string>>) {
      const now = await report(cast.funder, query);
      expect(now.status).toBe(200);
      const then = await report(cast.funder, { ...query, asOf: now.body.asOf });
      expect(then.status).toBe(200);
      expect(then.body).toEqual(now.body);
    }
  });

  describe('a snapshot read on two connections', () => {
    const job = `test.snapshot.${randomUUID()}`;
    const outboxRows = async (q: (sql: string, params?: unknown[]) => Promise<Array<{ n: number }>>) =>
      (await q('SELECT count(*)::int AS n FROM outbox WHERE job_name = $1', [job]))[0]!.n;
    const commitRow = () => ds.query('INSERT INTO outbox (id, job_name, payload) VALUES ($1, $2, $3)', [randomUUID(), job, '{}']);
    afterAll(() => ds.query('DELETE FROM outbox WHERE job_name = $1', [job]));

    it('reads the same snapshot on the second connection, not what committed after it began', async () => {
      await commitRow();
      const seen = await repository.snapshot(async (s) => {
        const first = await outboxRows((sql, params) => s.query(sql, params));
        const [{ pid }] = await s.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await commitRow();
        const apart = await s.alongside(async (t) => ({
          rows: await outboxRows((sql, params) => t.query(sql, params)),
          pid: (await t.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))[0]!.pid,
        }));
        return { first, pid, apart, again: await outboxRows((sql, params) => s.query(sql, params)) };
      });
      expect(seen.first).toBe(1);
      expect(seen.apart).toEqual({ rows: 1, pid: expect.any(Number) });
      expect(seen.apart.pid).not.toBe(seen.pid);
      expect(seen.again).toBe(1);
      expect(await outboxRows((sql, params) => ds.query(sql, params))).toBe(2);
    });

    it('runs the second part on its own connection, in turn, when the pool has none to spare', async () => {
      const options = dataSourceOptions({ databaseUrl: process.env.DATABASE_URL! }, 'labgate-reports-one');
      const single = await new DataSource({ ...options, migrations: [], extra: { ...(options.extra as object), max: 1 } }).initialize();
      try {
        const pids = await new ReportsRepository(single).snapshot(async (s) => {
          const both = await Promise.all([
            s.alongside((t) => t.query<{ pid: number }>('SELECT pg_backend_pid() AS pid, pg_sleep(0.05)')),
            s.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'),
          ]);
          return both.map(([row]) => row!.pid);
        });
        expect(pids[0]).toBe(pids[1]);
        // Nothing left open: the one connection is back in the pool and usable.
        expect((await single.query('SELECT 1 AS ok'))[0].ok).toBe(1);
      } finally {
        await single.destroy();
      }
    });

    it('ends the second transaction too when the report fails', async () => {
      await expect(
        repository.snapshot(async (s) => {
          await s.alongside((t) => t.query('SELECT 1'));
          await s.query('SELECT * FROM no_such_table');
        }),
      ).rejects.toThrow(/no_such_table/);
      const open = await ds.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'labgate-reports-test' AND state LIKE 'idle in transaction%'`);
      expect(open[0].n).toBe(0);
    });
  });

  it('folds the sessions’ rollup slots into slot 0 without changing a figure', async () => {
    const before = await report(cast.funder, { asOf: at.end! });
    const slots = async () => Number((await api.db.query(`SELECT count(*) AS n FROM report_rollups WHERE slot <> 0`))[0].n);
    // Holding the catch-up's lock keeps the worker's catch-ups (new slot rows) out meanwhile.
    await api.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('labgate.report-catch-up'))`);
      expect(await slots()).toBeGreaterThan(0);
      expect(await repository.foldRollups(7)).toBe(7); // a batch at a time
      expect(await repository.foldRollups()).toBeGreaterThan(0);
      expect(await slots()).toBe(0);
      expect(await repository.foldRollups()).toBe(0);
    });
    expect((await report(cast.funder, { asOf: at.end! })).body).toEqual(before.body);
    const live = await report(cast.funder);
    expect((await report(cast.funder, { asOf: live.body.asOf })).body).toEqual(live.body);
  });

  it('finds percentiles by offset exactly as percentile_cont does, on any durations', async () => {
    const at = new Date(Date.now() - DAY_MS);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 400 * DAY_MS }), { minLength: 1, maxLength: 60 }), fc.constantFrom(0.5, 0.9), fc.boolean(), async (values, p, duplicates) => {
        const durations = duplicates ? values.map((v) => v - (v % DAY_MS)) : values;
        const programmeId = randomUUID();
        await api.db
          .transaction(async (tx) => {
            for (const v of durations) {
              await tx.query(
                `INSERT INTO report_facts (pilot_id, programme_id, domain, lead_agency, at, metric, key, n, v, v2) VALUES ($1, $2, 'ai', 'EUROPOL', $3, 'turnaround', '', 1, $4, 0)`,
                [randomUUID(), programmeId, at, v],
              );
            }
            const scope = { asOf: new Date(), from: null, programmeId, domain: null, agency: null };
            const snapshot: ReportSnapshot = { query: <T>(sql: string, params?: unknown[]) => tx.query(sql, params) as Promise<T[]>, alongside: (work) => work(snapshot) };
            const wanted: PercentileWanted[] = [{ metric: 'turnaround', key: '', p, count: durations.length }];
            const [found] = await repository.percentiles(snapshot, scope, wanted);
            const [expected] = await tx.query(
              `SELECT round((percentile_cont($2::float8) WITHIN GROUP (ORDER BY v) / 86400000)::numeric, 2)::text AS days FROM report_facts WHERE programme_id = $1`,
              [programmeId, p],
            );
            expect(found!.days).toBe(expected.days);
            throw new Rollback();
          })
          .catch((err: unknown) => {
            if (!(err instanceof Rollback)) throw err;
          });
      }),
      { numRuns: 40, seed: 20261202 },
    );
  });
});

/** Thrown to roll a test's transaction back. */
class Rollback extends Error {}
