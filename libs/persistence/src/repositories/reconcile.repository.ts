import { Injectable } from '@nestjs/common';
import { Tx } from './tx';

/** Work Postgres says should exist, for the reconciler to put back in the queues. */
export interface ReviewWork {
  id: string;
  /** Seats not yet assigned (the review.open job was lost). */
  unseated: boolean;
  /** Every live seat has voted, and the review is still open (the tally was lost). */
  complete: boolean;
  votes: number;
  due_at: Date;
  /** When the reminder is due, or null when it was sent or there is none to send. */
  remind_at: Date | null;
}

/** Any number of workers may call this; one at a time does the work (a transaction-scoped lock). */
const RECONCILE_LOCK = 7_415_001;

@Injectable()
export class ReconcileRepository {
  /** Takes the reconciler's lock for this transaction, or answers false at once if another has it. */
  async tryLock(tx: Tx): Promise<boolean> {
    const [row]: Array<{ locked: boolean }> = await tx.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [RECONCILE_LOCK]);
    return row!.locked;
  }

  /** Every open review with what it is waiting for. */
  async openReviews(tx: Tx): Promise<ReviewWork[]> {
    return tx.query(
      `SELECT r.id, r.seats_assigned_at IS NULL AS unseated, r.due_at,
              (r.seats_assigned_at IS NOT NULL AND NOT EXISTS (
                 SELECT 1 FROM assignments a WHERE a.gate_review_id = r.id AND a.status IN ('unassigned', 'pending'))) AS complete,
              (SELECT count(*)::int FROM votes v WHERE v.gate_review_id = r.id) AS votes,
              CASE WHEN NOT EXISTS (SELECT 1 FROM notifications n WHERE n.gate_review_id = r.id AND n.event = 'review.reminder')
                   THEN r.due_at - (r.policy->>'reminderHoursBeforeDue')::float8 * interval '1 hour' END AS remind_at
         FROM gate_reviews r
        WHERE r.status = 'open'`,
    );
  }

  /** Webhook deliveries still pending long after their attempts would have ended. */
  async strandedDeliveries(tx: Tx, olderThanSeconds: number): Promise<Array<{ id: string; attempts: number }>> {
    return tx.query(
      `SELECT d.id, d.attempts FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
        WHERE d.status = 'pending' AND w.deleted_at IS NULL AND d.created_at < now() - make_interval(secs => $1)`,
      [olderThanSeconds],
    );
  }
}
