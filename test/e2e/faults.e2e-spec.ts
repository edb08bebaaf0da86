import { TestApi } from './support/api';
import { TestStack } from './support/stack';
import { Cast, createCast, getReview, proposePilot, ReviewBody, seated, settled, submit, voteAll, waitFor } from './support/workflow';

/**
 * Durability and safety under faults, on a stack of its own (database, Redis with an append-only
 * file, API, worker) so that killing parts of it leaves the other test files alone.
 */
describe('faults: Redis and worker crashes, concurrent money', () => {
  let stack: TestStack;
  let api: TestApi;

  beforeAll(async () => {
    stack = await TestStack.start('faults');
    api = stack.testApi();
  }, 60000);
  afterAll(() => stack?.stop(), 60000);

  /** Exactly one decision event per review, and the ledger equals the sum of committed tranches. */
  async function assertAppliedOnce(cast: Cast, pilotIds: string[]): Promise<void> {
    const decided = await api.db.query(
      `SELECT pilot_id, count(*)::int AS n FROM audit_events WHERE action = 'gate.decided' AND pilot_id = ANY($1) GROUP BY pilot_id`,
      [pilotIds],
    );
    expect(decided).toHaveLength(pilotIds.length);
    for (const row of decided) expect(row.n).toBe(1);
    const [ledger] = await api.db.query(
      `SELECT pr.committed_cents::bigint AS programme, (SELECT coalesce(sum(committed_cents), 0) FROM pilots WHERE programme_id = pr.id)::bigint AS pilots,
              (SELECT coalesce(sum(r.tranche_cents), 0) FROM gate_reviews r JOIN pilots p ON p.id = r.pilot_id
                WHERE p.programme_id = pr.id AND r.status = 'decided' AND r.decision_outcome = r.gate)::bigint AS tranches
         FROM programmes pr WHERE pr.id = $1`,
      [cast.programmeId],
    );
    expect(ledger.programme).toBe(ledger.pilots);
    expect(ledger.programme).toBe(ledger.tranches);
    for (const id of pilotIds) {
      expect((await api.http.get(`/v1/pilots/${id}/audit/verify`).set(cast.lead.auth)).body.valid).toBe(true);
    }
  }

  it('loses nothing and applies every decision once across a Redis kill and restart', async () => {
    const cast = await createCast(api);
    const pilots = [];
    const reviews: ReviewBody[] = [];
    for (let i = 0; i < 6; i++) {
      const pilot = await proposePilot(api, cast, { title: `Redis fault pilot ${i}` });
      pilots.push(pilot);
      reviews.push(await seated(api, cast, await submit(api, cast, pilot.id, 1_000_000)));
    }

    await stack.redis.kill();
    // The API does not need Redis to take decisions' inputs: votes and a new submission succeed.
    for (const review of reviews) await voteAll(api, cast, review, () => ({ recommendation: 'fund' }));
    const late = await proposePilot(api, cast, { title: 'Submitted while Redis was down' });
    const lateReview = await submit(api, cast, late.id, 1_000_000);
    expect((await api.http.get('/health/ready')).status).toBe(503);
    await new Promise((r) => setTimeout(r, 1500));
    const stillOpen = await Promise.all(reviews.map((r) => getReview(api, cast, r.id)));
    expect(stillOpen.every((r) => r.status === 'open')).toBe(true);
    const [{ pending }] = await api.db.query(`SELECT count(*)::int AS pending FROM outbox WHERE sent_at IS NULL`);
    expect(pending).toBeGreaterThanOrEqual(reviews.length);

    await stack.redis.start();
    for (const review of reviews) expect((await settled(api, cast, review.id, 30000)).decision!.outcome).toBe('fund');
    await seated(api, cast, lateReview);
    await waitFor('outbox drained', async () => (await api.db.query(`SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL`))[0].n === 0);
    await assertAppliedOnce(cast, pilots.map((p) => p.id));
    const [{ votes }] = await api.db.query(`SELECT count(*)::int AS votes FROM votes WHERE gate_review_id = ANY($1)`, [reviews.map((r) => r.id)]);
    expect(votes).toBe(reviews.reduce((n, r) => n + r.seats.length, 0));
  }, 90000);

  it('never commits twice when the worker is killed mid-processing and restarted', async () => {
    const cast = await createCast(api);
    const pilots = [];
    const reviews: ReviewBody[] = [];
    for (let i = 0; i < 25; i++) {
      const pilot = await proposePilot(api, cast, { title: `Crash pilot ${i}`, personalData: false, dpiaRef: undefined });
      pilots.push(pilot);
      reviews.push(await seated(api, cast, await submit(api, cast, pilot.id, 2_000_000)));
    }
    await Promise.all(reviews.map((review) => voteAll(api, cast, review, () => ({ recommendation: 'fund' }))));
    // Kill it as soon as the first decisions land, with the rest of the tallies in flight.
    await waitFor('first decision', async () => (await api.db.query(`SELECT count(*)::int AS n FROM gate_reviews WHERE id = ANY($1) AND status = 'decided'`, [reviews.map((r) => r.id)]))[0].n > 0, 20000);
    const killed = await stack.worker.stop('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    const [{ n: before }] = await api.db.query(`SELECT count(*)::int AS n FROM gate_reviews WHERE id = ANY($1) AND status = 'decided'`, [reviews.map((r) => r.id)]);

    stack.startWorker();
    for (const review of reviews) expect((await settled(api, cast, review.id, 60000)).decision!.outcome).toBe('fund');
    await assertAppliedOnce(cast, pilots.map((p) => p.id));
    const [{ committed }] = await api.db.query('SELECT committed_cents::int AS committed FROM programmes WHERE id = $1', [cast.programmeId]);
    expect(committed).toBe(25 * 2_000_000);
    // The kill left work for the restarted worker (or the test proved nothing).
    expect(before).toBeLessThan(25);
  }, 120000);

  it('commits exactly the envelope under 100 concurrent go decisions, escalating the rest', async () => {
    const tranche = 1_000_000;
    const cast = await createCast(api, 10 * tranche);
    const pilots = await Promise.all(
      Array.from({ length: 100 }, (_, i) => proposePilot(api, cast, { title: `Envelope race ${i}`, personalData: false, dpiaRef: undefined, partnerAgencies: [] })),
    );
    const reviewIds = await Promise.all(pilots.map((p) => submit(api, cast, p.id, tranche)));
    const reviews = await Promise.all(reviewIds.map((id) => seated(api, cast, id)));
    for (let i = 0; i < reviews.length; i += 20) {
      await Promise.all(reviews.slice(i, i + 20).map((review) => voteAll(api, cast, review, () => ({ recommendation: 'fund' }))));
    }
    const settledAll = await Promise.all(reviewIds.map((id) => settled(api, cast, id, 60000)));
    const funded = settledAll.filter((r) => r.status === 'decided' && r.decision!.outcome === 'fund');
    const escalated = settledAll.filter((r) => r.status === 'escalated');
    expect(funded).toHaveLength(10);
    expect(escalated).toHaveLength(90);
    expect(escalated.every((r) => r.escalationReason === 'insufficient-funds')).toBe(true);
    const programme = (await api.http.get(`/v1/programmes/${cast.programmeId}`).set(cast.lead.auth)).body;
    expect(programme).toEqual(expect.objectContaining({ envelopeCents: 10 * tranche, committedCents: 10 * tranche, remainingCents: 0 }));

    // A chair cannot overspend either: 20 concurrent go decisions on escalated reviews all refuse.
    const attempts = await Promise.all(
      escalated.slice(0, 20).map((r) => api.http.post(`/v1/gate-reviews/${r.id}/decision`).set(cast.chair.auth).send({ outcome: 'fund', rationale: 'Priority pilot.' })),
    );
    expect(attempts.every((a) => a.status === 422 && a.body.code === 'BUDGET.ENVELOPE_EXCEEDED')).toBe(true);
    expect((await api.http.get(`/v1/programmes/${cast.programmeId}`).set(cast.lead.auth)).body.committedCents).toBe(10 * tranche);
  }, 180000);
});
