import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { applyOutcome, isGo, Outcome, TallyResult } from '@labgate/domain';
import { JobName } from '@labgate/queue';
import { AuditService } from '../audit/audit.service';
import { AppError } from '../common/app-error';
import { updateReturning } from '../common/sql';
import { EventsService } from '../notifications/events.service';
import type { Principal } from '../common/principal';
import { pilotVisibilitySql } from '../pilots/pilot-visibility';
import { pilotColumns, PilotRow } from '../pilots/pilot.view';
import { OutboxService } from './outbox.service';
import type { ReviewRow } from './review.view';

export interface LockedReview {
  pilot: PilotRow;
  review: ReviewRow;
}

export type DecisionResult = { applied: true; outcome: Outcome } | { applied: false; escalated: 'insufficient-funds' };

/**
 * Applying a gate decision, escalating, cancelling: each inside the caller's transaction, with
 * the pilot's and then the review's row locked (always in that order, so two commands on one
 * pilot queue up instead of deadlocking).
 */
@Injectable()
export class DecisionService {
  constructor(
    private readonly audit: AuditService,
    private readonly events: EventsService,
    private readonly outbox: OutboxService,
  ) {}

  /**
   * Locks a review's pilot, then the review. With a viewer, a pilot they may not see counts as
   * missing (null), so callers answer 404 without revealing that it exists.
   */
  async lockReview(tx: EntityManager, gateReviewId: string, viewer?: Principal): Promise<LockedReview | null> {
    const params: unknown[] = [gateReviewId];
    const visible = viewer ? pilotVisibilitySql('p', viewer, params) : 'TRUE';
    const [pilot]: PilotRow[] = await tx.query(
      `SELECT ${pilotColumns('p')} FROM pilots p JOIN gate_reviews r ON r.pilot_id = p.id WHERE r.id = $1 AND ${visible} FOR UPDATE OF p`,
      params,
    );
    if (!pilot) return null;
    const [review]: ReviewRow[] = await tx.query('SELECT * FROM gate_reviews WHERE id = $1 FOR UPDATE', [gateReviewId]);
    return { pilot, review: review! };
  }

  /**
   * Moves the stage, commits the tranche of a go (never beyond the envelope: a policy decision
   * that does not fit is escalated with reason `insufficient-funds`; a chair's is refused),
   * releases committed-but-unspent money on abandon, closes the seats and the timers, appends
   * to the audit chain and notifies.
   */
  async apply(
    tx: EntityManager,
    { pilot, review }: LockedReview,
    outcome: Outcome,
    rationale: string,
    decidedBy: string,
    tally?: TallyResult,
  ): Promise<DecisionResult> {
    const nextStage = applyOutcome(pilot.stage, outcome);
    let committedCents = 0;
    let releasedCents = 0;
    if (isGo(review.gate, outcome)) {
      committedCents = Number(review.tranche_cents);
      const fits = await updateReturning(
        tx,
        `UPDATE programmes SET committed_cents = committed_cents + $2
          WHERE id = $1 AND committed_cents + $2 <= envelope_cents RETURNING id`,
        [pilot.programme_id, committedCents],
      );
      if (fits.length === 0) {
        if (decidedBy !== 'policy') {
          throw new AppError('BUDGET.ENVELOPE_EXCEEDED', `The programme's remaining envelope cannot cover the ${committedCents} cent tranche`);
        }
        await this.escalate(tx, { pilot, review }, 'insufficient-funds', tally);
        return { applied: false, escalated: 'insufficient-funds' };
      }
      await tx.query(
        `UPDATE pilots SET stage = $2, committed_cents = committed_cents + $3, trl_current = GREATEST(trl_current, $4),
            stage_entered_at = now(), version = version + 1, updated_at = now()
          WHERE id = $1`,
        [pilot.id, nextStage, committedCents, review.evidence.trl],
      );
    } else if (outcome === 'abandon') {
      releasedCents = await this.abandonPilot(tx, pilot, rationale);
    }

    await tx.query(
      `UPDATE gate_reviews SET status = 'decided', decision_outcome = $2, decision_rationale = $3, decided_by = $4,
          decided_at = now(), tally = COALESCE($5, tally)
        WHERE id = $1`,
      [review.id, outcome, rationale, decidedBy, tally ? JSON.stringify(tally) : null],
    );
    const holders = await this.closeSeats(tx, review.id);
    await this.audit.append(tx, {
      pilotId: pilot.id,
      actor: decidedBy,
      action: 'gate.decided',
      payload: { gateReviewId: review.id, gate: review.gate, round: review.round, outcome, rationale, fromStage: pilot.stage, toStage: nextStage, committedCents, releasedCents },
    });
    const agencies = [pilot.lead_agency, ...pilot.partner_agencies];
    const data = { pilotCode: pilot.code, gate: review.gate, round: review.round, outcome, stage: nextStage, decidedBy };
    await this.events.publish(tx, { event: 'gate.decided', pilotId: pilot.id, gateReviewId: review.id, recipients: [pilot.lead_id, ...holders], agencies, data });
    if (outcome === 'abandon') {
      await this.events.publish(tx, { event: 'pilot.abandoned', pilotId: pilot.id, gateReviewId: review.id, recipients: [pilot.lead_id], agencies, data: { pilotCode: pilot.code, releasedCents } });
    }
    await this.closeTimers(tx, review);
    return { applied: true, outcome };
  }

  /** Hands the review to the chairs: no quorum, the last round ended in revise, or no money. */
  async escalate(tx: EntityManager, { pilot, review }: LockedReview, reason: string, tally?: TallyResult): Promise<void> {
    await tx.query(
      `UPDATE gate_reviews SET status = 'escalated', escalation_reason = $2, escalated_at = now(), tally = COALESCE($3, tally) WHERE id = $1`,
      [review.id, reason, tally ? JSON.stringify(tally) : null],
    );
    await tx.query(`UPDATE assignments SET status = 'cancelled', updated_at = now() WHERE gate_review_id = $1 AND status IN ('pending', 'unassigned')`, [review.id]);
    await this.audit.append(tx, { pilotId: pilot.id, actor: 'policy', action: 'gate.escalated', payload: { gateReviewId: review.id, gate: review.gate, round: review.round, reason } });
    const chairs: Array<{ id: string }> = await tx.query(`SELECT id FROM users WHERE 'chair' = ANY(roles)`);
    await this.events.publish(tx, {
      event: 'gate.escalated',
      pilotId: pilot.id,
      gateReviewId: review.id,
      recipients: [pilot.lead_id, ...chairs.map((c) => c.id)],
      agencies: [pilot.lead_agency, ...pilot.partner_agencies],
      data: { pilotCode: pilot.code, gate: review.gate, round: review.round, reason },
    });
    await this.closeTimers(tx, review);
  }

  /** On withdrawal: the open (or escalated) review of the pilot, if any, is cancelled. */
  async cancelOpenReview(tx: EntityManager, pilot: PilotRow, actor: string): Promise<void> {
    const reviews = await updateReturning<ReviewRow>(
      tx,
      `UPDATE gate_reviews SET status = 'cancelled', cancelled_at = now() WHERE pilot_id = $1 AND status IN ('open', 'escalated') RETURNING *`,
      [pilot.id],
    );
    for (const review of reviews) {
      await this.closeSeats(tx, review.id);
      await this.audit.append(tx, { pilotId: pilot.id, actor, action: 'gate.cancelled', payload: { gateReviewId: review.id, gate: review.gate, round: review.round, reason: 'withdrawn' } });
      await this.closeTimers(tx, review);
    }
  }

  /** Abandons the pilot and returns the committed-but-unspent money to its programme. */
  async abandonPilot(tx: EntityManager, pilot: PilotRow, lessonsLearned: string): Promise<number> {
    const released = Number(pilot.committed_cents) - Number(pilot.spent_cents);
    await tx.query('UPDATE programmes SET committed_cents = committed_cents - $2 WHERE id = $1', [pilot.programme_id, released]);
    await tx.query(
      `UPDATE pilots SET stage = 'abandoned', lessons_learned = $2, committed_cents = spent_cents, abandoned_at = now(),
          stage_entered_at = now(), version = version + 1, updated_at = now()
        WHERE id = $1`,
      [pilot.id, lessonsLearned],
    );
    return released;
  }

  /** Seats still waiting are closed; returns everyone who held a seat, for notification. */
  private async closeSeats(tx: EntityManager, gateReviewId: string): Promise<string[]> {
    await tx.query(`UPDATE assignments SET status = 'cancelled', updated_at = now() WHERE gate_review_id = $1 AND status IN ('pending', 'unassigned')`, [gateReviewId]);
    const holders: Array<{ reviewer_id: string }> = await tx.query(
      `SELECT DISTINCT reviewer_id FROM assignments WHERE gate_review_id = $1 AND reviewer_id IS NOT NULL AND status <> 'declined'`,
      [gateReviewId],
    );
    return holders.map((h) => h.reviewer_id);
  }

  private async closeTimers(tx: EntityManager, review: ReviewRow): Promise<void> {
    if (review.timer_job_ids.length > 0) {
      await this.outbox.enqueue(tx, JobName.CloseReviewTimers, { gateReviewId: review.id, jobIds: review.timer_job_ids });
    }
  }
}
