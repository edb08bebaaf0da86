import { randomBytes } from 'node:crypto';
import { submissionBody } from '../../support/bodies';
import type { TestApi } from './api';
import { client, createProgramme, createUser, ok, pilotBody, TestUser, type Schemas } from './fixtures';

/**
 * A fresh pair of agencies per cast, so seat assignment (least pending load among an agency's
 * reviewers) only ever sees this test's people.
 */
export interface Cast {
  leadAgency: string;
  partnerAgency: string;
  lead: TestUser;
  reviewerA: TestUser;
  reviewerA2: TestUser;
  reviewerB: TestUser;
  dpo: TestUser;
  funder: TestUser;
  chair: TestUser;
  programmeId: string;
  byId: Map<string, TestUser>;
}

export async function createAgency(api: TestApi, prefix: string): Promise<string> {
  const code = `${prefix}${randomBytes(3).toString('hex').toUpperCase()}`.replace(/^[^A-Z]/, 'X').slice(0, 16);
  await ok(client(api, api.adminToken).POST('/v1/agencies', { body: { code, name: `Test agency ${code}` } }), 'createAgency');
  return code;
}

export async function createCast(api: TestApi, envelopeCents = 1_000_000_000): Promise<Cast> {
  const leadAgency = await createAgency(api, 'L');
  const partnerAgency = await createAgency(api, 'P');
  const cast = {
    leadAgency,
    partnerAgency,
    lead: await createUser(api, leadAgency, ['lead'], 'Project lead'),
    reviewerA: await createUser(api, leadAgency, ['reviewer'], 'Reviewer A'),
    reviewerA2: await createUser(api, leadAgency, ['reviewer'], 'Reviewer A2'),
    reviewerB: await createUser(api, partnerAgency, ['reviewer'], 'Reviewer B'),
    dpo: await createUser(api, leadAgency, ['dpo'], 'Data protection officer'),
    funder: await createUser(api, 'DGHOME', ['funder'], 'Funder'),
    chair: await createUser(api, 'EUROPOL', ['chair'], 'Lab chair'),
  };
  const programmeId = await createProgramme(api, cast.funder, envelopeCents);
  const byId = new Map<string, TestUser>(Object.values(cast).filter((v): v is TestUser => typeof v === 'object').map((u) => [u.id, u]));
  return { ...cast, programmeId, byId };
}

export async function proposePilot(api: TestApi, cast: Cast, overrides: Record<string, unknown> = {}): Promise<{ id: string; code: string }> {
  const body = pilotBody(cast.programmeId, { partnerAgencies: [cast.partnerAgency], budgetRequestedCents: 60_000_000, ...overrides }) as Schemas['CreatePilotRequestDto'];
  return ok(client(api, cast.lead.token).POST('/v1/pilots', { body }), 'proposePilot');
}

export const submission = submissionBody;

export async function submit(api: TestApi, cast: Cast, pilotId: string, trancheCents: number, trl = 5): Promise<string> {
  const body = submission(trancheCents, trl) as Schemas['SubmissionRequestDto'];
  return (await ok(client(api, cast.lead.token).POST('/v1/pilots/{id}/submissions', { params: { path: { id: pilotId } }, body }), 'submit')).gateReviewId;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 15000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface ReviewBody {
  id: string;
  status: string;
  gate: string;
  round: number;
  seats: Array<{ seat: string; assignmentId: string; reviewerId: string | null; status: string }>;
  decision?: { outcome: string; rationale: string; decidedBy: string; decidedAt: string };
  escalationReason?: string;
  tally?: { reason: string };
  votes?: unknown[];
}

export async function getReview(api: TestApi, cast: Cast, id: string): Promise<ReviewBody> {
  return (await ok(client(api, cast.chair.token).GET('/v1/gate-reviews/{id}', { params: { path: { id } } }), 'getReview')) as ReviewBody;
}

/** Waits until the worker has given every seat that can be filled to someone. */
export async function seated(api: TestApi, cast: Cast, id: string): Promise<ReviewBody> {
  return waitFor(`seats of ${id}`, async () => {
    const review = await getReview(api, cast, id);
    return review.seats.every((s) => s.status !== 'unassigned' || s.reviewerId === null) && review.seats.some((s) => s.status === 'pending') && review;
  });
}

export async function settled(api: TestApi, cast: Cast, id: string, timeoutMs?: number): Promise<ReviewBody> {
  return waitFor(`decision of ${id}`, async () => {
    const review = await getReview(api, cast, id);
    return ['decided', 'escalated', 'cancelled'].includes(review.status) && review;
  }, timeoutMs);
}

export type Vote = { recommendation: string; scores?: { excellence: number; impact: number; implementation: number }; rationale?: string };

export const GOOD = { excellence: 4, impact: 4.5, implementation: 4 };

/** Every seat holder votes as `votes(seat)` says. */
export async function voteAll(api: TestApi, cast: Cast, review: ReviewBody, votes: (seat: string) => Vote): Promise<void> {
  for (const seat of review.seats.filter((s) => s.status === 'pending')) {
    const voter = cast.byId.get(seat.reviewerId!);
    if (!voter) throw new Error(`seat ${seat.seat} went to ${seat.reviewerId}, who is not in this cast`);
    const v = votes(seat.seat);
    const res = await api.http
      .post(`/v1/gate-reviews/${review.id}/votes`)
      .set(voter.auth)
      .send({ recommendation: v.recommendation, scores: v.scores ?? GOOD, rationale: v.rationale ?? `Seat ${seat.seat}: ${v.recommendation}.` });
    if (res.status !== 201) throw new Error(`vote on ${seat.seat}: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

export async function setPolicy(api: TestApi, chair: TestUser, gate: string, changes: Record<string, unknown>): Promise<Record<string, unknown>> {
  const current = (await api.http.get(`/v1/gate-policies/${gate}`).set(chair.auth)).body;
  const { gate: _g, updatedAt: _u, updatedBy: _b, ...policy } = current;
  const res = await api.http.put(`/v1/gate-policies/${gate}`).set(chair.auth).send({ ...policy, ...changes });
  if (res.status !== 200) throw new Error(`setPolicy: ${res.status} ${JSON.stringify(res.body)}`);
  return policy;
}
