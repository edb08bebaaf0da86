import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Gate, GatePolicy, Outcome, Scores, SeatRule, TallyResult } from '@labgate/domain';
import { keysetCondition, PageRequest, pageLimit } from './keyset';
import { rowColumns } from './row-columns';
import { pilotColumns, PilotRow } from './pilots.repository';
import { statementAtCommit, Tx, updateReturning } from './tx';
import { pilotVisibilitySql, Viewer } from './visibility';

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

export interface AssignmentRow extends SeatRow {
  gate_review_id: string;
  pilot_id: string;
  created_at: Date;
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

export const REVIEW_COLUMNS = rowColumns<ReviewRow>()(
  'id', 'pilot_id', 'gate', 'round', 'status', 'policy', 'evidence', 'tranche_cents', 'submitted_by', 'opened_at', 'due_at', 'seats_assigned_at',
  'timer_job_ids', 'tally', 'escalation_reason', 'escalated_at', 'decision_outcome', 'decision_rationale', 'decided_by', 'decided_at',
);
export const ASSIGNMENT_COLUMNS = rowColumns<AssignmentRow>()('id', 'gate_review_id', 'pilot_id', 'seat', 'reviewer_id', 'status', 'due_at', 'created_at');
export const VOTE_COLUMNS = rowColumns<VoteRow>()('id', 'seat', 'reviewer_id', 'recommendation', 'excellence', 'impact', 'implementation', 'rationale', 'created_at');

/** A review and its pilot, both row-locked for the rest of the transaction. */
export interface LockedReview {
  pilot: PilotRow;
  review: ReviewRow;
}

const ASSIGNMENT = ASSIGNMENT_COLUMNS.map((c) => `a.${c}`).join(', ');
/** Seats that still wait for a vote: closed when the review is decided, escalated or cancelled. */
const WAITING = `status IN ('pending', 'unassigned')`;

/** The gate-review aggregate: reviews, their seats (assignments) and votes. */
@Injectable()
export class ReviewsRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Locks a review's pilot, then the review (always in that order, so two commands on one pilot
   * queue up instead of deadlocking). With a viewer, a pilot they may not see counts as missing.
   */
  async lock(tx: Tx, gateReviewId: string, viewer: Viewer | null): Promise<LockedReview | null> {
    const pilot = await this.lockPilotOf(tx, gateReviewId, viewer);
    if (!pilot) return null;
    const [review]: ReviewRow[] = await tx.query('SELECT * FROM gate_reviews WHERE id = $1 FOR UPDATE', [gateReviewId]);
    return { pilot, review: review! };
  }

  /** The first half of lock(): the review's pilot, locked, if the viewer (when given) may see it. */
  private async lockPilotOf(tx: Tx, gateReviewId: string, viewer: Viewer | null): Promise<PilotRow | null> {
    const params: unknown[] = [gateReviewId];
    const visible = viewer ? pilotVisibilitySql('p', viewer, params) : 'TRUE';
    const [pilot]: PilotRow[] = await tx.query(
      `SELECT ${pilotColumns('p')} FROM pilots p JOIN gate_reviews r ON r.pilot_id = p.id WHERE r.id = $1 AND ${visible} FOR UPDATE OF p`,
      params,
    );
    return pilot ?? null;
  }

  /**
   * lock() for a vote: with the review's row, the voter's seat on it and the head of the pilot's
   * audit chain, read in the statement that locks the review (after the pilot's lock, which every
   * writer of the chain and the seats holds first): two statements where there were four. `now`:
   * the transaction's time at the precision of the tables' timestamps (what now() stores).
   */
  async lockForVote(tx: Tx, gateReviewId: string, voter: Viewer & { id: string }): Promise<(LockedReview & { seat: AssignmentRow | null; auditHead: { seq: number; hash: string } | null; now: Date }) | null> {
    const pilot = await this.lockPilotOf(tx, gateReviewId, voter);
    if (!pilot) return null;
    // The voter's seat, whatever became of it after they were seated.
    const [row]: Array<ReviewRow & Record<string, unknown>> = await tx.query(
      `SELECT r.*, ${ASSIGNMENT_COLUMNS.map((c) => `s.${c} AS seat_${c}`).join(', ')}, h.seq AS head_seq, h.hash AS head_hash,
              now()::timestamptz(3) AS tx_now
         FROM gate_reviews r
         LEFT JOIN LATERAL (SELECT ${ASSIGNMENT} FROM assignments a
                             WHERE a.gate_review_id = r.id AND a.reviewer_id = $2 AND a.status IN ('pending', 'voted', 'cancelled') LIMIT 1) s ON TRUE
         LEFT JOIN LATERAL (SELECT e.seq, e.hash FROM audit_events e WHERE e.pilot_id = r.pilot_id ORDER BY e.seq DESC LIMIT 1) h ON TRUE
        WHERE r.id = $1 FOR UPDATE OF r`,
      [gateReviewId, voter.id],
    );
    const review = { ...row! };
    const seat: Record<string, unknown> = {};
    for (const c of ASSIGNMENT_COLUMNS) {
      seat[c] = review[`seat_${c}`];
      delete review[`seat_${c}`];
    }
    const auditHead = review.head_seq == null ? null : { seq: Number(review.head_seq), hash: String(review.head_hash) };
    const now = review.tx_now as Date;
    delete review.head_seq;
    delete review.head_hash;
    delete review.tx_now;
    return { pilot, review, seat: seat.id == null ? null : (seat as unknown as AssignmentRow), auditHead, now };
  }

  /** A review with its pilot when the viewer may see the pilot, else null. */
  async findVisible(viewer: Viewer, gateReviewId: string): Promise<ReviewRow | null> {
    const params: unknown[] = [gateReviewId];
    const visible = pilotVisibilitySql('p', viewer, params);
    const rows: ReviewRow[] = await this.db.query(
      `SELECT r.* FROM gate_reviews r JOIN pilots p ON p.id = r.pilot_id WHERE r.id = $1 AND ${visible}`,
      params,
    );
    return rows[0] ?? null;
  }

  async idsOfPilot(pilotId: string): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.db.query('SELECT id FROM gate_reviews WHERE pilot_id = $1 ORDER BY opened_at', [pilotId]);
    return rows.map((r) => r.id);
  }

  /** Whether the pilot has a review under way (open, or escalated to the chairs). */
  async hasOpenReview(tx: Tx, pilotId: string): Promise<boolean> {
    const rows: unknown[] = await tx.query(`SELECT 1 FROM gate_reviews WHERE pilot_id = $1 AND status IN ('open', 'escalated')`, [pilotId]);
    return rows.length > 0;
  }

  async decidedRounds(tx: Tx, pilotId: string, gate: Gate): Promise<number> {
    const [{ n }]: Array<{ n: number }> = await tx.query(
      `SELECT count(*)::int AS n FROM gate_reviews WHERE pilot_id = $1 AND gate = $2 AND status = 'decided'`,
      [pilotId, gate],
    );
    return n;
  }

  /** Opens a review with one unassigned row per seat, in the seats' order. */
  async open(
    tx: Tx,
    review: { pilotId: string; gate: Gate; round: number; policy: GatePolicy; evidence: Evidence; submittedBy: string; dueAt: Date; seats: string[] },
  ): Promise<string> {
    const [row]: Array<{ id: string }> = await tx.query(
      `INSERT INTO gate_reviews (pilot_id, gate, round, status, policy, evidence, tranche_cents, submitted_by, due_at)
       VALUES ($1, $2, $3, 'open', $4, $5, $6, $7, $8) RETURNING id`,
      [review.pilotId, review.gate, review.round, JSON.stringify(review.policy), JSON.stringify(review.evidence), review.evidence.trancheCents, review.submittedBy, review.dueAt],
    );
    await tx.query(
      `INSERT INTO assignments (gate_review_id, pilot_id, seat, status, due_at)
       SELECT $1, $2, seat, 'unassigned', $3 FROM unnest($4::text[]) WITH ORDINALITY AS s(seat, n) ORDER BY n`,
      [row!.id, review.pilotId, review.dueAt, review.seats],
    );
    return row!.id;
  }

  async markDecided(tx: Tx, gateReviewId: string, d: { outcome: Outcome; rationale: string; decidedBy: string; tally?: TallyResult }): Promise<void> {
    await tx.query(
      `UPDATE gate_reviews SET status = 'decided', decision_outcome = $2, decision_rationale = $3, decided_by = $4,
          decided_at = now(), tally = COALESCE($5, tally)
        WHERE id = $1`,
      [gateReviewId, d.outcome, d.rationale, d.decidedBy, d.tally ? JSON.stringify(d.tally) : null],
    );
  }

  async markEscalated(tx: Tx, gateReviewId: string, reason: string, tally?: TallyResult): Promise<void> {
    await tx.query(
      `UPDATE gate_reviews SET status = 'escalated', escalation_reason = $2, escalated_at = now(), tally = COALESCE($3, tally) WHERE id = $1`,
      [gateReviewId, reason, tally ? JSON.stringify(tally) : null],
    );
  }

  /** On withdrawal: the pilot's open or escalated reviews, cancelled and returned. */
  async cancelOpen(tx: Tx, pilotId: string): Promise<ReviewRow[]> {
    return updateReturning<ReviewRow>(
      tx,
      `UPDATE gate_reviews SET status = 'cancelled', cancelled_at = now() WHERE pilot_id = $1 AND status IN ('open', 'escalated') RETURNING *`,
      [pilotId],
    );
  }

  async saveTally(tx: Tx, gateReviewId: string, tally: TallyResult): Promise<void> {
    await tx.query('UPDATE gate_reviews SET tally = $2 WHERE id = $1', [gateReviewId, JSON.stringify(tally)]);
  }

  async setTimers(tx: Tx, gateReviewId: string, jobIds: string[]): Promise<void> {
    await tx.query('UPDATE gate_reviews SET seats_assigned_at = now(), timer_job_ids = $2 WHERE id = $1', [gateReviewId, jobIds]);
  }

  /** Seats still waiting are cancelled; returns everyone who held a seat (for notification). */
  async closeWaitingSeats(tx: Tx, gateReviewId: string): Promise<string[]> {
    await tx.query(`UPDATE assignments SET status = 'cancelled', updated_at = now() WHERE gate_review_id = $1 AND ${WAITING}`, [gateReviewId]);
    const holders: Array<{ reviewer_id: string }> = await tx.query(
      `SELECT DISTINCT reviewer_id FROM assignments WHERE gate_review_id = $1 AND reviewer_id IS NOT NULL AND status <> 'declined'`,
      [gateReviewId],
    );
    return holders.map((h) => h.reviewer_id);
  }

  /** The seats as shown on the review: every row but the declined ones. */
  async seats(tx: Tx, gateReviewId: string): Promise<SeatRow[]> {
    return tx.query(
      `SELECT id, seat, reviewer_id, status, due_at FROM assignments WHERE gate_review_id = $1 AND status <> 'declined' ORDER BY created_at, seat`,
      [gateReviewId],
    );
  }

  async unassignedSeats(tx: Tx, gateReviewId: string): Promise<SeatRow[]> {
    return tx.query(
      `SELECT id, seat, reviewer_id, status, due_at FROM assignments WHERE gate_review_id = $1 AND status = 'unassigned' ORDER BY created_at, id`,
      [gateReviewId],
    );
  }

  /** Reviewers who hold a seat and have not voted. */
  async pendingReviewers(tx: Tx, gateReviewId: string): Promise<string[]> {
    const rows: Array<{ reviewer_id: string }> = await tx.query(`SELECT reviewer_id FROM assignments WHERE gate_review_id = $1 AND status = 'pending'`, [gateReviewId]);
    return rows.map((r) => r.reviewer_id);
  }

  async votes(tx: Tx, gateReviewId: string): Promise<VoteRow[]> {
    return tx.query('SELECT * FROM votes WHERE gate_review_id = $1 ORDER BY created_at', [gateReviewId]);
  }

  /**
   * Records a vote and marks its seat voted, at commit (statementAtCommit): the caller checked the
   * seat under the review's lock, and the stored row is known without reading it back (its id is
   * made here, its time is the transaction's, read with the lock at the column's precision).
   */
  async castVote(tx: Tx, seat: AssignmentRow, vote: { recommendation: Outcome; scores: Scores; rationale: string }, at: Date): Promise<VoteRow> {
    const { excellence, impact, implementation } = vote.scores;
    const row: VoteRow = {
      id: randomUUID(),
      seat: seat.seat,
      reviewer_id: seat.reviewer_id!,
      recommendation: vote.recommendation,
      excellence: String(excellence),
      impact: String(impact),
      implementation: String(implementation),
      rationale: vote.rationale,
      created_at: at,
    };
    await statementAtCommit(
      tx,
      `WITH voted AS (UPDATE assignments SET status = 'voted', updated_at = now() WHERE id = $2)
       INSERT INTO votes (id, gate_review_id, assignment_id, seat, reviewer_id, recommendation, excellence, impact, implementation, rationale, created_at)
       VALUES ($10, $1, $2, $3, $4, $5, $6, $7, $8, $9, $11)`,
      [seat.gate_review_id, seat.id, row.seat, row.reviewer_id, row.recommendation, excellence, impact, implementation, row.rationale, row.id, row.created_at],
    );
    return row;
  }

  async reviewIdOfAssignment(tx: Tx, assignmentId: string): Promise<string | null> {
    const rows: Array<{ gate_review_id: string }> = await tx.query('SELECT gate_review_id FROM assignments WHERE id = $1', [assignmentId]);
    return rows[0]?.gate_review_id ?? null;
  }

  async lockAssignment(tx: Tx, assignmentId: string): Promise<AssignmentRow> {
    const [row]: AssignmentRow[] = await tx.query(`SELECT ${ASSIGNMENT} FROM assignments a WHERE a.id = $1 FOR UPDATE`, [assignmentId]);
    return row!;
  }

  async decline(tx: Tx, assignmentId: string, reason: string): Promise<AssignmentRow> {
    const [row] = await updateReturning<AssignmentRow>(
      tx,
      `UPDATE assignments a SET status = 'declined', decline_reason = $2, updated_at = now() WHERE a.id = $1 RETURNING ${ASSIGNMENT}`,
      [assignmentId, reason],
    );
    return row!;
  }

  /** Gives a seat row to a reviewer (pending) or leaves it waiting for the chair (unassigned). */
  async assign(tx: Tx, assignmentId: string, reviewerId: string | null): Promise<AssignmentRow> {
    const [row] = await updateReturning<AssignmentRow>(
      tx,
      `UPDATE assignments a SET reviewer_id = $2, status = CASE WHEN $2::uuid IS NULL THEN 'unassigned' ELSE 'pending' END, updated_at = now()
        WHERE a.id = $1 RETURNING ${ASSIGNMENT}`,
      [assignmentId, reviewerId],
    );
    return row!;
  }

  /** A new row for a seat whose holder declined. */
  async addSeat(tx: Tx, locked: LockedReview, seat: string, reviewerId: string | null): Promise<AssignmentRow> {
    const [row]: AssignmentRow[] = await tx.query(
      `INSERT INTO assignments AS a (gate_review_id, pilot_id, seat, reviewer_id, status, due_at)
       VALUES ($1, $2, $3, $4, CASE WHEN $4::uuid IS NULL THEN 'unassigned' ELSE 'pending' END, $5) RETURNING ${ASSIGNMENT}`,
      [locked.review.id, locked.pilot.id, seat, reviewerId, locked.review.due_at],
    );
    return row!;
  }

  /** Whether the user holds another live seat of the review (one seat per person per review). */
  async holdsOtherSeat(tx: Tx, gateReviewId: string, userId: string, exceptAssignmentId: string): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `SELECT 1 FROM assignments WHERE gate_review_id = $1 AND reviewer_id = $2 AND id <> $3 AND status IN ('pending', 'voted')`,
      [gateReviewId, userId, exceptAssignmentId],
    );
    return rows.length > 0;
  }

  /**
   * The eligible user with the least pending load for a seat, by the domain's seat rule: never
   * the lead, never someone already on this review (nor back after declining).
   */
  async pickReviewer(tx: Tx, gateReviewId: string, leadId: string, rule: SeatRule): Promise<string | null> {
    const rows: Array<{ id: string }> = await tx.query(
      `SELECT u.id FROM users u
        WHERE $3 = ANY(u.roles) AND ($4::text IS NULL OR u.agency_code = $4) AND u.id <> $2
          AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.gate_review_id = $1 AND a.reviewer_id = u.id)
        ORDER BY (u.agency_code = $5) DESC NULLS LAST, (u.id = $6::uuid) DESC NULLS LAST,
                 (SELECT count(*) FROM assignments p WHERE p.reviewer_id = u.id AND p.status = 'pending'),
                 u.created_at, u.id
        LIMIT 1`,
      [gateReviewId, leadId, rule.role, rule.agency, rule.preferAgency, rule.preferUserId],
    );
    return rows[0]?.id ?? null;
  }

  /** A reviewer's seats, newest first. */
  async inbox(reviewerId: string, status: AssignmentStatus | undefined, page: PageRequest): Promise<AssignmentRow[]> {
    const params: unknown[] = [reviewerId];
    const where = ['a.reviewer_id = $1', keysetCondition('a', page.after, params)];
    if (status) {
      params.push(status);
      where.push(`a.status = $${params.length}`);
    }
    return this.db.query(
      `SELECT ${ASSIGNMENT} FROM assignments a WHERE ${where.join(' AND ')} ORDER BY a.created_at DESC, a.id DESC ${pageLimit(page.size)}`,
      params,
    );
  }
}
