import { startApi, TestApi } from './support/api';
import { Cast, createCast, GOOD, proposePilot, ReviewBody, seated, settled, submit, voteAll, waitFor } from './support/workflow';

type Family = 'stages' | 'reviews' | 'seats';

/**
 * The report facts' commit trigger notes the families of facts the written table feeds (stages
 * and money, reviews, seats) in report_pending, and a catch-up refreshes only those: after every
 * kind of write and its catch-up the stored facts still equal `report_facts_of`, the definition
 * of all of a pilot's facts, and the rollups their sums.
 *
 * Each write runs in its own transaction; `SET CONSTRAINTS ALL IMMEDIATE` fires the deferred
 * trigger before commit, so the notes the transaction itself wrote can be read before it ends.
 */
describe('report facts refreshed by family', () => {
  let api: TestApi;
  let cast: Cast;
  let pilot: { id: string; code: string };
  let decided: ReviewBody;
  let open: ReviewBody;

  beforeAll(async () => {
    api = await startApi();
    cast = await createCast(api);
    pilot = await proposePilot(api, cast, { title: 'Blockchain custody ledger for joint investigation teams' });
    decided = await seated(api, cast, await submit(api, cast, pilot.id, 10_000_000));
    await voteAll(api, cast, decided, () => ({ recommendation: 'fund' }));
    decided = await settled(api, cast, decided.id);
    expect(decided.decision?.outcome).toBe('fund');
    const spent = await api.http.post(`/v1/pilots/${pilot.id}/expenditures`).set(cast.lead.auth).send({ amountCents: 1_500_000, description: 'Node hardware', spentOn: '2026-11-02' });
    expect(spent.status).toBe(201);
    // A second review with one vote of several: undecided.
    open = await seated(api, cast, await submit(api, cast, pilot.id, 10_000_000, 6));
    const first = open.seats.find((s) => s.status === 'pending')!;
    const voted = await api.http
      .post(`/v1/gate-reviews/${open.id}/votes`)
      .set(cast.byId.get(first.reviewerId!)!.auth)
      .send({ recommendation: open.gate, scores: GOOD, rationale: 'Ready for the next stage.' });
    expect(voted.status).toBe(201);
  }, 60_000);
  afterAll(() => api.close());

  const ids = { pilot: () => pilot.id, decided: () => decided.id, open: () => open.id };

  const FAMILIES: Record<string, Family> = { P: 'stages', R: 'reviews', S: 'seats' };

  /** Runs `sql` (and what it sets off), returns the families it noted for a refresh, and catches up. */
  async function familiesNotedBy(sql: string, params: unknown[]): Promise<Family[]> {
    const noted = await api.db.transaction(async (tx) => {
      await tx.query(sql, params);
      await tx.query('SET CONSTRAINTS ALL IMMEDIATE');
      // This transaction's own notes (the worker may be taking others' meanwhile).
      const [{ families }] = await tx.query<{ families: string | null }>(`SELECT string_agg(families, '') AS families FROM report_pending WHERE xmin = pg_current_xact_id()::xid`);
      return families ?? '';
    });
    await catchUp();
    return [...new Set(noted)].map((letter) => FAMILIES[letter]!).sort();
  }

  /** What every report does before it reads (the worker may have done it already). */
  async function catchUp(): Promise<void> {
    await api.db.query('SELECT report_catch_up(NULL)');
  }

  /** In a snapshot after a catch-up; again if the worker wrote this pilot meanwhile. */
  async function expectFactsInStep(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const checked = await api.db.caughtUp(async (tx, pending) => {
        if (pending.has(pilot.id) && attempt < 5) return false;
        await factsInStep(tx);
        return true;
      });
      if (checked) return;
    }
  }

  async function factsInStep(tx: { query: <R>(sql: string, params?: unknown[]) => Promise<R[]> }): Promise<void> {
    const columns = 'pilot_id, programme_id, domain, lead_agency, at, metric, key, n, v::text, v2::text';
    const stored = await tx.query(`SELECT ${columns} FROM report_facts WHERE pilot_id = $1 ORDER BY ${columns}`, [pilot.id]);
    const rebuilt = await tx.query(`SELECT ${columns} FROM report_facts_of(ARRAY[$1::uuid]) ORDER BY ${columns}`, [pilot.id]);
    expect(stored.length).toBeGreaterThan(10);
    expect(stored).toEqual(rebuilt);
    // Every cell of the rollups (slots summed) is its facts summed: what refreshes added and took
    // away agrees with what they left stored.
    const [{ wrong }] = await tx.query<{ wrong: number }>(
      `WITH facts AS (
         SELECT g.grain, g.bucket, f.metric, CASE WHEN f.metric = 'spend' THEN left(f.key, 7) ELSE f.key END AS key, f.programme_id, f.domain, f.lead_agency,
                sum(f.n) AS n, sum(f.v) AS v, sum(f.v2) AS v2
           FROM report_facts f
           CROSS JOIN LATERAL (VALUES ('a', DATE '0001-01-01'), ('m', date_trunc('month', f.at AT TIME ZONE 'UTC')::date), ('d', (f.at AT TIME ZONE 'UTC')::date)) g (grain, bucket)
          WHERE f.programme_id = $1 AND CASE g.grain WHEN 'm' THEN TRUE WHEN 'a' THEN f.metric NOT IN ('missed', 'overdue') ELSE f.metric IN ('missed', 'overdue') END
          GROUP BY 1, 2, 3, 4, 5, 6, 7
       ), rolled AS (
         SELECT grain, bucket, metric, key, programme_id, domain, lead_agency, sum(n) AS n, sum(v) AS v, sum(v2) AS v2
           FROM report_rollups WHERE programme_id = $1 GROUP BY 1, 2, 3, 4, 5, 6, 7
       )
       SELECT count(*)::int AS wrong FROM facts FULL JOIN rolled USING (grain, bucket, metric, key, programme_id, domain, lead_agency)
        WHERE COALESCE(facts.n, 0) <> COALESCE(rolled.n, 0) OR COALESCE(facts.v, 0) <> COALESCE(rolled.v, 0) OR COALESCE(facts.v2, 0) <> COALESCE(rolled.v2, 0)`,
      [cast.programmeId],
    );
    expect(wrong).toBe(0);
  }

  // Each write changes a figure of its family (a date or an amount), so a refresh that skipped it
  // would leave the stored facts behind.
  const writes: Array<[string, string, keyof typeof ids, Family[]]> = [
    ['an expenditure', `UPDATE expenditures SET amount_cents = amount_cents + 100 WHERE pilot_id = $1`, 'pilot', ['stages']],
    ['a stage interval', `UPDATE stage_intervals SET entered_at = entered_at - interval '2 days' WHERE pilot_id = $1 AND stage = 'proposal'`, 'pilot', ['stages']],
    ['a ledger movement', `UPDATE ledger_movements SET at = at - interval '1 hour' WHERE pilot_id = $1`, 'pilot', ['stages']],
    ['a seat', `UPDATE assignments SET due_at = now() - interval '40 days' WHERE gate_review_id = $1`, 'decided', ['seats']],
    ['a vote of an undecided review', `UPDATE votes SET created_at = created_at - interval '1 minute', excellence = 2 WHERE gate_review_id = $1`, 'open', ['seats']],
    ['a vote of a decided review', `UPDATE votes SET excellence = 2.5, created_at = created_at - interval '1 minute' WHERE gate_review_id = $1`, 'decided', ['reviews', 'seats']],
    ['a review', `UPDATE gate_reviews SET opened_at = opened_at - interval '3 days', decided_at = decided_at + interval '1 day' WHERE id = $1`, 'decided', ['reviews', 'seats']],
    ['the pilot’s domain', `UPDATE pilots SET domain = CASE domain WHEN 'cyber' THEN 'drones' ELSE 'cyber' END WHERE id = $1`, 'pilot', ['reviews', 'seats', 'stages']],
  ];

  it.each(writes)('refreshes only what %s feeds, and the stored facts stay in step', async (_what, sql, id, families) => {
    await catchUp();
    await expectFactsInStep();
    const before = await api.db.query(`SELECT count(*)::int AS n, max(id)::text AS last FROM report_facts WHERE pilot_id = $1`, [pilot.id]);
    expect(await familiesNotedBy(sql, [ids[id]()])).toEqual(families);
    // The write changed stored facts (the check above would pass on a skipped refresh otherwise).
    const after = await api.db.query(`SELECT count(*)::int AS n, max(id)::text AS last FROM report_facts WHERE pilot_id = $1`, [pilot.id]);
    expect(after).not.toEqual(before);
    await expectFactsInStep();
  });

  it('refreshes a new pilot’s stages only: its reviews and seats come with their own rows', async () => {
    const code = `${pilot.code}-COPY`;
    const families = await familiesNotedBy(
      `WITH p AS (
         INSERT INTO pilots (code, title, summary, domain, lead_agency, lead_id, partner_agencies, programme_id, trl_current, trl_target, trl_initial,
                             budget_requested_cents, personal_data, dpia_ref, sensitivity, heilmeier, compliance)
         SELECT $2, title, summary, domain, lead_agency, lead_id, partner_agencies, programme_id, trl_current, trl_target, trl_current,
                budget_requested_cents, personal_data, dpia_ref, sensitivity, heilmeier, compliance FROM pilots WHERE id = $1 RETURNING id, created_at, trl_current
       )
       INSERT INTO stage_intervals (pilot_id, stage, entered_at, trl) SELECT id, 'proposal', created_at, trl_current FROM p`,
      [pilot.id, code],
    );
    expect(families).toEqual(['stages']);
    const [{ id }] = await api.db.query<{ id: string }>(`SELECT id FROM pilots WHERE code = $1`, [code]);
    expect(await api.db.query(`SELECT metric, key, n FROM report_facts WHERE pilot_id = $1`, [id])).toEqual([{ metric: 'stage', key: 'proposal', n: 1 }]);
    await api.db.query(`DELETE FROM stage_intervals WHERE pilot_id = $1`, [id]);
    await api.db.query(`DELETE FROM pilots WHERE id = $1`, [id]);
    await catchUp();
    expect(await api.db.query(`SELECT 1 FROM report_facts WHERE pilot_id = $1`, [id])).toEqual([]);
  });

  it('counts in a report a write that no catch-up has taken yet, the worker’s included', async () => {
    const report = async () => {
      const res = await api.http.get('/v1/reports/portfolio').query({ programmeId: cast.programmeId }).set(cast.funder.auth);
      expect(res.status).toBe(200);
      return res.body as { money: { spentCents: number } };
    };
    const spentBefore = (await report()).money.spentCents;
    const pending = () => api.db.query<{ families: string }>(`SELECT families FROM report_pending WHERE pilot_id = $1`, [pilot.id]);
    // While this transaction holds the catch-up's lock, the worker's rounds give way to it.
    const { asked } = await api.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('labgate.report-catch-up'))`);
      const spent = await api.http.post(`/v1/pilots/${pilot.id}/expenditures`).set(cast.lead.auth).send({ amountCents: 4_321, description: 'Courier for the custody tokens', spentOn: '2026-11-20' });
      expect(spent.status).toBe(201);
      expect((await pending()).map((p) => p.families)).toEqual(['P']);
      // The report's own catch-up waits for the lock, then takes the note itself.
      const asked = report();
      await waitFor('the report to wait for the catch-up lock', async () =>
        (await api.db.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)).length > 0);
      // Wrapped, so that ending the transaction does not wait for the report.
      return { asked };
    });
    const figures = await asked;
    expect(figures.money.spentCents).toBe(spentBefore + 4_321);
    expect(await pending()).toEqual([]);
    await expectFactsInStep();
  });

  it('has the worker take the notes within moments, with no report asked for', async () => {
    const spent = await api.http.post(`/v1/pilots/${pilot.id}/expenditures`).set(cast.lead.auth).send({ amountCents: 1_234, description: 'Spare signing token', spentOn: '2026-11-21' });
    expect(spent.status).toBe(201);
    await waitFor('the worker to catch up', async () => (await api.db.query(`SELECT 1 FROM report_pending WHERE pilot_id = $1`, [pilot.id])).length === 0, 5_000);
    const [{ n }] = await api.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM report_facts WHERE pilot_id = $1 AND metric = 'spend' AND v = 1234`, [pilot.id]);
    expect(n).toBe(1);
    await expectFactsInStep();
  });
});
