import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import {
  gateForStage,
  isOutcomeAllowed,
  Outcome,
  Scores,
  seatsFor,
  validateScores,
  validateSubmission,
} from '@labgate/domain';
import { JobName } from '@labgate/queue';
import { AuditService } from '../audit/audit.service';
import { AppError } from '../common/app-error';
import { decodeCursor, keysetCondition, Page, pageSize, toPage } from '../common/pagination';
import { hasRole, Principal } from '../common/principal';
import { PilotsService, requireLead, wrongState } from '../pilots/pilots.service';
import { pilotVisibilitySql } from '../pilots/pilot-visibility';
import { DecisionService, LockedReview } from './decision.service';
import { OutboxService } from './outbox.service';
import {
  AssignmentRow,
  AssignmentStatus,
  AssignmentView,
  Evidence,
  GateReviewView,
  ReviewRow,
  SeatRow,
  toAssignmentView,
  toReviewView,
  toVoteView,
  VoteRow,
  VoteView,
} from './review.view';

export interface SubmissionInput {
  trancheCents: number;
  trl: number;
  examResults: Array<{ exam: string; actual: string; passed: boolean }>;
  report: string;
}

const HOUR_MS = 3_600_000;

/** The review workflow's commands and queries as the API runs them (the worker runs the rest). */
@Injectable()
export class ReviewsService {
  constructor(
    private readonly db: DataSource,
    private readonly pilots: PilotsService,
    private readonly decisions: DecisionService,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
  ) {}

  /**
   * The lead submits the pilot to its stage's gate: evidence checked against the gate, the gate
   * policy snapshotted, the review opened with one seat per DESIGN rule; seat assignment,
   * notifications and timers follow on the queue.
   */
  async submit(lead: Principal, pilotId: string, input: SubmissionInput): Promise<{ gateReviewId: string; gate: string; round: number; status: 'open' }> {
    return this.db.transaction(async (tx) => {
      const pilot = await this.pilots.findVisible(tx, lead, pilotId, true);
      requireLead(pilot, lead);
      if (pilot.stage === 'abandoned') throw wrongState(pilot, 'submitted to a gate');
      const gate = gateForStage(pilot.stage);
      if (!gate) throw new AppError('PILOT.WRONG_STATE', `${pilot.code} is ${pilot.stage}: no gate is left to pass`);
      const open: unknown[] = await tx.query(`SELECT 1 FROM gate_reviews WHERE pilot_id = $1 AND status IN ('open', 'escalated')`, [pilot.id]);
      if (open.length > 0) throw new AppError('GATE.REVIEW_OPEN', `${pilot.code} already has a gate review under way`);

      const remaining = Math.max(Number(pilot.budget_requested_cents) - Number(pilot.committed_cents), 0);
      if (input.trancheCents > remaining) {
        throw new AppError('SUBMISSION.TRANCHE_EXCEEDS_REQUEST', `The tranche exceeds what is left of the requested budget (${remaining} cents)`, [
          { field: 'trancheCents', message: `must be at most ${remaining}` },
        ]);
      }
      validateSubmission({
        stage: pilot.stage,
        trl: input.trl,
        examResults: input.examResults,
        examNames: pilot.heilmeier.exams.map((e) => e.name),
        trancheCents: input.trancheCents,
        budgetRequestedCents: Number(pilot.budget_requested_cents),
        committedCents: Number(pilot.committed_cents),
        report: input.report,
      });

      const [{ policy }]: Array<{ policy: ReviewRow['policy'] }> = await tx.query('SELECT policy FROM gate_policies WHERE gate = $1', [gate]);
      const [{ decided }]: Array<{ decided: number }> = await tx.query(
        `SELECT count(*)::int AS decided FROM gate_reviews WHERE pilot_id = $1 AND gate = $2 AND status = 'decided'`,
        [pilot.id, gate],
      );
      const round = decided + 1;
      const dueAt = new Date(Date.now() + policy.slaHours * HOUR_MS);
      const evidence: Evidence = { trl: input.trl, examResults: input.examResults, report: input.report, trancheCents: input.trancheCents };
      const [review]: Array<{ id: string }> = await tx.query(
        `INSERT INTO gate_reviews (pilot_id, gate, round, status, policy, evidence, tranche_cents, submitted_by, due_at)
         VALUES ($1, $2, $3, 'open', $4, $5, $6, $7, $8) RETURNING id`,
        [pilot.id, gate, round, JSON.stringify(policy), JSON.stringify(evidence), input.trancheCents, lead.id, dueAt],
      );
      const seats = seatsFor({ leadAgency: pilot.lead_agency, partnerAgencies: pilot.partner_agencies, personalData: pilot.personal_data, gate });
      await tx.query(
        `INSERT INTO assignments (gate_review_id, pilot_id, seat, status, due_at)
         SELECT $1, $2, seat, 'unassigned', $3 FROM unnest($4::text[]) WITH ORDINALITY AS s(seat, n) ORDER BY n`,
        [review!.id, pilot.id, dueAt, seats],
      );
      await this.audit.append(tx, {
        pilotId: pilot.id,
        actor: lead.id,
        action: 'gate.submitted',
        payload: { gateReviewId: review!.id, gate, round, seats, ...evidence },
      });
      await this.outbox.enqueue(tx, JobName.OpenReview, { gateReviewId: review!.id });
      return { gateReviewId: review!.id, gate, round, status: 'open' as const };
    });
  }

  /** A review of a pilot the viewer may see; votes only to chairs and funders. */
  async get(viewer: Principal, gateReviewId: string): Promise<GateReviewView> {
    const rows: ReviewRow[] = await this.db.query('SELECT * FROM gate_reviews WHERE id = $1', [gateReviewId]);
    const review = rows[0];
    if (!review) throw reviewNotFound(gateReviewId);
    const params: unknown[] = [review.pilot_id];
    const visible: unknown[] = await this.db.query(`SELECT 1 FROM pilots p WHERE p.id = $1 AND ${pilotVisibilitySql('p', viewer, params)}`, params);
    if (visible.length === 0) throw reviewNotFound(gateReviewId);
    const seats: SeatRow[] = await this.db.query(
      `SELECT id, seat, reviewer_id, status, due_at FROM assignments WHERE gate_review_id = $1 AND status <> 'declined' ORDER BY created_at, seat`,
      [gateReviewId],
    );
    const votes: VoteRow[] | undefined = hasRole(viewer, 'chair', 'funder')
      ? await this.db.query('SELECT * FROM votes WHERE gate_review_id = $1 ORDER BY created_at', [gateReviewId])
      : undefined;
    return toReviewView(review, seats, votes);
  }

  async listForPilot(viewer: Principal, pilotId: string): Promise<GateReviewView[]> {
    await this.pilots.findVisible(this.db.manager, viewer, pilotId, false);
    const ids: Array<{ id: string }> = await this.db.query('SELECT id FROM gate_reviews WHERE pilot_id = $1 ORDER BY opened_at', [pilotId]);
    return Promise.all(ids.map((r) => this.get(viewer, r.id)));
  }

  /** Only the seat's assignee votes, once; each vote queues a tally. */
  async vote(
    reviewer: Principal,
    gateReviewId: string,
    input: { recommendation: Outcome; scores: Scores; rationale: string },
  ): Promise<VoteView> {
    return this.db.transaction(async (tx) => {
      const locked = await this.lockVisible(tx, reviewer, gateReviewId);
      const { review, pilot } = locked;
      const mine: AssignmentRow[] = await tx.query(
        `SELECT * FROM assignments WHERE gate_review_id = $1 AND reviewer_id = $2 AND status IN ('pending', 'voted', 'cancelled')`,
        [review.id, reviewer.id],
      );
      const seat = mine[0];
      if (!seat) throw new AppError('REVIEW.NOT_ASSIGNED', 'You hold no seat on this review');
      if (seat.status === 'voted') throw new AppError('VOTE.DUPLICATE', `You already voted on the ${seat.seat} seat`);
      if (review.status !== 'open' || seat.status !== 'pending') throw new AppError('GATE.NOT_OPEN', `The review is ${review.status}; votes are closed`);
      if (!isOutcomeAllowed(review.gate, input.recommendation)) {
        throw new AppError('GATE.OUTCOME_INVALID', `At the ${review.gate} gate a vote is ${review.gate}, revise or abandon`, [
          { field: 'recommendation', message: `must be one of ${review.gate}, revise, abandon` },
        ]);
      }
      validateScores(input.scores);
      const [vote]: VoteRow[] = await tx.query(
        `INSERT INTO votes (gate_review_id, assignment_id, seat, reviewer_id, recommendation, excellence, impact, implementation, rationale)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
        [review.id, seat.id, seat.seat, reviewer.id, input.recommendation, input.scores.excellence, input.scores.impact, input.scores.implementation, input.rationale],
      );
      await tx.query(`UPDATE assignments SET status = 'voted', updated_at = now() WHERE id = $1`, [seat.id]);
      await this.audit.append(tx, {
        pilotId: pilot.id,
        actor: reviewer.id,
        action: 'vote.cast',
        payload: { gateReviewId: review.id, seat: seat.seat, recommendation: input.recommendation, scores: input.scores, rationale: input.rationale },
      });
      await this.outbox.enqueue(tx, JobName.TallyReview, { gateReviewId: review.id });
      return toVoteView(vote!);
    });
  }

  /** A chair decides an escalated review, with a rationale. */
  async decideEscalated(chair: Principal, gateReviewId: string, outcome: Outcome, rationale: string): Promise<GateReviewView> {
    await this.db.transaction(async (tx) => {
      const locked = await this.lockVisible(tx, chair, gateReviewId);
      const { review } = locked;
      if (review.status !== 'escalated') throw new AppError('GATE.NOT_ESCALATED', `The review is ${review.status}; only escalated reviews are decided by a chair`);
      if (!isOutcomeAllowed(review.gate, outcome)) {
        throw new AppError('GATE.OUTCOME_INVALID', `At the ${review.gate} gate the decision is ${review.gate}, revise or abandon`, [
          { field: 'outcome', message: `must be one of ${review.gate}, revise, abandon` },
        ]);
      }
      if (outcome === 'revise' && review.round >= review.policy.maxRounds) {
        throw new AppError('GATE.MUST_END', `Round ${review.round} is the last (maxRounds ${review.policy.maxRounds}): decide ${review.gate} or abandon`);
      }
      await this.decisions.apply(tx, locked, outcome, rationale, chair.id);
    });
    return this.get(chair, gateReviewId);
  }

  /** The caller's seats, newest first. */
  async inbox(reviewer: Principal, status: AssignmentStatus | undefined, limit?: number, cursor?: string): Promise<Page<AssignmentView>> {
    const size = pageSize(limit);
    const params: unknown[] = [reviewer.id];
    const where = ['a.reviewer_id = $1', keysetCondition('a', decodeCursor(cursor), params)];
    if (status) {
      params.push(status);
      where.push(`a.status = $${params.length}`);
    }
    params.push(size + 1);
    const rows: AssignmentRow[] = await this.db.query(
      `SELECT a.id, a.gate_review_id, a.pilot_id, a.seat, a.reviewer_id, a.status, a.due_at, a.created_at FROM assignments a
        WHERE ${where.join(' AND ')} ORDER BY a.created_at DESC, a.id DESC LIMIT $${params.length}`,
      params,
    );
    return toPage(rows, size, toAssignmentView);
  }

  private async lockVisible(tx: EntityManager, viewer: Principal, gateReviewId: string): Promise<LockedReview> {
    const locked = await this.decisions.lockReview(tx, gateReviewId, viewer);
    if (!locked) throw reviewNotFound(gateReviewId);
    return locked;
  }
}

export function reviewNotFound(id: string): AppError {
  return new AppError('REVIEW.NOT_FOUND', `Gate review ${id} does not exist or is not visible to you`);
}
