import type { Gate, GatePolicy, Outcome, TallyResult } from '@labgate/domain';
import type { AssignmentRow, AssignmentStatus, Evidence, ReviewRow, ReviewStatus, SeatRow, VoteRow } from '@labgate/persistence';

export type { AssignmentStatus, Evidence, ReviewStatus };

export interface VoteView {
  id: string;
  seat: string;
  reviewerId: string;
  recommendation: Outcome;
  scores: { excellence: number; impact: number; implementation: number };
  rationale: string;
  createdAt: string;
}

export interface GateReviewView {
  id: string;
  pilotId: string;
  gate: Gate;
  round: number;
  status: ReviewStatus;
  openedAt: string;
  dueAt: string;
  policy: GatePolicy;
  evidence: Evidence;
  seats: Array<{ seat: string; assignmentId: string; reviewerId: string | null; status: AssignmentStatus }>;
  votes?: VoteView[];
  tally?: TallyResult;
  escalationReason?: string;
  decision?: { outcome: Outcome; rationale: string; decidedBy: string; decidedAt: string };
}

export function toVoteView(v: VoteRow): VoteView {
  return {
    id: v.id,
    seat: v.seat,
    reviewerId: v.reviewer_id,
    recommendation: v.recommendation,
    scores: { excellence: Number(v.excellence), impact: Number(v.impact), implementation: Number(v.implementation) },
    rationale: v.rationale,
    createdAt: v.created_at.toISOString(),
  };
}

/** `votes` and the tally only as far as the viewer may see them (ReviewsService.get decides). */
export function toReviewView(r: ReviewRow, seats: SeatRow[], votes: VoteRow[] | undefined, showTally: boolean): GateReviewView {
  return {
    id: r.id,
    pilotId: r.pilot_id,
    gate: r.gate,
    round: r.round,
    status: r.status,
    openedAt: r.opened_at.toISOString(),
    dueAt: r.due_at.toISOString(),
    policy: r.policy,
    evidence: r.evidence,
    seats: seats.map((s) => ({ seat: s.seat, assignmentId: s.id, reviewerId: s.reviewer_id, status: s.status })),
    ...(votes ? { votes: votes.map(toVoteView) } : {}),
    ...(r.tally && showTally ? { tally: r.tally } : {}),
    ...(r.escalation_reason ? { escalationReason: r.escalation_reason } : {}),
    ...(r.decision_outcome && r.decided_at
      ? { decision: { outcome: r.decision_outcome, rationale: r.decision_rationale ?? '', decidedBy: r.decided_by ?? 'policy', decidedAt: r.decided_at.toISOString() } }
      : {}),
  };
}

export interface AssignmentView {
  id: string;
  gateReviewId: string;
  pilotId: string;
  seat: string;
  reviewerId: string | null;
  status: AssignmentStatus;
  dueAt: string;
  createdAt: string;
}


export const toAssignmentView = (a: AssignmentRow): AssignmentView => ({
  id: a.id,
  gateReviewId: a.gate_review_id,
  pilotId: a.pilot_id,
  seat: a.seat,
  reviewerId: a.reviewer_id,
  status: a.status,
  dueAt: a.due_at.toISOString(),
  createdAt: a.created_at.toISOString(),
});

