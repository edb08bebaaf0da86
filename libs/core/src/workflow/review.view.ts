import type { Gate, GatePolicy, Outcome, TallyResult } from '@labgate/domain';

export type ReviewStatus = 'open' | 'escalated' | 'decided' | 'cancelled';
export type AssignmentStatus = 'unassigned' | 'pending' | 'voted' | 'declined' | 'cancelled';

export interface Evidence {
  trl: number;
  examResults: Array<{ exam: string; actual: string; passed: boolean }>;
  report: string;
  trancheCents: number;
}

export interface ReviewRow {
  id: string;
  pilot_id: string;
  gate: Gate;
  round: number;
  status: ReviewStatus;
  policy: GatePolicy;
  evidence: Evidence;
  tranche_cents: string;
  submitted_by: string;
  opened_at: Date;
  due_at: Date;
  seats_assigned_at: Date | null;
  timer_job_ids: string[];
  tally: TallyResult | null;
  escalation_reason: string | null;
  escalated_at: Date | null;
  decision_outcome: Outcome | null;
  decision_rationale: string | null;
  decided_by: string | null;
  decided_at: Date | null;
}

export interface SeatRow {
  id: string;
  seat: string;
  reviewer_id: string | null;
  status: AssignmentStatus;
  due_at: Date;
}

export interface VoteRow {
  id: string;
  seat: string;
  reviewer_id: string;
  recommendation: Outcome;
  excellence: string;
  impact: string;
  implementation: string;
  rationale: string;
  created_at: Date;
}

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

export function toReviewView(r: ReviewRow, seats: SeatRow[], votes: VoteRow[] | undefined): GateReviewView {
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
    ...(r.tally ? { tally: r.tally } : {}),
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

export interface AssignmentRow {
  id: string;
  gate_review_id: string;
  pilot_id: string;
  seat: string;
  reviewer_id: string | null;
  status: AssignmentStatus;
  due_at: Date;
  created_at: Date;
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

