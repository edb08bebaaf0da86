import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { DATA_PROTECTION_SEAT, FUNDING_SEAT } from '@labgate/domain';
import { AuditService } from '../audit/audit.service';
import { AppError } from '../common/app-error';
import type { Principal } from '../common/principal';
import { updateReturning } from '../common/sql';
import { EventsService } from '../notifications/events.service';
import { DecisionService, LockedReview } from './decision.service';
import { AssignmentRow, AssignmentView, toAssignmentView } from './review.view';

export interface SeatContext {
  gateReviewId: string;
  leadId: string;
  leadAgency: string;
  programmeOwnerId: string;
}

/**
 * Who may hold a seat, and who should: agency seats go to that agency's reviewers, the
 * data-protection seat to a DPO (the lead agency's first), the funding seat to a funder (the
 * programme's owner first); never the pilot's lead, never one person on two seats of a review
 * (nor back on a seat after declining), and among the rest the least pending load.
 */
@Injectable()
export class SeatsService {
  constructor(
    private readonly db: DataSource,
    private readonly decisions: DecisionService,
    private readonly audit: AuditService,
    private readonly events: EventsService,
  ) {}

  /** Conflict of interest: the seat moves to the next eligible person, or waits for the chair. */
  async decline(reviewer: Principal, assignmentId: string, reason: string): Promise<{ declined: AssignmentView; next: AssignmentView }> {
    return this.db.transaction(async (tx) => {
      const { assignment, locked } = await this.lockAssignment(tx, reviewer, assignmentId);
      if (assignment.reviewer_id !== reviewer.id) throw new AppError('REVIEW.NOT_ASSIGNED', 'This seat is not yours to decline');
      if (locked.review.status !== 'open' || assignment.status !== 'pending') {
        throw new AppError('ASSIGNMENT.WRONG_STATE', `This assignment is ${assignment.status} on a ${locked.review.status} review`);
      }
      const [declined]: AssignmentRow[] = await updateReturning(
        tx,
        `UPDATE assignments SET status = 'declined', decline_reason = $2, updated_at = now() WHERE id = $1 RETURNING *`,
        [assignment.id, reason],
      );
      await this.audit.append(tx, { pilotId: locked.pilot.id, actor: reviewer.id, action: 'seat.declined', payload: { gateReviewId: locked.review.id, seat: assignment.seat, reason } });
      const next = await this.fillSeat(tx, locked, assignment.seat, null);
      return { declined: toAssignmentView(declined!), next };
    });
  }

  /** A chair gives a seat to someone eligible (the lead never; one seat per person per review). */
  async reassign(chair: Principal, assignmentId: string, reviewerId: string): Promise<AssignmentView> {
    return this.db.transaction(async (tx) => {
      const { assignment, locked } = await this.lockAssignment(tx, chair, assignmentId);
      if (locked.review.status !== 'open' || !['pending', 'unassigned'].includes(assignment.status)) {
        throw new AppError('ASSIGNMENT.WRONG_STATE', `This assignment is ${assignment.status} on a ${locked.review.status} review`);
      }
      const ctx = await this.seatContext(tx, locked);
      const holdsOther: unknown[] = await tx.query(
        `SELECT 1 FROM assignments WHERE gate_review_id = $1 AND reviewer_id = $2 AND id <> $3 AND status IN ('pending', 'voted')`,
        [locked.review.id, reviewerId, assignment.id],
      );
      if (!(await this.isEligible(tx, ctx, assignment.seat, reviewerId)) || holdsOther.length > 0) {
        throw new AppError('REVIEW.REVIEWER_INELIGIBLE', `That user cannot hold the ${assignment.seat} seat of this review`, [
          { field: 'reviewerId', message: 'not eligible for this seat (role, agency, lead of the pilot, or already seated)' },
        ]);
      }
      const [updated]: AssignmentRow[] = await updateReturning(
        tx,
        `UPDATE assignments SET reviewer_id = $2, status = 'pending', updated_at = now() WHERE id = $1 RETURNING *`,
        [assignment.id, reviewerId],
      );
      await this.audit.append(tx, {
        pilotId: locked.pilot.id,
        actor: chair.id,
        action: 'seat.reassigned',
        payload: { gateReviewId: locked.review.id, seat: assignment.seat, from: assignment.reviewer_id, to: reviewerId },
      });
      await this.notifyAssigned(tx, locked, updated!);
      return toAssignmentView(updated!);
    });
  }

  /** Fills one seat (a new assignment row after a decline, or the unassigned row when opening). */
  async fillSeat(tx: EntityManager, locked: LockedReview, seat: string, unassignedRowId: string | null): Promise<AssignmentView> {
    const ctx = await this.seatContext(tx, locked);
    const reviewerId = await this.pickReviewer(tx, ctx, seat);
    const status = reviewerId ? 'pending' : 'unassigned';
    const [row]: AssignmentRow[] = unassignedRowId
      ? await updateReturning(tx, `UPDATE assignments SET reviewer_id = $2, status = $3, updated_at = now() WHERE id = $1 RETURNING *`, [unassignedRowId, reviewerId, status])
      : await tx.query(
          `INSERT INTO assignments (gate_review_id, pilot_id, seat, reviewer_id, status, due_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
          [locked.review.id, locked.pilot.id, seat, reviewerId, status, locked.review.due_at],
        );
    if (reviewerId) {
      await this.audit.append(tx, { pilotId: locked.pilot.id, actor: 'system', action: 'seat.assigned', payload: { gateReviewId: locked.review.id, seat, reviewerId } });
      await this.notifyAssigned(tx, locked, row!);
    } else {
      await this.audit.append(tx, { pilotId: locked.pilot.id, actor: 'system', action: 'seat.unfilled', payload: { gateReviewId: locked.review.id, seat } });
      const chairs: Array<{ id: string }> = await tx.query(`SELECT id FROM users WHERE 'chair' = ANY(roles)`);
      await this.events.publish(tx, {
        event: 'seat.unfilled',
        pilotId: locked.pilot.id,
        gateReviewId: locked.review.id,
        recipients: chairs.map((c) => c.id),
        agencies: [locked.pilot.lead_agency, ...locked.pilot.partner_agencies],
        data: { pilotCode: locked.pilot.code, seat, assignmentId: row!.id },
      });
    }
    return toAssignmentView(row!);
  }

  private async notifyAssigned(tx: EntityManager, locked: LockedReview, row: AssignmentRow): Promise<void> {
    await this.events.publish(tx, {
      event: 'assignment.created',
      pilotId: locked.pilot.id,
      gateReviewId: locked.review.id,
      recipients: [row.reviewer_id!],
      agencies: [locked.pilot.lead_agency, ...locked.pilot.partner_agencies],
      data: { pilotCode: locked.pilot.code, gate: locked.review.gate, round: locked.review.round, seat: row.seat, assignmentId: row.id, dueAt: row.due_at.toISOString() },
    });
  }

  private async seatContext(tx: EntityManager, { pilot, review }: LockedReview) {
    const [programme]: Array<{ owner_id: string }> = await tx.query('SELECT owner_id FROM programmes WHERE id = $1', [pilot.programme_id]);
    return { gateReviewId: review.id, leadId: pilot.lead_id, leadAgency: pilot.lead_agency, programmeOwnerId: programme!.owner_id };
  }

  private async lockAssignment(tx: EntityManager, viewer: Principal, assignmentId: string): Promise<{ assignment: AssignmentRow; locked: LockedReview }> {
    const found: Array<{ gate_review_id: string }> = await tx.query('SELECT gate_review_id FROM assignments WHERE id = $1', [assignmentId]);
    const notFound = new AppError('ASSIGNMENT.NOT_FOUND', `Assignment ${assignmentId} does not exist or is not visible to you`);
    if (!found[0]) throw notFound;
    const locked = await this.decisions.lockReview(tx, found[0].gate_review_id, viewer);
    if (!locked) throw notFound;
    const [assignment]: AssignmentRow[] = await tx.query('SELECT * FROM assignments WHERE id = $1 FOR UPDATE', [assignmentId]);
    return { assignment: assignment!, locked };
  }

  async pickReviewer(tx: EntityManager, ctx: SeatContext, seat: string): Promise<string | null> {
    const params: unknown[] = [ctx.gateReviewId, ctx.leadId];
    let eligible: string;
    let preference = '';
    if (seat === DATA_PROTECTION_SEAT) {
      eligible = `'dpo' = ANY(u.roles)`;
      params.push(ctx.leadAgency);
      preference = `(u.agency_code = $${params.length}) DESC,`;
    } else if (seat === FUNDING_SEAT) {
      eligible = `'funder' = ANY(u.roles)`;
      params.push(ctx.programmeOwnerId);
      preference = `(u.id = $${params.length}) DESC,`;
    } else {
      params.push(seat);
      eligible = `'reviewer' = ANY(u.roles) AND u.agency_code = $${params.length}`;
    }
    const rows: Array<{ id: string }> = await tx.query(
      `SELECT u.id FROM users u
        WHERE ${eligible} AND u.id <> $2
          AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.gate_review_id = $1 AND a.reviewer_id = u.id)
        ORDER BY ${preference}
                 (SELECT count(*) FROM assignments p WHERE p.reviewer_id = u.id AND p.status = 'pending'),
                 u.created_at, u.id
        LIMIT 1`,
      params,
    );
    return rows[0]?.id ?? null;
  }

  /** Whether `userId` could hold `seat` (for a chair's reassignment). */
  async isEligible(tx: EntityManager, ctx: SeatContext, seat: string, userId: string): Promise<boolean> {
    const rows: Array<{ agency_code: string; roles: string[] }> = await tx.query('SELECT agency_code, roles FROM users WHERE id = $1', [userId]);
    const user = rows[0];
    if (!user || userId === ctx.leadId) return false;
    if (seat === DATA_PROTECTION_SEAT) return user.roles.includes('dpo');
    if (seat === FUNDING_SEAT) return user.roles.includes('funder');
    return user.roles.includes('reviewer') && user.agency_code === seat;
  }
}
