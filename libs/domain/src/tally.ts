import { canonicalJson, sha256Hex } from './audit';
import { DomainError, FieldProblem } from './errors';
import { GatePolicy, MAX_SCORE } from './policy';
import { Gate, Outcome, allowedOutcomes, isLastRound, isOutcomeAllowed } from './stages';

export const CRITERIA = ['excellence', 'impact', 'implementation'] as const;
export type Criterion = (typeof CRITERIA)[number];

export interface Scores {
  excellence: number;
  impact: number;
  implementation: number;
}

export interface CastVote {
  seat: string;
  recommendation: Outcome;
  scores: Scores;
}

export interface TallyInput {
  gate: Gate;
  policy: GatePolicy;
  seats: string[];
  votes: CastVote[];
  round: number;
  atDeadline: boolean;
  /** Exams the submission reports as failed: a go over them is the chair's to give. */
  failedExams?: readonly string[];
}

export type TallyStatus = 'pending' | 'decided' | 'escalated';

export const TALLY_REASONS = [
  'awaiting-votes',
  'veto',
  'majority',
  'unanimous',
  'tie',
  'below-threshold',
  'max-rounds',
  'no-quorum',
  'failed-exam',
] as const;
export type TallyReason = (typeof TALLY_REASONS)[number];

export type MeanScores = Scores & { total: number };

export interface TallyResult {
  status: TallyStatus;
  /** Set only when decided: an escalated review's outcome is the chair's to choose. */
  outcome?: Outcome;
  reason: TallyReason;
  votesCast: number;
  seatCount: number;
  quorumMet: boolean;
  counts: Record<string, number>;
  means: MeanScores | null;
}

// Means of half-point scores are divided floats; without slack a 3.0 mean of thirds
// could miss a threshold of 3 by one ulp.
const EPSILON = 1e-9;

export function isGo(gate: Gate, outcome: Outcome): boolean {
  return outcome === gate;
}

function scoreProblems(scores: unknown, prefix: string): FieldProblem[] {
  if (scores === null || typeof scores !== 'object') {
    return [{ field: prefix, message: 'must be an object with excellence, impact and implementation' }];
  }
  const problems: FieldProblem[] = [];
  for (const criterion of CRITERIA) {
    const value = (scores as Record<string, unknown>)[criterion];
    const valid =
      typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_SCORE && Number.isInteger(value * 2);
    if (!valid) {
      problems.push({ field: `${prefix}.${criterion}`, message: `must be from 0 to ${MAX_SCORE} in steps of 0.5` });
    }
  }
  return problems;
}

/** Scores are half points from 0 to 5, as on Horizon Europe evaluation forms. */
export function validateScores(scores: Scores): void {
  const problems = scoreProblems(scores, 'scores');
  if (problems.length > 0) throw new DomainError('TALLY.INVALID', 'Scores are invalid', problems);
}

function validateTallyInput(input: TallyInput): void {
  const problems: FieldProblem[] = [];
  if (input.seats.length === 0) {
    problems.push({ field: 'seats', message: 'a review needs at least one seat' });
  }
  const seatSet = new Set<string>();
  input.seats.forEach((seat, index) => {
    if (seatSet.has(seat)) problems.push({ field: `seats[${index}]`, message: `duplicates seat ${seat}` });
    seatSet.add(seat);
  });
  if (!Number.isInteger(input.round) || input.round < 1) {
    problems.push({ field: 'round', message: 'must be an integer of at least 1' });
  }
  const voted = new Set<string>();
  input.votes.forEach((vote, index) => {
    const prefix = `votes[${index}]`;
    if (!seatSet.has(vote.seat)) {
      problems.push({ field: `${prefix}.seat`, message: `unknown seat ${String(vote.seat)}` });
    } else if (voted.has(vote.seat)) {
      problems.push({ field: `${prefix}.seat`, message: `seat ${vote.seat} has already voted` });
    }
    voted.add(vote.seat);
    if (!isOutcomeAllowed(input.gate, vote.recommendation)) {
      problems.push({
        field: `${prefix}.recommendation`,
        message: `must be one of ${allowedOutcomes(input.gate).join(', ')}`,
      });
    }
    problems.push(...scoreProblems(vote.scores, `${prefix}.scores`));
  });
  if (problems.length > 0) throw new DomainError('TALLY.INVALID', 'Tally input is invalid', problems);
}

function meanScores(votes: CastVote[]): MeanScores | null {
  if (votes.length === 0) return null;
  const sum = { excellence: 0, impact: 0, implementation: 0 };
  for (const vote of votes) {
    for (const criterion of CRITERIA) sum[criterion] += vote.scores[criterion];
  }
  const n = votes.length;
  return {
    excellence: sum.excellence / n,
    impact: sum.impact / n,
    implementation: sum.implementation / n,
    total: (sum.excellence + sum.impact + sum.implementation) / n,
  };
}

function meetsThresholds(means: MeanScores, policy: GatePolicy): boolean {
  const { thresholds } = policy;
  return (
    means.excellence + EPSILON >= thresholds.excellence &&
    means.impact + EPSILON >= thresholds.impact &&
    means.implementation + EPSILON >= thresholds.implementation &&
    means.total + EPSILON >= thresholds.total
  );
}

interface Verdict {
  outcome: Outcome;
  reason: TallyReason;
}

function vetoVerdict(input: TallyInput): Verdict | null {
  const vetoes = input.votes.filter(
    (vote) => input.policy.vetoSeats.includes(vote.seat) && !isGo(input.gate, vote.recommendation),
  );
  if (vetoes.length === 0) return null;
  // Abandon is the stronger objection: a veto holder who wants it stopped outranks one who
  // only wants changes.
  const outcome = vetoes.some((vote) => vote.recommendation === 'abandon') ? 'abandon' : 'revise';
  return { outcome, reason: 'veto' };
}

function majorityVerdict(counts: Record<string, number>): Verdict {
  let best = -1;
  let leaders: Outcome[] = [];
  for (const [outcome, count] of Object.entries(counts) as Array<[Outcome, number]>) {
    if (count > best) {
      best = count;
      leaders = [outcome];
    } else if (count === best) {
      leaders.push(outcome);
    }
  }
  if (leaders.length > 1) return { outcome: 'revise', reason: 'tie' };
  return { outcome: leaders[0], reason: 'majority' };
}

function unanimousVerdict(gate: Gate, counts: Record<string, number>, votesCast: number): Verdict {
  if (counts[gate] === votesCast) return { outcome: gate, reason: 'unanimous' };
  const outcome = counts.abandon > counts.revise ? 'abandon' : 'revise';
  return { outcome, reason: 'unanimous' };
}

/**
 * Pure and order-independent, so the worker can re-run it after every vote and at the
 * deadline and always reach the same answer from the same votes.
 */
export function tally(input: TallyInput): TallyResult {
  validateTallyInput(input);
  const { gate, policy, seats, votes } = input;

  const counts: Record<string, number> = {};
  for (const outcome of allowedOutcomes(gate)) counts[outcome] = 0;
  for (const vote of votes) counts[vote.recommendation] += 1;

  const votesCast = votes.length;
  const seatCount = seats.length;
  const allVoted = votesCast === seatCount;
  // Zero votes never make a quorum, however small the share a policy asks for.
  const quorumMet = votesCast > 0 && (allVoted || votesCast + EPSILON >= policy.quorum * seatCount);
  const means = meanScores(votes);
  const base = { votesCast, seatCount, quorumMet, counts, means };

  if (!allVoted && !input.atDeadline) return { ...base, status: 'pending', reason: 'awaiting-votes' };
  if (!quorumMet) return { ...base, status: 'escalated', reason: 'no-quorum' };

  let verdict =
    vetoVerdict(input) ??
    (policy.rule === 'unanimous' ? unanimousVerdict(gate, counts, votesCast) : majorityVerdict(counts));

  if (isGo(gate, verdict.outcome) && means !== null && !meetsThresholds(means, policy)) {
    verdict = { outcome: 'revise', reason: 'below-threshold' };
  }

  // The exams were pre-registered and locked: going on past a failed one needs the chair.
  if (isGo(gate, verdict.outcome) && (input.failedExams?.length ?? 0) > 0) {
    return { ...base, status: 'escalated', reason: 'failed-exam' };
  }
  // Past the last round another revise would loop forever; a person has to say go or stop.
  if (verdict.outcome === 'revise' && isLastRound(input.round, policy.maxRounds)) {
    return { ...base, status: 'escalated', reason: 'max-rounds' };
  }
  return { ...base, status: 'decided', outcome: verdict.outcome, reason: verdict.reason };
}

/** What a reviewer said: secret until the review is decided. */
export interface VoteContent {
  recommendation: Outcome;
  scores: Scores;
  rationale: string;
}

/**
 * The audit chain records a vote as its seat and this hash, so the chain verifies (and a vote
 * can later be proven against it) without revealing the vote to those who may read the chain.
 */
export function voteContentHash(vote: VoteContent): string {
  return sha256Hex(canonicalJson({ recommendation: vote.recommendation, scores: vote.scores, rationale: vote.rationale }));
}

/** Before the decision a vote is seen by its author and chairs only; after it, by every reader of the review. */
export function canSeeVote(viewer: { id: string; roles: readonly string[] }, vote: { reviewerId: string }, reviewDecided: boolean): boolean {
  return reviewDecided || viewer.roles.includes('chair') || vote.reviewerId === viewer.id;
}
