import { Injectable, Logger } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { DeliveryRow, PG_FOREIGN_KEY_VIOLATION, pgCode, WebhooksRepository } from '@labgate/persistence';
import { AppError } from '../common/app-error';
import { Page, pageRequest, toPage } from '../common/pagination';
import type { Principal } from '../common/principal';

export interface WebhookView {
  id: string;
  agency: string;
  url: string;
  events: string[];
  createdAt: string;
  deliveries: { pending: number; delivered: number; failed: number };
}

export interface DeliveryView {
  id: string;
  webhookId: string;
  eventId: string;
  event: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  finishedAt: string | null;
}


export const SIGNATURE_HEADER = 'X-LabGate-Signature';

/** `sha256=<hex HMAC-SHA256 of the raw body with the subscription's secret>`. */
export function signWebhookBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

const toDeliveryView = (r: DeliveryRow): DeliveryView => ({
  id: r.id,
  webhookId: r.webhook_id,
  eventId: r.event_id,
  event: r.event,
  status: r.status,
  attempts: r.attempts,
  lastStatus: r.last_status,
  lastError: r.last_error,
  createdAt: r.created_at.toISOString(),
  finishedAt: r.finished_at?.toISOString() ?? null,
});

/** Agency webhook subscriptions and their signed, retried deliveries. */
@Injectable()
export class WebhooksService {
  private readonly logger = new Logger(WebhooksService.name);

  constructor(private readonly webhooks: WebhooksRepository) {}

  async create(admin: Principal, input: { url: string; events: string[]; secret: string; agency?: string }): Promise<WebhookView> {
    try {
      const row = await this.webhooks.insert({ agency: input.agency ?? admin.agency, url: input.url, events: [...new Set(input.events)], secret: input.secret, createdBy: admin.id });
      return { id: row.id, agency: row.agency_code, url: row.url, events: row.events, createdAt: row.created_at.toISOString(), deliveries: { pending: 0, delivered: 0, failed: 0 } };
    } catch (err) {
      if (pgCode(err) === PG_FOREIGN_KEY_VIOLATION) {
        throw new AppError('AGENCY.UNKNOWN', `Agency ${input.agency} does not exist`, [{ field: 'agency', message: 'unknown agency code' }]);
      }
      throw err;
    }
  }

  async list(limit?: number, cursor?: string): Promise<Page<WebhookView>> {
    const page = pageRequest(limit, cursor);
    return toPage(await this.webhooks.page(page), page.size, (r) => ({
      id: r.id,
      agency: r.agency_code,
      url: r.url,
      events: r.events,
      createdAt: r.created_at.toISOString(),
      deliveries: { pending: r.pending, delivered: r.delivered, failed: r.failed },
    }));
  }

  async deliveries(status: DeliveryView['status'] | undefined, limit?: number, cursor?: string): Promise<Page<DeliveryView>> {
    const page = pageRequest(limit, cursor);
    return toPage(await this.webhooks.deliveries(status, page), page.size, toDeliveryView);
  }

  /**
   * One attempt at a delivery. Throws when the receiver did not take it, so the queue retries
   * with backoff; on the last attempt the delivery is kept as `failed`, visible to admins.
   */
  async attempt(deliveryId: string, isLastAttempt: boolean): Promise<'delivered' | 'skipped'> {
    const delivery = await this.webhooks.deliveryWithTarget(deliveryId);
    if (!delivery || delivery.status !== 'pending') return 'skipped';
    let status: number | null = null;
    let error: string;
    try {
      const res = await fetch(delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: signWebhookBody(delivery.secret, delivery.body),
          'X-LabGate-Event': delivery.event,
          'X-LabGate-Delivery': delivery.id,
          'user-agent': 'LabGate-Webhooks/1',
        },
        body: delivery.body,
        signal: AbortSignal.timeout(5000),
        redirect: 'manual',
      });
      status = res.status;
      await res.body?.cancel();
      if (res.ok) {
        await this.webhooks.markDelivered(deliveryId, status);
        return 'delivered';
      }
      error = `HTTP ${status}`;
    } catch (err) {
      error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
    await this.webhooks.markAttemptFailed(deliveryId, status, error, isLastAttempt);
    if (isLastAttempt) this.logger.warn(`webhook delivery ${deliveryId} failed for good: ${error}`);
    throw new Error(`webhook delivery ${deliveryId} not accepted: ${error}`);
  }
}
