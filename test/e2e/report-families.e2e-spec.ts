import { startApi, TestApi } from './support/api';
import { Cast, createCast, GOOD, proposePilot, ReviewBody, seated, settled, submit, voteAll } from './support/workflow';

type Family = 'stages' | 'reviews' | 'seats';

/**
 * The report facts' commit trigger refreshes only the families of facts the written table feeds
 * (stages and money, reviews, seats), and after every kind of write the stored facts still equal
 * `report_facts_of`, the definition of all of a pilot's facts, and the rollups their sums.
 *
 * Each write runs in its own transaction with function tracking on; `SET CONSTRAINTS ALL
 * IMMEDIATE` fires the deferred trigger before commit, so the transaction's own statistics say
 * which family functions the refresh called.
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

  /** Calls of each family's function so far, as the session's statistics hold them. */
  const familyCalls = async (tx: { query: <R>(sql: string, params?: unknown[]) => Promise<R[]> }): Promise<Map<string, number>> =>
    new Map(
      (await tx.query<{ funcname: string; calls: string }>(`SELECT funcname, calls FROM pg_stat_xact_user_functions WHERE funcname LIKE 'report\\_facts\\_%'`)).map((f) => [
        f.funcname.replace('report_facts_', ''),
        Number(f.calls),
      ]),
    );

  /**
   * Runs `sql` (and what it sets off) and returns the families whose functions it called. The
   * session's function counts can include transactions not yet flushed to the statistics, so
   * what counts is the difference within this one.
   */
  async function familiesRefreshedBy(sql: string, params: unknown[]): Promise<Family[]> {
    return api.db.transaction(async (tx) => {
      await tx.query(`SET LOCAL track_functions = 'pl'`);
      const before = await familyCalls(tx);
      await tx.query(sql, params);
      await tx.query('SET CONSTRAINTS ALL IMMEDIATE');
      const after = await familyCalls(tx);
      return [...after].filter(([name, calls]) => calls > (before.get(name) ?? 0)).map(([name]) => name as Family).sort();
    });
  }

  async function expectFactsInStep(): Promise<void> {
    const columns = 'pilot_id, programme_id, domain, lead_agency, at, metric, key, n, v::text, v2::text';
    const stored = await api.db.query(`SELECT ${columns} FROM report_facts WHERE pilot_id = $1 ORDER BY ${columns}`, [pilot.id]);
    const rebuilt = await api.db.query(`SELECT ${columns} FROM report_facts_of(ARRAY[$1::uuid]) ORDER BY ${columns}`, [pilot.id]);
    expect(stored.length).toBeGreaterThan(10);
    expect(stored).toEqual(rebuilt);
    // Every cell of the rollups (slots summed) is its facts summed: what refreshes added and took
    // away agrees with what they left stored.
    const [{ wrong }] = await api.db.query<{ wrong: number }>(
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
    await expectFactsInStep();
    const before = await api.db.query(`SELECT count(*)::int AS n, max(id)::text AS last FROM report_facts WHERE pilot_id = $1`, [pilot.id]);
    expect(await familiesRefreshedBy(sql, [ids[id]()])).toEqual(families);
    // The write changed stored facts (the check above would pass on a skipped refresh otherwise).
    const after = await api.db.query(`SELECT count(*)::int AS n, max(id)::text AS last FROM report_facts WHERE pilot_id = $1`, [pilot.id]);
    expect(after).not.toEqual(before);
    await expectFactsInStep();
  });

  it('refreshes a new pilot’s stages only: its reviews and seats come with their own rows', async () => {
    const code = `${pilot.code}-COPY`;
    const families = await familiesRefreshedBy(
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
    expect(await api.db.query(`SELECT 1 FROM report_facts WHERE pilot_id = $1`, [id])).toEqual([]);
  });
});
