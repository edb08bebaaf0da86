import { ok } from '@labgate/client';
import { FUNDING_SEAT, type Role } from '@labgate/domain';
import { ApiClient, BenchUser, createAgency, createProgramme, createUser, mapLimit, pilotBody, submissionBody, voteBody } from './api';
import type { PreparedRequest } from './load';
import { sleep } from '../support/processes';
import type { BenchStack } from './stack';

/** Enough parallel set-up requests to be quick without turning set-up into a load test of its own. */
const SETUP_CONCURRENCY = 8;
const TRANCHE_CENTS = 1_000_000;

/**
 * How many people share the load: real traffic comes from many callers, and per-caller state
 * (the token cache; the rate limiter when it is on) should look like it does in production.
 */
export const LEADS = 256;
export const REVIEWERS = 64;
export const FUNDERS = 64;

/** The bench's people, in an agency of their own so seat assignment only ever picks them. */
export interface Cast {
  agency: string;
  /** Leads of the bench agency: they propose, submit and read (a `limited` pilot is visible to its agency). */
  leads: BenchUser[];
  reviewers: BenchUser[];
  /** One programme per funder, so the funding seats (the owner's first) are spread over all funders. */
  programmes: Array<{ id: string; owner: BenchUser }>;
  byId: Map<string, BenchUser>;
}

export async function createCast(api: ApiClient): Promise<Cast> {
  const agency = await createAgency(api, 'BENCH');
  const people = (count: number, agencyCode: string, role: Role, name: string) =>
    mapLimit(Array.from({ length: count }, (_, i) => i), SETUP_CONCURRENCY, (i) => createUser(api, agencyCode, [role], `Benchmark ${name} ${i + 1}`));
  const leads = await people(LEADS, agency, 'lead', 'project lead');
  const reviewers = await people(REVIEWERS, agency, 'reviewer', 'reviewer');
  const funders = await people(FUNDERS, 'DGHOME', 'funder', 'funder');
  // Every fund decision commits a tranche; each envelope must outlast thousands of them.
  const programmes = await mapLimit(funders, SETUP_CONCURRENCY, async (owner) => ({ id: await createProgramme(api, owner, 1_000_000_000_000), owner }));
  const byId = new Map([...leads, ...reviewers, ...funders].map((u) => [u.id, u]));
  return { agency, leads, reviewers, programmes, byId };
}

export const bearer = (user: BenchUser): Record<string, string> => ({ authorization: `Bearer ${user.token}` });

/** The same GET made by each lead in turn. */
export function readRequests(cast: Cast, path: string): PreparedRequest[] {
  return cast.leads.map((lead) => ({ method: 'GET', path, headers: bearer(lead) }));
}

/** The programme of the i-th proposal: round robin, so decisions spread over every envelope and funder. */
const programmeFor = (cast: Cast, i: number): string => cast.programmes[i % cast.programmes.length]!.id;

/** One proposal per lead. */
export function createPilotRequests(cast: Cast): PreparedRequest[] {
  return cast.leads.map((lead, i) => ({
    method: 'POST',
    path: '/v1/pilots',
    headers: { ...bearer(lead), 'content-type': 'application/json' },
    body: JSON.stringify(pilotBody(programmeFor(cast, i))),
  }));
}

export interface ProposedPilot {
  id: string;
  leadId: string;
}

export async function proposePilots(api: ApiClient, cast: Cast, count: number): Promise<ProposedPilot[]> {
  return mapLimit(Array.from({ length: count }, (_, i) => i), SETUP_CONCURRENCY, async (i) => {
    const lead = cast.leads[i % cast.leads.length]!;
    const pilot = await ok(api.as(lead.token).POST('/v1/pilots', { body: pilotBody(programmeFor(cast, i)) }), 'propose pilot');
    return { id: pilot.id, leadId: lead.id };
  });
}

export interface SeatedReview {
  id: string;
  /** The lead agency's seat first, then `funding`. */
  seats: Array<{ seat: string; holder: BenchUser }>;
}

/**
 * Submits each pilot to the fund gate and waits until the worker has filled both seats of every
 * review. Seat holders are read from the assignments table (what GET /v1/gate-reviews/:id shows
 * a chair), in one query rather than thousands of requests.
 */
export async function openReviews(api: ApiClient, stack: BenchStack, cast: Cast, pilots: ProposedPilot[]): Promise<SeatedReview[]> {
  const ids = await mapLimit(pilots, SETUP_CONCURRENCY, async (pilot) => {
    const lead = cast.byId.get(pilot.leadId);
    if (!lead) throw new Error(`pilot ${pilot.id} has a lead outside the bench's cast`);
    const res = await ok(api.as(lead.token).POST('/v1/pilots/{id}/submissions', { params: { path: { id: pilot.id } }, body: submissionBody(TRANCHE_CENTS) }), 'submit');
    return res.gateReviewId;
  });

  const deadline = Date.now() + 120_000 + 50 * ids.length;
  for (;;) {
    const [{ waiting }] = await stack.query<{ waiting: number }>(
      'SELECT count(*)::int AS waiting FROM gate_reviews WHERE id = ANY($1::uuid[]) AND seats_assigned_at IS NULL',
      [ids],
    );
    if (waiting === 0) break;
    if (Date.now() > deadline) throw new Error(`the worker left ${waiting} of ${ids.length} reviews without seats`);
    await sleep(200);
  }

  const rows = await stack.query<{ gate_review_id: string; seat: string; reviewer_id: string | null }>(
    `SELECT gate_review_id, seat, reviewer_id FROM assignments WHERE gate_review_id = ANY($1::uuid[]) AND status = 'pending'`,
    [ids],
  );
  const byReview = new Map<string, SeatedReview>(ids.map((id) => [id, { id, seats: [] }]));
  for (const row of rows) {
    const holder = row.reviewer_id ? cast.byId.get(row.reviewer_id) : undefined;
    if (!holder) throw new Error(`seat ${row.seat} of review ${row.gate_review_id} went to ${row.reviewer_id}, who is not in the bench's cast`);
    byReview.get(row.gate_review_id)!.seats.push({ seat: row.seat, holder });
  }
  const reviews = [...byReview.values()];
  for (const review of reviews) {
    review.seats.sort((a, b) => Number(a.seat === FUNDING_SEAT) - Number(b.seat === FUNDING_SEAT));
    const names = review.seats.map((s) => s.seat).join(', ');
    if (names !== `${cast.agency}, ${FUNDING_SEAT}`) throw new Error(`review ${review.id} has seats [${names}], expected [${cast.agency}, ${FUNDING_SEAT}]`);
  }
  return reviews;
}

export function voteRequest(reviewId: string, seat: SeatedReview['seats'][number]): PreparedRequest {
  return {
    method: 'POST',
    path: `/v1/gate-reviews/${reviewId}/votes`,
    headers: { ...bearer(seat.holder), 'content-type': 'application/json' },
    body: JSON.stringify(voteBody(seat.seat)),
  };
}

/**
 * One vote per (review, seat holder), every review's first seat before any second seat, so that
 * concurrent requests almost never wait on the same review's row lock.
 */
export function voteSequence(reviews: SeatedReview[]): PreparedRequest[] {
  const seatCount = Math.max(...reviews.map((r) => r.seats.length));
  const sequence: PreparedRequest[] = [];
  for (let s = 0; s < seatCount; s++) {
    for (const review of reviews) {
      const seat = review.seats[s];
      if (seat) sequence.push(voteRequest(review.id, seat));
    }
  }
  return sequence;
}

/** Sends a prepared request outside the load generator (for the paced queue measurement). */
export async function send(url: string, request: PreparedRequest): Promise<number> {
  const res = await fetch(`${url}${request.path}`, { method: request.method, headers: request.headers, body: request.body });
  await res.arrayBuffer();
  return res.status;
}
