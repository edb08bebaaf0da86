import { Redis } from 'ioredis';
import { startApi, TestApi } from './support/api';
import { expectProblem } from './support/fixtures';
import {
  Cast,
  createCast,
  getReview,
  GOOD,
  proposePilot,
  seated,
  setPolicy,
  settled,
  submission,
  submit,
  voteAll,
  waitFor,
} from './support/workflow';

describe('queued review workflow (API + worker + Postgres + Redis)', () => {
  let api: TestApi;
  let cast: Cast;

  beforeAll(async () => {
    api = await startApi();
    cast = await createCast(api);
  });
  afterAll(() => api.close());

  const pilotOf = async (id: string) => (await api.http.get(`/v1/pilots/${id}`).set(cast.lead.auth)).body;
  const programme = async () => (await api.http.get(`/v1/programmes/${cast.programmeId}`).set(cast.lead.auth)).body;

  /**
   * A fund-gate review of a new pilot (three seats: no personal data) opened under a changed
   * policy; the policy is put back at once: the review keeps its snapshot.
   */
  async function submitUnderPolicy(changes: Record<string, unknown>): Promise<string> {
    const saved = await setPolicy(api, cast.chair, 'fund', changes);
    try {
      const pilot = await proposePilot(api, cast, { personalData: false, dpiaRef: undefined });
      return await submit(api, cast, pilot.id, 2_000_000);
    } finally {
      await setPolicy(api, cast.chair, 'fund', saved);
    }
  }

  it('takes a pilot from proposal through the fund, test and accelerate gates', async () => {
    const pilot = await proposePilot(api, cast);
    const before = await programme();

    // fund: seats for both agencies, data protection (personal data) and funding.
    const fund = await seated(api, cast, await submit(api, cast, pilot.id, 20_000_000, 5));
    expect(fund.seats.map((s) => s.seat).sort()).toEqual([cast.leadAgency, cast.partnerAgency, 'data-protection', 'funding'].sort());
    expect(fund.seats.find((s) => s.seat === 'data-protection')!.reviewerId).toBe(cast.dpo.id);
    expect(fund.seats.find((s) => s.seat === 'funding')!.reviewerId).toBe(cast.funder.id);
    expect(fund.seats.map((s) => s.reviewerId)).not.toContain(cast.lead.id);
    await voteAll(api, cast, fund, () => ({ recommendation: 'fund' }));
    const funded = await settled(api, cast, fund.id);
    expect(funded.decision).toEqual(expect.objectContaining({ outcome: 'fund', decidedBy: 'policy' }));
    expect(await pilotOf(pilot.id)).toEqual(expect.objectContaining({ stage: 'funded', committedCents: 20_000_000, trl: { current: 5, target: 7 } }));
    expect((await programme()).committedCents).toBe(before.committedCents + 20_000_000);

    // test: no funding seat at a gate that releases no money.
    const test = await seated(api, cast, await submit(api, cast, pilot.id, 0, 6));
    expect(test.gate).toBe('test');
    expect(test.seats.map((s) => s.seat)).not.toContain('funding');
    await voteAll(api, cast, test, () => ({ recommendation: 'test' }));
    expect((await settled(api, cast, test.id)).decision!.outcome).toBe('test');
    expect((await pilotOf(pilot.id)).stage).toBe('testing');

    // accelerate: the second tranche, once the security accreditation is on record (DESIGN §4b).
    expectProblem(await api.http.post(`/v1/pilots/${pilot.id}/submissions`).set(cast.lead.auth).send(submission(30_000_000, 7)), 422, 'COMPLIANCE.PREREQUISITES_MISSING');
    const current = await api.http.get(`/v1/pilots/${pilot.id}`).set(cast.lead.auth);
    const accredited = await api.http.patch(`/v1/pilots/${pilot.id}`).set(cast.lead.auth).set('If-Match', current.headers.etag).send({ securityAccreditationRef: 'EU-SEC-ACC-2026-12' });
    expect(accredited.status).toBe(200);
    const acc = await seated(api, cast, await submit(api, cast, pilot.id, 30_000_000, 7));
    await voteAll(api, cast, acc, () => ({ recommendation: 'accelerate', scores: { excellence: 5, impact: 5, implementation: 4.5 } }));
    expect((await settled(api, cast, acc.id)).decision!.outcome).toBe('accelerate');
    expect(await pilotOf(pilot.id)).toEqual(expect.objectContaining({ stage: 'accelerated', committedCents: 50_000_000 }));
    expect((await programme()).committedCents).toBe(before.committedCents + 50_000_000);

    // No gate is left; spend is still reported.
    expectProblem(await api.http.post(`/v1/pilots/${pilot.id}/submissions`).set(cast.lead.auth).send(submission(0, 8)), 409);
    expect((await api.http.post(`/v1/pilots/${pilot.id}/expenditures`).set(cast.lead.auth).send({ amountCents: 5_000_000, description: 'Field deployment', spentOn: '2026-11-30' })).status).toBe(201);

    const audit = (await api.http.get(`/v1/pilots/${pilot.id}/audit?limit=100`).set(cast.lead.auth)).body.items.map((e: { action: string }) => e.action);
    expect(audit.filter((a: string) => a === 'gate.decided')).toHaveLength(3);
    expect(audit.filter((a: string) => a === 'vote.cast')).toHaveLength(4 + 3 + 4);
    expect(audit.filter((a: string) => a === 'gate.submitted')).toHaveLength(3);
    expect((await api.http.get(`/v1/pilots/${pilot.id}/audit/verify`).set(cast.lead.auth)).body).toEqual({ valid: true, events: audit.length });

    const reviews = (await api.http.get(`/v1/pilots/${pilot.id}/gate-reviews`).set(cast.lead.auth)).body.items;
    expect(reviews.map((r: { gate: string; status: string }) => `${r.gate}:${r.status}`)).toEqual(['fund:decided', 'test:decided', 'accelerate:decided']);
  });

  it('seats a funder whenever a submission asks for money, at any gate, and none when it asks for nothing (DESIGN §2)', async () => {
    const pilot = await proposePilot(api, cast, { personalData: false, dpiaRef: undefined });
    const before = await programme();

    // fund with no tranche: no funding seat, and the go commits nothing.
    const fund = await seated(api, cast, await submit(api, cast, pilot.id, 0));
    expect(fund.seats.map((s) => s.seat)).toEqual([cast.leadAgency, cast.partnerAgency]);
    await voteAll(api, cast, fund, () => ({ recommendation: 'fund' }));
    expect((await settled(api, cast, fund.id)).decision!.outcome).toBe('fund');
    expect(await pilotOf(pilot.id)).toEqual(expect.objectContaining({ stage: 'funded', committedCents: 0 }));
    expect((await programme()).committedCents).toBe(before.committedCents);

    // test with a tranche: the funding seat, held by the programme's owner, and the go commits it.
    const test = await seated(api, cast, await submit(api, cast, pilot.id, 1_500_000, 6));
    expect(test.gate).toBe('test');
    expect(test.seats.map((s) => s.seat)).toEqual([cast.leadAgency, cast.partnerAgency, 'funding']);
    expect(test.seats.find((s) => s.seat === 'funding')!.reviewerId).toBe(cast.funder.id);
    await voteAll(api, cast, test, () => ({ recommendation: 'test' }));
    expect((await settled(api, cast, test.id)).decision!.outcome).toBe('test');
    expect(await pilotOf(pilot.id)).toEqual(expect.objectContaining({ stage: 'testing', committedCents: 1_500_000 }));
    expect((await programme()).committedCents).toBe(before.committedCents + 1_500_000);
  });

  it('returns a pilot to its lead on revise, and opens round 2 on resubmission', async () => {
    const pilot = await proposePilot(api, cast);
    const r1 = await seated(api, cast, await submit(api, cast, pilot.id, 10_000_000));
    expect(r1.round).toBe(1);
    await voteAll(api, cast, r1, (seat) => ({ recommendation: seat === cast.partnerAgency ? 'fund' : 'revise' }));
    const decided = await settled(api, cast, r1.id);
    expect(decided.decision!.outcome).toBe('revise');
    expect((await pilotOf(pilot.id)).stage).toBe('proposal');
    expect((await pilotOf(pilot.id)).committedCents).toBe(0);

    const r2 = await seated(api, cast, await submit(api, cast, pilot.id, 10_000_000));
    expect(r2.round).toBe(2);
    expect(r2.gate).toBe('fund');
    await voteAll(api, cast, r2, () => ({ recommendation: 'fund' }));
    expect((await settled(api, cast, r2.id)).decision!.outcome).toBe('fund');
    expect((await pilotOf(pilot.id)).stage).toBe('funded');
  });

  it('escalates a revise in the last round to the chair, who must end the gate', async () => {
    const pilot = await proposePilot(api, cast);
    const r1 = await seated(api, cast, await submit(api, cast, pilot.id, 1_000_000));
    await voteAll(api, cast, r1, () => ({ recommendation: 'revise' }));
    await settled(api, cast, r1.id);
    const r2 = await seated(api, cast, await submit(api, cast, pilot.id, 1_000_000));
    await voteAll(api, cast, r2, () => ({ recommendation: 'revise' }));
    const escalated = await settled(api, cast, r2.id);
    expect(escalated).toEqual(expect.objectContaining({ status: 'escalated', escalationReason: 'max-rounds' }));
    expectProblem(await api.http.post(`/v1/gate-reviews/${r2.id}/decision`).set(cast.chair.auth).send({ outcome: 'revise', rationale: 'once more' }), 422, 'GATE.MUST_END');
    const decided = await api.http.post(`/v1/gate-reviews/${r2.id}/decision`).set(cast.chair.auth).send({ outcome: 'abandon', rationale: 'Two rounds without a credible custody model.' });
    expect(decided.status).toBe(200);
    expect(decided.body.decision).toEqual(expect.objectContaining({ outcome: 'abandon', decidedBy: cast.chair.id }));
    expect(await pilotOf(pilot.id)).toEqual(expect.objectContaining({ stage: 'abandoned', lessonsLearned: 'Two rounds without a credible custody model.' }));
  });

  it('lets the data-protection seat veto a fund majority', async () => {
    const pilot = await proposePilot(api, cast);
    const before = await programme();
    const review = await seated(api, cast, await submit(api, cast, pilot.id, 15_000_000));
    await voteAll(api, cast, review, (seat) =>
      seat === 'data-protection'
        ? { recommendation: 'abandon', rationale: 'Biometric data of non-suspects without a legal basis; DPIA rejected.' }
        : { recommendation: 'fund' },
    );
    const decided = await settled(api, cast, review.id);
    expect(decided.decision!.outcome).toBe('abandon');
    expect(decided.tally!.reason).toBe('veto');
    expect((await pilotOf(pilot.id)).stage).toBe('abandoned');
    expect((await programme()).committedCents).toBe(before.committedCents);
  });

  it('turns a unanimous fund with low scores into revise', async () => {
    const pilot = await proposePilot(api, cast);
    const review = await seated(api, cast, await submit(api, cast, pilot.id, 5_000_000));
    await voteAll(api, cast, review, () => ({ recommendation: 'fund', scores: { excellence: 2.5, impact: 3, implementation: 3 } }));
    const decided = await settled(api, cast, review.id);
    expect(decided.decision!.outcome).toBe('revise');
    expect(decided.tally!.reason).toBe('below-threshold');
    expect((await pilotOf(pilot.id)).stage).toBe('proposal');
  });

  it('escalates at the deadline without quorum; the chair decides with a rationale', async () => {
    const reviewId = await submitUnderPolicy({ slaHours: 3 / 3600, reminderHoursBeforeDue: 1.5 / 3600 });
    const review = await seated(api, cast, reviewId);
    // One vote out of three seats: no quorum (1.0) when the deadline passes.
    const holder = cast.byId.get(review.seats.find((s) => s.seat === cast.partnerAgency)!.reviewerId!)!;
    await api.http.post(`/v1/gate-reviews/${reviewId}/votes`).set(holder.auth).send({ recommendation: 'fund', scores: GOOD, rationale: 'Sound.' });
    const escalated = await settled(api, cast, reviewId, 20000);
    expect(escalated).toEqual(expect.objectContaining({ status: 'escalated', escalationReason: 'no-quorum' }));

    const reminded = (await api.http.get('/v1/me/notifications?limit=100').set(cast.reviewerA.auth)).body.items;
    expect(reminded.some((n: { event: string; gateReviewId?: string }) => n.event === 'review.reminder' && n.gateReviewId === reviewId)).toBe(true);
    const chairInbox = (await api.http.get('/v1/me/notifications?limit=100').set(cast.chair.auth)).body.items;
    expect(chairInbox.some((n: { event: string; gateReviewId?: string }) => n.event === 'gate.escalated' && n.gateReviewId === reviewId)).toBe(true);

    expectProblem(await api.http.post(`/v1/gate-reviews/${reviewId}/decision`).set(cast.lead.auth).send({ outcome: 'fund', rationale: 'me' }), 403);
    expectProblem(await api.http.post(`/v1/gate-reviews/${reviewId}/decision`).set(cast.chair.auth).send({ outcome: 'fund' }), 400);
    expectProblem(await api.http.post(`/v1/gate-reviews/${reviewId}/decision`).set(cast.chair.auth).send({ outcome: 'accelerate', rationale: 'x' }), 400);
    const decided = await api.http
      .post(`/v1/gate-reviews/${reviewId}/decision`)
      .set(cast.chair.auth)
      .send({ outcome: 'fund', rationale: 'The partner agency’s review suffices for a EUR 20k tranche.' });
    expect(decided.status).toBe(200);
    expect(decided.body).toEqual(expect.objectContaining({ status: 'decided', decision: expect.objectContaining({ outcome: 'fund', decidedBy: cast.chair.id }) }));
    expectProblem(await api.http.post(`/v1/gate-reviews/${reviewId}/decision`).set(cast.chair.auth).send({ outcome: 'fund', rationale: 'again' }), 409, 'GATE.NOT_ESCALATED');
  });

  it('decides at the deadline over the votes cast when the quorum is met', async () => {
    const reviewId = await submitUnderPolicy({ slaHours: 3 / 3600, reminderHoursBeforeDue: 0, quorum: 0.6 });
    const review = await seated(api, cast, reviewId);
    expect(review.seats).toHaveLength(3);
    // Two of three seats (0.67 ≥ 0.6) vote fund; the lead agency's reviewer never does.
    await voteAll(api, cast, { ...review, seats: review.seats.filter((s) => s.seat !== cast.leadAgency) }, () => ({ recommendation: 'fund' }));
    expect((await getReview(api, cast, reviewId)).status).toBe('open');
    const decided = await settled(api, cast, reviewId, 20000);
    expect(decided.decision).toEqual(expect.objectContaining({ outcome: 'fund', decidedBy: 'policy' }));
    expect(decided.seats.find((s) => s.seat === cast.leadAgency)!.status).toBe('cancelled');
  });

  it('moves a declined seat to the next reviewer, then to the chair when nobody is left', async () => {
    const pilot = await proposePilot(api, cast);
    const review = await seated(api, cast, await submit(api, cast, pilot.id, 1_000_000));
    const seatA = review.seats.find((s) => s.seat === cast.leadAgency)!;
    const first = cast.byId.get(seatA.reviewerId!)!;
    const second = first.id === cast.reviewerA.id ? cast.reviewerA2 : cast.reviewerA;

    const inbox = (await api.http.get('/v1/me/assignments?status=pending').set(first.auth)).body.items;
    expect(inbox.map((a: { id: string }) => a.id)).toContain(seatA.assignmentId);

    expectProblem(await api.http.post(`/v1/assignments/${seatA.assignmentId}/decline`).set(second.auth).send({ reason: 'not mine' }), 403);
    const declined = await api.http.post(`/v1/assignments/${seatA.assignmentId}/decline`).set(first.auth).send({ reason: 'I advised the vendor in 2025.' });
    expect(declined.status).toBe(200);
    expect(declined.body.declined.status).toBe('declined');
    expect(declined.body.next).toEqual(expect.objectContaining({ seat: cast.leadAgency, reviewerId: second.id, status: 'pending' }));

    const again = await api.http.post(`/v1/assignments/${declined.body.next.id}/decline`).set(second.auth).send({ reason: 'Former colleague of the lead.' });
    expect(again.body.next).toEqual(expect.objectContaining({ reviewerId: null, status: 'unassigned' }));
    const chairInbox = await waitFor('chair notified', async () => {
      const items = (await api.http.get('/v1/me/notifications?limit=100').set(cast.chair.auth)).body.items;
      return items.some((n: { event: string; gateReviewId?: string }) => n.event === 'seat.unfilled' && n.gateReviewId === review.id) && items;
    });
    expect(chairInbox.length).toBeGreaterThan(0);

    // The chair gives the seat to a reviewer of the right agency; the lead and decliners are refused.
    const unassigned = again.body.next.id;
    expectProblem(await api.http.post(`/v1/assignments/${unassigned}/reassign`).set(cast.chair.auth).send({ reviewerId: cast.lead.id }), 422);
    expectProblem(await api.http.post(`/v1/assignments/${unassigned}/reassign`).set(cast.chair.auth).send({ reviewerId: cast.reviewerB.id }), 422);
    expectProblem(await api.http.post(`/v1/assignments/${unassigned}/reassign`).set(cast.lead.auth).send({ reviewerId: first.id }), 403);
    const reassigned = await api.http.post(`/v1/assignments/${unassigned}/reassign`).set(cast.chair.auth).send({ reviewerId: first.id });
    expect(reassigned.status).toBe(200);
    expect(reassigned.body).toEqual(expect.objectContaining({ reviewerId: first.id, status: 'pending' }));

    const now = await getReview(api, cast, review.id);
    await voteAll(api, cast, now, () => ({ recommendation: 'fund' }));
    expect((await settled(api, cast, review.id)).decision!.outcome).toBe('fund');
  });

  it('withdraws a pilot whose review has a seat nobody holds', async () => {
    // The partner agency has one reviewer: when they decline, the seat waits for the chair.
    const pilot = await proposePilot(api, cast);
    const review = await seated(api, cast, await submit(api, cast, pilot.id, 1_000_000));
    const seatB = review.seats.find((s) => s.seat === cast.partnerAgency)!;
    const declined = await api.http.post(`/v1/assignments/${seatB.assignmentId}/decline`).set(cast.reviewerB.auth).send({ reason: 'Conflict of interest.' });
    expect(declined.body.next).toEqual(expect.objectContaining({ reviewerId: null, status: 'unassigned' }));

    const res = await api.http.post(`/v1/pilots/${pilot.id}/withdrawal`).set(cast.lead.auth).send({ lessonsLearned: 'Superseded by a Commission-funded tool.' });
    expect(res.status).toBe(200);
    const after = await getReview(api, cast, review.id);
    expect(after.status).toBe('cancelled');
    expect(after.seats.every((s) => ['cancelled', 'declined'].includes(s.status))).toBe(true);
  });

  it('cancels the open review and releases committed money on withdrawal', async () => {
    const pilot = await proposePilot(api, cast);
    const fund = await seated(api, cast, await submit(api, cast, pilot.id, 12_000_000));
    await voteAll(api, cast, fund, () => ({ recommendation: 'fund' }));
    await settled(api, cast, fund.id);
    await api.http.post(`/v1/pilots/${pilot.id}/expenditures`).set(cast.lead.auth).send({ amountCents: 2_000_000, description: 'Prototype', spentOn: '2026-11-10' });
    const before = await programme();
    const test = await seated(api, cast, await submit(api, cast, pilot.id, 0));

    const res = await api.http.post(`/v1/pilots/${pilot.id}/withdrawal`).set(cast.lead.auth).send({ lessonsLearned: 'The JIT members adopted the EU e-Evidence platform instead.' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expect.objectContaining({ stage: 'abandoned', committedCents: 2_000_000, spentCents: 2_000_000 }));
    expect((await programme()).committedCents).toBe(before.committedCents - 10_000_000);
    const cancelled = await getReview(api, cast, test.id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.seats.every((s) => s.status === 'cancelled')).toBe(true);
    const holder = cast.byId.get(test.seats[0]!.reviewerId!)!;
    expectProblem(await api.http.post(`/v1/gate-reviews/${test.id}/votes`).set(holder.auth).send({ recommendation: 'test', scores: GOOD, rationale: 'late' }), 409);
  });

  it('enforces who votes, once, with a valid recommendation and scores', async () => {
    const pilot = await proposePilot(api, cast);
    const review = await seated(api, cast, await submit(api, cast, pilot.id, 1_000_000));
    const seat = review.seats.find((s) => s.seat === cast.partnerAgency)!;
    const voter = cast.byId.get(seat.reviewerId!)!;
    const url = `/v1/gate-reviews/${review.id}/votes`;

    expectProblem(await api.http.post(url).set(cast.lead.auth).send({ recommendation: 'fund', scores: GOOD, rationale: 'x' }), 403, 'REVIEW.NOT_ASSIGNED');
    expectProblem(await api.http.post(url).set(voter.auth).send({ recommendation: 'accelerate', scores: GOOD, rationale: 'x' }), 400);
    expectProblem(await api.http.post(url).set(voter.auth).send({ recommendation: 'fund', scores: { ...GOOD, impact: 4.25 }, rationale: 'x' }), 400);
    expectProblem(await api.http.post(url).set(voter.auth).send({ recommendation: 'fund', scores: { ...GOOD, impact: 6 }, rationale: 'x' }), 400);
    expectProblem(await api.http.post(url).set(voter.auth).send({ recommendation: 'fund', scores: GOOD }), 400);
    const cast201 = await api.http.post(url).set(voter.auth).send({ recommendation: 'fund', scores: { excellence: 4.5, impact: 3, implementation: 0.5 }, rationale: 'Solid.' });
    expect(cast201.status).toBe(201);
    expectProblem(await api.http.post(url).set(voter.auth).send({ recommendation: 'fund', scores: GOOD, rationale: 'Twice.' }), 409, 'VOTE.DUPLICATE');

    // Votes so far are shown to chairs and funders, not to the lead; the 201's body is the stored
    // vote (the vote is written with the commit, its id and time made before it).
    expect((await getReview(api, cast, review.id)).votes).toEqual([cast201.body]);
    expect(cast201.body).toEqual(expect.objectContaining({ seat: seat.seat, reviewerId: voter.id, scores: { excellence: 4.5, impact: 3, implementation: 0.5 }, rationale: 'Solid.' }));
    const [stored] = await api.db.query('SELECT v.id, v.created_at, a.status FROM votes v JOIN assignments a ON a.id = v.assignment_id WHERE v.gate_review_id = $1', [review.id]);
    expect({ id: stored.id, createdAt: stored.created_at.toISOString(), seat: stored.status }).toEqual({ id: cast201.body.id, createdAt: cast201.body.createdAt, seat: 'voted' });
    const asLead = await api.http.get(`/v1/gate-reviews/${review.id}`).set(cast.lead.auth);
    expect(asLead.status).toBe(200);
    expect(asLead.body.votes).toBeUndefined();

    // One open review per pilot.
    expectProblem(await api.http.post(`/v1/pilots/${pilot.id}/submissions`).set(cast.lead.auth).send(submission(1_000_000)), 409, 'GATE.REVIEW_OPEN');
    // What shapes the seats stays as the review opened with until it is decided; the text may still be polished.
    const etag = (await api.http.get(`/v1/pilots/${pilot.id}`).set(cast.lead.auth)).headers.etag!;
    for (const change of [{ partnerAgencies: [] }, { personalData: false }, { programmeId: cast.programmeId }]) {
      expectProblem(await api.http.patch(`/v1/pilots/${pilot.id}`).set(cast.lead.auth).set('If-Match', etag).send(change), 409, 'GATE.REVIEW_OPEN');
    }
    expect((await api.http.patch(`/v1/pilots/${pilot.id}`).set(cast.lead.auth).set('If-Match', etag).send({ summary: 'Polished while under review.' })).status).toBe(200);
  });

  it('removes the timers of a decided review, and runs every review job a second time as a no-op', async () => {
    const pilot = await proposePilot(api, cast);
    const review = await seated(api, cast, await submit(api, cast, pilot.id, 4_000_000));
    await voteAll(api, cast, review, () => ({ recommendation: 'fund' }));
    await settled(api, cast, review.id);
    const redis = new Redis(process.env.REDIS_URL!);
    const jobKey = (id: string) => `${process.env.QUEUE_PREFIX}:reviews:${id}`;
    try {
      const [{ timer_job_ids: timers }] = await api.db.query('SELECT timer_job_ids FROM gate_reviews WHERE id = $1', [review.id]);
      expect(timers).toHaveLength(2);
      await waitFor('reminder and deadline jobs removed', async () => (await Promise.all(timers.map((t: string) => redis.exists(jobKey(t))))).every((n) => n === 0));

      const snapshot = async () => ({
        audit: (await api.db.query('SELECT count(*)::int AS n FROM audit_events WHERE pilot_id = $1', [pilot.id]))[0].n,
        inbox: (await api.db.query('SELECT count(*)::int AS n FROM notifications WHERE gate_review_id = $1', [review.id]))[0].n,
        pilot: (await api.db.query('SELECT version, stage, committed_cents::int AS c FROM pilots WHERE id = $1', [pilot.id]))[0],
        programme: (await api.db.query('SELECT committed_cents::int AS c FROM programmes WHERE id = $1', [cast.programmeId]))[0].c,
      });
      const before = await snapshot();
      // The same jobs again, as a retry or a recovered stalled job would run them.
      const again = await api.db.query(
        `INSERT INTO outbox (job_name, payload) SELECT unnest($1::text[]), jsonb_build_object('gateReviewId', $2::text) RETURNING id`,
        [['review.open', 'review.tally', 'review.deadline', 'review.remind'], review.id],
      );
      const results = await waitFor('the repeated jobs to finish', async () => {
        const values = await Promise.all(again.map((row: { id: string }) => redis.hget(jobKey(row.id), 'returnvalue')));
        return values.every((v) => v !== null) && values;
      });
      expect(results).toEqual(['"skipped"', '"skipped"', '"skipped"', '"skipped"']);
      expect(await snapshot()).toEqual(before);
    } finally {
      redis.disconnect();
    }
  });

  it('carries the correlation id of the deciding vote into the jobs it causes, and theirs', async () => {
    const pilot = await proposePilot(api, cast, { personalData: false, dpiaRef: undefined, partnerAgencies: [] });
    const review = await seated(api, cast, await submit(api, cast, pilot.id, 1_000_000));
    const [first, last] = review.seats;
    const vote = (seat: typeof first, id: string) =>
      api.http.post(`/v1/gate-reviews/${review.id}/votes`).set(cast.byId.get(seat!.reviewerId!)!.auth).set('X-Request-Id', id).send({ recommendation: 'fund', scores: GOOD, rationale: 'Go.' });
    expect((await vote(first, `trace-first-${review.id}`)).status).toBe(201);
    expect((await vote(last, `trace-last-${review.id}`)).status).toBe(201);
    await settled(api, cast, review.id);
    const jobs = await waitFor('the decision’s follow-up jobs', async () => {
      const rows = await api.db.query(
        `SELECT job_name, payload->>'correlationId' AS correlation FROM outbox WHERE payload->>'gateReviewId' = $1 AND job_name IN ('review.tally', 'review.close-timers') ORDER BY created_at`,
        [review.id],
      );
      return rows.length >= 3 && rows;
    });
    // Each vote's request id → its tally job; whichever tally decided → the decision's timers job.
    const tallies = jobs.filter((j: { job_name: string }) => j.job_name === 'review.tally').map((j: { correlation: string }) => j.correlation);
    expect(tallies.sort()).toEqual([`trace-first-${review.id}`, `trace-last-${review.id}`].sort());
    const closer = jobs.find((j: { job_name: string }) => j.job_name === 'review.close-timers');
    expect(tallies).toContain(closer.correlation);
  });

  it('validates the evidence against the gate and the pilot', async () => {
    const pilot = await proposePilot(api, cast);
    const url = `/v1/pilots/${pilot.id}/submissions`;
    expectProblem(await api.http.post(url).set(cast.lead.auth).send({ ...submission(1), trl: 10 }), 400);
    expectProblem(await api.http.post(url).set(cast.lead.auth).send({ ...submission(1), examResults: [{ exam: 'viva', actual: 'x', passed: true }] }), 400, 'SUBMISSION.INVALID');
    expectProblem(await api.http.post(url).set(cast.lead.auth).send(submission(60_000_001)), 422, 'SUBMISSION.TRANCHE_EXCEEDS_REQUEST');
    expectProblem(await api.http.post(url).set(cast.lead.auth).send({ ...submission(1), trancheCents: 1.5 }), 400);
    expectProblem(await api.http.post(url).set(cast.reviewerA.auth).send(submission(1)), 403);
    const [{ n }] = await api.db.query('SELECT count(*)::int AS n FROM gate_reviews WHERE pilot_id = $1', [pilot.id]);
    expect(n).toBe(0);
  });
});
