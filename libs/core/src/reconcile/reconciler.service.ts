import { Injectable } from '@nestjs/common';
import { ReconcileRepository, Transactor } from '@labgate/persistence';
import { JobName, JobPayloads } from '@labgate/queue';

/** A job the queues should hold, under an id that makes adding it twice a no-op. */
export interface PlannedJob<N extends JobName = JobName> {
  name: N;
  data: JobPayloads[N];
  jobId: string;
  /** When it should run; now when absent or past. */
  runAt?: Date;
}

/**
 * Postgres is the source of truth; Redis only speeds it up. This re-derives from the database
 * every piece of queued work that should exist — reviews whose seats were never assigned,
 * complete but undecided reviews, deadlines and reminders, webhook deliveries left pending — for
 * the worker to add under stable job ids (BullMQ ignores an id it already holds, and every
 * handler re-checks the database, so a job that did exist changes nothing twice). One worker at
 * a time plans (a transaction-scoped advisory lock); the others skip the round.
 */
@Injectable()
export class ReconcilerService {
  constructor(
    private readonly tx: Transactor,
    private readonly work: ReconcileRepository,
  ) {}

  /**
   * The jobs that should exist, or null when another worker holds the lock. A webhook delivery
   * pending longer than `strandedAfterMs` (all its attempts would have ended) has lost its job.
   */
  async plan(strandedAfterMs: number): Promise<PlannedJob[] | null> {
    return this.tx.run(async (tx) => {
      if (!(await this.work.tryLock(tx))) return null;
      const jobs: PlannedJob[] = [];
      for (const review of await this.work.openReviews(tx)) {
        const gateReviewId = review.id;
        if (review.unseated) {
          jobs.push({ name: JobName.OpenReview, data: { gateReviewId }, jobId: `rc-open-${gateReviewId}` });
          continue;
        }
        if (review.complete) jobs.push({ name: JobName.TallyReview, data: { gateReviewId }, jobId: `rc-tally-${gateReviewId}-${review.votes}` });
        jobs.push({ name: JobName.ReviewDeadline, data: { gateReviewId }, jobId: `rc-deadline-${gateReviewId}`, runAt: review.due_at });
        if (review.remind_at) jobs.push({ name: JobName.RemindReviewers, data: { gateReviewId }, jobId: `rc-remind-${gateReviewId}`, runAt: review.remind_at });
      }
      for (const delivery of await this.work.strandedDeliveries(tx, strandedAfterMs / 1000)) {
        jobs.push({ name: JobName.DeliverWebhook, data: { deliveryId: delivery.id }, jobId: `rc-webhook-${delivery.id}-${delivery.attempts}` });
      }
      return jobs;
    });
  }
}
