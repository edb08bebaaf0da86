import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { JobName } from '@labgate/queue';
import { NotificationsRepository, Tx, WebhooksRepository } from '@labgate/persistence';
import { OutboxService } from '../outbox/outbox.service';

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
  constructor(
    private readonly notifications: NotificationsRepository,
    private readonly webhooks: WebhooksRepository,
    private readonly outbox: OutboxService,
  ) {}

  async publish(tx: Tx, e: PublishedEvent): Promise<string> {
    const id = randomUUID();
    const occurredAt = new Date().toISOString();
    const recipients = [...new Set(e.recipients)];
    if (recipients.length > 0) {
      await this.notifications.insert(tx, { recipients, event: e.event, pilotId: e.pilotId, gateReviewId: e.gateReviewId ?? null, data: e.data, eventId: id });
    }
    const body = JSON.stringify({ id, event: e.event, occurredAt, data: { pilotId: e.pilotId, gateReviewId: e.gateReviewId, ...e.data } });
    for (const deliveryId of await this.webhooks.queueDeliveries(tx, { eventId: id, event: e.event, body, agencies: e.agencies })) {
      await this.outbox.enqueue(tx, JobName.DeliverWebhook, { deliveryId });
    }
    return id;
  }
}
