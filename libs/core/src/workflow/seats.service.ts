import { Injectable } from '@nestjs/common';
import { canHoldSeat, DomainError, SeatContext, seatRule } from '@labgate/domain';
import { AssignmentRow, LedgerRepository, LockedReview, ReviewsRepository, Transactor, Tx, UsersRepository, WorkContext } from '@labgate/persistence';
import { AuditService } from '../audit/audit.service';
import { AppError } from '../common/app-error';
import type { Principal } from '../common/principal';
import { EventsService } from '../notifications/events.service';
import { AssignmentView, toAssignmentView } from './review.view';

/**
 * Seat commands: filling a seat by the domain's seat rule and least pending load, declining
 * (conflict of interest), a chair's reassignment. One seat per person per review, never back on
 * a seat after declining.
 */
@Injectable()
export class SeatsService {
  constructor(
    private readonly tx: Transactor,
    private readonly reviews: ReviewsRepository,
    private readonly users: UsersRepository,
    private readonly programmes: LedgerRepository,
    private readonly audit: AuditService,
    private readonly events: EventsService,
  ) {}

  /** Conflict of interest: the seat moves to the next eligible person, or waits for the chair. */
  async decline(reviewer: Principal, assignmentId: string, reason: string, work: WorkContext): Promise<{ declined: AssignmentView; next: AssignmentView }> {
    return this.tx.run(async (tx) => {
      const { assignment, locked } = await this.lockAssignment(tx, reviewer, assignmentId);
      if (assignment.reviewer_id !== reviewer.id) throw new AppError('REVIEW.NOT_ASSIGNED', 'This seat is not yours to decline');
      if (locked.review.status !== 'open' || assignment.status !== 'pending') throw wrongState(assignment, locked);
      const declined = await this.reviews.decline(tx, assignment.id, reason);
      await this.audit.append(tx, { pilotId: locked.pilot.id, actor: reviewer.id, action: 'seat.declined', payload: { gateReviewId: locked.review.id, seat: assignment.seat, reason } });
      const next = await this.fillSeat(tx, locked, assignment.seat, null);
      return { declined: toAssignmentView(declined), next };
    }, work);
  }

  /** A chair gives a seat to someone eligible (the lead never; one seat per person per review). */
  async reassign(chair: Principal, assignmentId: string, reviewerId: string, work: WorkContext): Promise<AssignmentView> {
    return this.tx.run(async (tx) => {
      const { assignment, locked } = await this.lockAssignment(tx, chair, assignmentId);
      if (locked.review.status !== 'open' || !['pending', 'unassigned'].includes(assignment.status)) throw wrongState(assignment, locked);
      const user = await this.users.find(tx, reviewerId);
      const eligible = user && canHoldSeat({ id: user.id, agency: user.agency_code, roles: user.roles }, assignment.seat, await this.context(tx, locked));
      if (!eligible || (await this.reviews.holdsOtherSeat(tx, locked.review.id, reviewerId, assignment.id))) {
        throw new DomainError('REVIEW.REVIEWER_INELIGIBLE', `That user cannot hold the ${assignment.seat} seat of this review`, [
          { field: 'reviewerId', message: 'not eligible for this seat (role, agency, lead of the pilot, or already seated)' },
        ]);
      }
      const updated = await this.reviews.assign(tx, assignment.id, reviewerId);
      await this.audit.append(tx, {
        pilotId: locked.pilot.id,
        actor: chair.id,
        action: 'seat.reassigned',
        payload: { gateReviewId: locked.review.id, seat: assignment.seat, from: assignment.reviewer_id, to: reviewerId },
      });
      await this.notifyAssigned(tx, locked, updated);
      return toAssignmentView(updated);
    }, work);
  }

  /** Fills one seat (a new assignment row after a decline, or the unassigned row when opening). */
  async fillSeat(tx: Tx, locked: LockedReview, seat: string, unassignedRowId: string | null): Promise<AssignmentView> {
    const ctx = await this.context(tx, locked);
    const reviewerId = await this.reviews.pickReviewer(tx, locked.review.id, ctx.leadId, seatRule(seat, ctx));
    const row = unassignedRowId ? await this.reviews.assign(tx, unassignedRowId, reviewerId) : await this.reviews.addSeat(tx, locked, seat, reviewerId);
    if (reviewerId) {
      await this.audit.append(tx, { pilotId: locked.pilot.id, actor: 'system', action: 'seat.assigned', payload: { gateReviewId: locked.review.id, seat, reviewerId } });
      await this.notifyAssigned(tx, locked, row);
    } else {
      await this.audit.append(tx, { pilotId: locked.pilot.id, actor: 'system', action: 'seat.unfilled', payload: { gateReviewId: locked.review.id, seat } });
      await this.events.publish(tx, {
        event: 'seat.unfilled',
        pilotId: locked.pilot.id,
        gateReviewId: locked.review.id,
        recipients: await this.users.chairIds(tx),
        agencies: [locked.pilot.lead_agency, ...locked.pilot.partner_agencies],
        data: { pilotCode: locked.pilot.code, seat, assignmentId: row.id },
      });
    }
    return toAssignmentView(row);
  }

  private async notifyAssigned(tx: Tx, locked: LockedReview, row: AssignmentRow): Promise<void> {
    await this.events.publish(tx, {
      event: 'assignment.created',
      pilotId: locked.pilot.id,
      gateReviewId: locked.review.id,
      recipients: [row.reviewer_id!],
      agencies: [locked.pilot.lead_agency, ...locked.pilot.partner_agencies],
      data: { pilotCode: locked.pilot.code, gate: locked.review.gate, round: locked.review.round, seat: row.seat, assignmentId: row.id, dueAt: row.due_at.toISOString() },
    });
  }

  private async context(tx: Tx, { pilot }: LockedReview): Promise<SeatContext> {
    const programme = await this.programmes.findProgramme(tx, pilot.programme_id, false);
    return { leadId: pilot.lead_id, leadAgency: pilot.lead_agency, programmeOwnerId: programme!.owner_id };
  }

  private async lockAssignment(tx: Tx, viewer: Principal, assignmentId: string): Promise<{ assignment: AssignmentRow; locked: LockedReview }> {
    const notFound = new AppError('ASSIGNMENT.NOT_FOUND', `Assignment ${assignmentId} does not exist or is not visible to you`);
    const gateReviewId = await this.reviews.reviewIdOfAssignment(tx, assignmentId);
    if (!gateReviewId) throw notFound;
    const locked = await this.reviews.lock(tx, gateReviewId, viewer);
    if (!locked) throw notFound;
    return { assignment: await this.reviews.lockAssignment(tx, assignmentId), locked };
  }
}

function wrongState(assignment: AssignmentRow, locked: LockedReview): AppError {
  return new AppError('ASSIGNMENT.WRONG_STATE', `This assignment is ${assignment.status} on a ${locked.review.status} review`);
}
