import { Injectable } from '@nestjs/common';
import { decide, Outcome, TallyResult } from '@labgate/domain';
import { JobName } from '@labgate/queue';
import { LockedReview, ReviewRow, ReviewsRepository, Tx, UsersRepository } from '@labgate/persistence';
import { AuditService } from '../audit/audit.service';
import { Ledger } from '../ledger/ledger.service';
import { EventsService } from '../notifications/events.service';
import { OutboxService } from '../outbox/outbox.service';

export type DecisionResult = { applied: true; outcome: Outcome } | { applied: false; escalated: 'insufficient-funds' };

/**
 * Applying a gate decision, escalating, cancelling: each inside the caller's transaction, with
 * the pilot's and then the review's row locked (ReviewsRepository.lock).
 */
@Injectable()
export class DecisionService {
  constructor(
    private readonly reviews: ReviewsRepository,
    private readonly users: UsersRepository,
    private readonly ledger: Ledger,
    private readonly audit: AuditService,
    private readonly events: EventsService,
    private readonly outbox: OutboxService,
  ) {}

  /**
   * Asks the domain what the outcome does (decide) and applies its answer: the ledger moves the
   * stage and the money; a policy go the envelope cannot cover is escalated with reason
   * `insufficient-funds` (a chair's is refused by decide); then the seats and timers close, the
   * audit chain records it and the involved are notified.
   */
  async apply(tx: Tx, locked: LockedReview, outcome: Outcome, rationale: string, decidedBy: string, tally?: TallyResult): Promise<DecisionResult> {
    const { pilot, review } = locked;
    const decision = decide({
      stage: pilot.stage,
      gate: review.gate,
      round: review.round,
      maxRounds: review.policy.maxRounds,
      outcome,
      by: decidedBy === 'policy' ? 'policy' : 'chair',
      trancheCents: Number(review.tranche_cents),
      ...(await this.ledger.state(tx, pilot)),
    });
    if (decision.kind === 'escalate') {
      await this.escalate(tx, locked, decision.reason, tally);
      return { applied: false, escalated: decision.reason };
    }
    await this.ledger.apply(tx, pilot, decision, { trl: review.evidence.trl, lessonsLearned: rationale });
    await this.reviews.markDecided(tx, review.id, { outcome, rationale, decidedBy, tally });
    const holders = await this.reviews.closeWaitingSeats(tx, review.id);
    const { toStage: nextStage, commitCents: committedCents, releaseCents: releasedCents } = decision;
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
  async escalate(tx: Tx, { pilot, review }: LockedReview, reason: string, tally?: TallyResult): Promise<void> {
    await this.reviews.markEscalated(tx, review.id, reason, tally);
    await this.reviews.closeWaitingSeats(tx, review.id);
    await this.audit.append(tx, { pilotId: pilot.id, actor: 'policy', action: 'gate.escalated', payload: { gateReviewId: review.id, gate: review.gate, round: review.round, reason } });
    await this.events.publish(tx, {
      event: 'gate.escalated',
      pilotId: pilot.id,
      gateReviewId: review.id,
      recipients: [pilot.lead_id, ...(await this.users.chairIds(tx))],
      agencies: [pilot.lead_agency, ...pilot.partner_agencies],
      data: { pilotCode: pilot.code, gate: review.gate, round: review.round, reason },
    });
    await this.closeTimers(tx, review);
  }

  /** On withdrawal: the open (or escalated) review of the pilot, if any, is cancelled. */
  async cancelOpenReview(tx: Tx, pilotId: string, actor: string): Promise<void> {
    for (const review of await this.reviews.cancelOpen(tx, pilotId)) {
      await this.reviews.closeWaitingSeats(tx, review.id);
      await this.audit.append(tx, { pilotId, actor, action: 'gate.cancelled', payload: { gateReviewId: review.id, gate: review.gate, round: review.round, reason: 'withdrawn' } });
      await this.closeTimers(tx, review);
    }
  }

  private async closeTimers(tx: Tx, review: ReviewRow): Promise<void> {
    if (review.timer_job_ids.length > 0) {
      await this.outbox.enqueue(tx, JobName.CloseReviewTimers, { gateReviewId: review.id, jobIds: review.timer_job_ids });
    }
  }
}
