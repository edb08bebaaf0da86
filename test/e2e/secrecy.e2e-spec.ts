import { canonicalJson, sha256Hex } from '@labgate/domain';
import { startApi, TestApi } from './support/api';
import { createUser, TestUser } from './support/fixtures';
import { Cast, createAgency, createCast, GOOD, proposePilot, seated, settled, submit, voteAll, waitFor } from './support/workflow';

/**
 * DESIGN §5: votes are secret until the review is decided. Before, a vote's recommendation,
 * scores and rationale reach only its author and the chairs, on every route that could show
 * them (review, audit chain, inboxes), and the running tally, which sums them, only the chairs;
 * after, everyone who may see the pilot reads them.
 */
describe('secret votes', () => {
  let api: TestApi;
  let cast: Cast;
  let outsider: TestUser;

  beforeAll(async () => {
    api = await startApi();
    cast = await createCast(api);
    outsider = await createUser(api, await createAgency(api, 'O'), ['lead', 'reviewer'], 'Uninvolved user');
  });
  afterAll(() => api.close());

  const SECRET = 'FUNDER-SECRET: the envelope is better spent elsewhere';

  it("hides a cast vote from the seated reviewer who has not voted, the lead and an outsider until the decision, then shows it", async () => {
    const pilot = await proposePilot(api, cast, { sensitivity: 'public' });
    const review = await seated(api, cast, await submit(api, cast, pilot.id, 1_000_000));
    const funding = review.seats.find((s) => s.seat === 'funding')!;
    expect(funding.reviewerId).toBe(cast.funder.id);
    const vote = { recommendation: 'abandon', scores: { excellence: 1, impact: 1.5, implementation: 2 }, rationale: SECRET };
    expect((await api.http.post(`/v1/gate-reviews/${review.id}/votes`).set(cast.funder.auth).send(vote)).status).toBe(201);

    // The tally job has run over that one vote: its counts and means are the vote itself.
    await waitFor('the running tally', async () => (await api.http.get(`/v1/gate-reviews/${review.id}`).set(cast.chair.auth)).body.tally?.votesCast === 1);

    const partnerSeat = review.seats.find((s) => s.seat === cast.partnerAgency)!;
    const notYetVoted = cast.byId.get(partnerSeat.reviewerId!)!;
    const readers = { 'seated reviewer who has not voted': notYetVoted, lead: cast.lead, 'uninvolved user of a public pilot': outsider };
    for (const [who, user] of Object.entries(readers)) {
      const seen = [
        await api.http.get(`/v1/gate-reviews/${review.id}`).set(user.auth),
        await api.http.get(`/v1/pilots/${pilot.id}/audit?limit=100`).set(user.auth),
        await api.http.get('/v1/me/notifications?limit=100').set(user.auth),
        await api.http.get('/v1/me/assignments?limit=100').set(user.auth),
        await api.http.get(`/v1/pilots/${pilot.id}/gate-reviews`).set(user.auth),
      ];
      for (const res of seen) {
        expect([who, res.status]).toEqual([who, 200]);
        expect([who, JSON.stringify(res.body)]).toEqual([who, expect.not.stringContaining('FUNDER-SECRET')]);
      }
      expect([who, seen[0]!.body.votes]).toEqual([who, undefined]);
      expect([who, seen[0]!.body.tally, seen[4]!.body.items[0].tally]).toEqual([who, undefined, undefined]);
      // Which seats voted is public: the funding seat shows as voted.
      expect(seen[0]!.body.seats.find((s: { seat: string }) => s.seat === 'funding').status).toBe('voted');
    }

    // The author sees their own vote; the chair sees every vote.
    const asFunder = (await api.http.get(`/v1/gate-reviews/${review.id}`).set(cast.funder.auth)).body;
    expect(asFunder.votes).toEqual([expect.objectContaining({ seat: 'funding', rationale: SECRET, recommendation: 'abandon' })]);
    expect((await api.http.get(`/v1/gate-reviews/${review.id}`).set(cast.chair.auth)).body.votes).toHaveLength(1);
    // The running tally is the chairs' alone, even for the vote's author.
    expect(asFunder.tally).toBeUndefined();
    expect((await api.http.get(`/v1/gate-reviews/${review.id}`).set(cast.chair.auth)).body.tally).toEqual(
      expect.objectContaining({ votesCast: 1, counts: expect.objectContaining({ abandon: 1 }) }),
    );

    // The chain holds the seat and the hash of the content, so the vote can be proven later.
    const audit = (await api.http.get(`/v1/pilots/${pilot.id}/audit?limit=100`).set(cast.lead.auth)).body.items;
    const cast_ = audit.find((e: { action: string }) => e.action === 'vote.cast');
    expect(cast_.payload).toEqual({ gateReviewId: review.id, seat: 'funding', contentHash: sha256Hex(canonicalJson(vote)) });

    await voteAll(api, cast, { ...review, seats: review.seats.filter((s) => s.seat !== 'funding') }, () => ({ recommendation: 'fund', scores: GOOD }));
    const decided = await settled(api, cast, review.id);
    expect(decided.decision!.outcome).toBe('abandon');

    for (const [who, user] of Object.entries(readers)) {
      const body = (await api.http.get(`/v1/gate-reviews/${review.id}`).set(user.auth)).body;
      expect([who, body.votes.length]).toEqual([who, review.seats.length]);
      expect([who, body.votes.find((v: { seat: string }) => v.seat === 'funding').rationale]).toEqual([who, SECRET]);
      expect([who, body.tally?.votesCast]).toEqual([who, review.seats.length]);
    }
    expect((await api.http.get(`/v1/pilots/${pilot.id}/audit/verify`).set(outsider.auth)).body).toEqual({ valid: true, events: expect.any(Number) });
  });
});
