import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { JobName } from '@labgate/queue';
import { OutboxService } from '../workflow/outbox.service';

export const WEBHOOK_EVENTS = ['gate.opened', 'assignment.created', 'gate.decided', 'gate.escalated', 'pilot.abandoned', 'seat.unfilled', 'review.reminder'] as const;
export type LabGateEvent = (typeof WEBHOOK_EVENTS)[number];

export interface PublishedEvent {
  event: LabGateEvent;
  pilotId: string;
  gateReviewId?: string;
  /** Users whose in-app inbox receives it. */
  recipients: string[];
  /** Agencies involved in the pilot: only their webhook subscriptions receive it. */
  agencies: string[];
  /** Ids, codes and outcomes only: webhook receivers are outside the visibility rules' reach. */
  data: Record<string, unknown>;
}

/**
 * Publishes a workflow event inside the caller's transaction: inbox rows for the recipients,
 * and one delivery (plus its outbox job) per matching agency webhook subscription.
 */
@Injectable()
export class EventsService {
  constructor(private readonly outbox: OutboxService) {}

  async publish(tx: EntityManager, e: PublishedEvent): Promise<string> {
    const id = randomUUID();
    const occurredAt = new Date().toISOString();
    const recipients = [...new Set(e.recipients)];
    if (recipients.length > 0) {
      await tx.query(
        `INSERT INTO notifications (user_id, event, pilot_id, gate_review_id, data, source_id)
         SELECT unnest($1::uuid[]), $2, $3, $4, $5, $6
         ON CONFLICT (user_id, source_id) DO NOTHING`,
        [recipients, e.event, e.pilotId, e.gateReviewId ?? null, JSON.stringify(e.data), id],
      );
    }
    const body = JSON.stringify({ id, event: e.event, occurredAt, data: { pilotId: e.pilotId, gateReviewId: e.gateReviewId, ...e.data } });
    const deliveries: Array<{ id: string }> = await tx.query(
      `INSERT INTO webhook_deliveries (webhook_id, event_id, event, body, status)
       SELECT w.id, $1, $2, $3, 'pending' FROM webhooks w
        WHERE $2 = ANY(w.events) AND w.agency_code = ANY($4::text[])
       RETURNING id`,
      [id, e.event, body, e.agencies],
    );
    for (const delivery of deliveries) {
      await this.outbox.enqueue(tx, JobName.DeliverWebhook, { deliveryId: delivery.id });
    }
    return id;
  }
}
