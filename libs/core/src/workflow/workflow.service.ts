import { Injectable } from '@nestjs/common';
import { CastVote, tally, TallyResult } from '@labgate/domain';
import { JobName, JobOutcome } from '@labgate/queue';
import { ReviewRow, ReviewsRepository, Transactor, WorkContext } from '@labgate/persistence';
import { EventsService } from '../notifications/events.service';
import { OutboxService } from '../outbox/outbox.service';
import { DecisionService } from './decision.service';
import { SeatsService } from './seats.service';

const HOUR_MS = 3_600_000;
/** How early a timer may fire and still count (clocks of Redis and the worker differ a little). */
const TIMER_SLACK_MS = 5_000;

/** A job never trusts its payload alone: a deadline or reminder before its time changes nothing. */
function tooEarly(at: Date): boolean {
  return Date.now() + TIMER_SLACK_MS < at.getTime();
}

/**
 * The queued half of the workflow, as the worker's processors call it. Every method re-reads the
 * review under its row lock and does nothing when the step already happened, so a job that runs
 * twice (a retry, a stalled job recovered after a crash) changes nothing twice.
 */
@Injectable()
export class WorkflowService {
  constructor(
    private readonly tx: Transactor,
    private readonly reviews: ReviewsRepository,
    private readonly decisions: DecisionService,
    private readonly seats: SeatsService,
    private readonly events: EventsService,
    private readonly outbox: OutboxService,
  ) {}

  /** Assigns every seat, notifies, and schedules the reminder and the deadline. */
  async openReview(gateReviewId: string, work: WorkContext): Promise<JobOutcome> {
    return this.tx.run(async (tx) => {
      const locked = await this.reviews.lock(tx, gateReviewId, null);
      if (!locked || locked.review.status !== 'open' || locked.review.seats_assigned_at) return 'skipped';
      const { review, pilot } = locked;
      for (const seat of await this.reviews.unassignedSeats(tx, review.id)) await this.seats.fillSeat(tx, locked, seat.seat, seat.id);

      const timers: string[] = [];
      const reminderAt = reminderTime(review);
      if (reminderAt.getTime() > Date.now()) timers.push(await this.outbox.enqueue(tx, JobName.RemindReviewers, { gateReviewId }, reminderAt));
      timers.push(await this.outbox.enqueue(tx, JobName.ReviewDeadline, { gateReviewId }, review.due_at));
      await this.reviews.setTimers(tx, gateReviewId, timers);

      await this.events.publish(tx, {
        event: 'gate.opened',
        pilotId: pilot.id,
        gateReviewId,
        recipients: [pilot.lead_id],
        agencies: [pilot.lead_agency, ...pilot.partner_agencies],
        data: { pilotCode: pilot.code, gate: review.gate, round: review.round, dueAt: review.due_at.toISOString() },
      });
      return 'success';
    }, work);
  }

  /**
   * Tallies with the pure domain rule: after a vote (decides once every seat has voted) or at the
   * deadline (over the votes cast, with quorum, else escalation). Decides in the same transaction.
   */
  async tallyReview(gateReviewId: string, atDeadline: boolean, work: WorkContext): Promise<JobOutcome> {
    return this.tx.run(async (tx) => {
      const locked = await this.reviews.lock(tx, gateReviewId, null);
      if (!locked || locked.review.status !== 'open') return 'skipped';
      const { review } = locked;
      if (atDeadline && tooEarly(review.due_at)) return 'skipped';
      const seats = [...new Set((await this.reviews.seats(tx, review.id)).map((s) => s.seat))];
      const cast: CastVote[] = (await this.reviews.votes(tx, review.id)).map((v) => ({
        seat: v.seat,
        recommendation: v.recommendation,
        scores: { excellence: Number(v.excellence), impact: Number(v.impact), implementation: Number(v.implementation) },
      }));
      const failedExams = (review.evidence.examResults ?? []).filter((r) => !r.passed).map((r) => r.exam);
      const result = tally({ gate: review.gate, policy: review.policy, seats, votes: cast, round: review.round, atDeadline, failedExams });
      if (result.status === 'pending') {
        await this.reviews.saveTally(tx, review.id, result);
        return 'success';
      }
      if (result.status === 'escalated') {
        await this.decisions.escalate(tx, locked, result.reason, result);
        return 'success';
      }
      await this.decisions.apply(tx, locked, result.outcome!, describe(result), 'policy', result);
      return 'success';
    }, work);
  }

  /** Reminds those who hold a seat and have not voted yet. */
  async remindReviewers(gateReviewId: string, work: WorkContext): Promise<JobOutcome> {
    return this.tx.run(async (tx) => {
      const locked = await this.reviews.lock(tx, gateReviewId, null);
      if (!locked || locked.review.status !== 'open') return 'skipped';
      if (tooEarly(reminderTime(locked.review))) return 'skipped';
      const pending = await this.reviews.pendingReviewers(tx, gateReviewId);
      if (pending.length === 0) return 'skipped';
      await this.events.publish(tx, {
        event: 'review.reminder',
        pilotId: locked.pilot.id,
        gateReviewId,
        recipients: pending,
        agencies: [],
        data: { pilotCode: locked.pilot.code, gate: locked.review.gate, dueAt: locked.review.due_at.toISOString() },
      });
      return 'success';
    }, work);
  }
}

function reminderTime(review: ReviewRow): Date {
  return new Date(review.due_at.getTime() - review.policy.reminderHoursBeforeDue * HOUR_MS);
}

function describe(result: TallyResult): string {
  const counts = Object.entries(result.counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const means = result.means
    ? `; mean scores excellence ${result.means.excellence.toFixed(2)}, impact ${result.means.impact.toFixed(2)}, implementation ${result.means.implementation.toFixed(2)}`
    : '';
  return `Decided by the gate policy (${result.reason}): ${result.votesCast} of ${result.seatCount} seats voted (${counts})${means}.`;
}
