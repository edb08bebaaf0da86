import { Injectable, Logger } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppError } from '../common/app-error';
import { decodeCursor, keysetCondition, Page, pageSize, toPage } from '../common/pagination';
import type { Principal } from '../common/principal';
import { PG_FOREIGN_KEY_VIOLATION, pgCode } from '../common/pg-errors';

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

interface DeliveryRow {
  id: string;
  webhook_id: string;
  event_id: string;
  event: string;
  body: string;
  status: DeliveryView['status'];
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  created_at: Date;
  finished_at: Date | null;
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

  constructor(private readonly db: DataSource) {}

  async create(admin: Principal, input: { url: string; events: string[]; secret: string; agency?: string }): Promise<WebhookView> {
    try {
      const [row]: Array<{ id: string; agency_code: string; url: string; events: string[]; created_at: Date }> = await this.db.query(
        'INSERT INTO webhooks (agency_code, url, events, secret, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING *',
        [input.agency ?? admin.agency, input.url, [...new Set(input.events)], input.secret, admin.id],
      );
      return { id: row!.id, agency: row!.agency_code, url: row!.url, events: row!.events, createdAt: row!.created_at.toISOString(), deliveries: { pending: 0, delivered: 0, failed: 0 } };
    } catch (err) {
      if (pgCode(err) === PG_FOREIGN_KEY_VIOLATION) {
        throw new AppError('AGENCY.UNKNOWN', `Agency ${input.agency} does not exist`, [{ field: 'agency', message: 'unknown agency code' }]);
      }
      throw err;
    }
  }

  async list(limit?: number, cursor?: string): Promise<Page<WebhookView>> {
    const size = pageSize(limit);
    const params: unknown[] = [];
    const where = keysetCondition('w', decodeCursor(cursor), params);
    params.push(size + 1);
    const rows: Array<{ id: string; agency_code: string; url: string; events: string[]; created_at: Date; pending: number; delivered: number; failed: number }> =
      await this.db.query(
        `SELECT w.id, w.agency_code, w.url, w.events, w.created_at,
                count(d.*) FILTER (WHERE d.status = 'pending')::int AS pending,
                count(d.*) FILTER (WHERE d.status = 'delivered')::int AS delivered,
                count(d.*) FILTER (WHERE d.status = 'failed')::int AS failed
           FROM webhooks w LEFT JOIN webhook_deliveries d ON d.webhook_id = w.id
          WHERE ${where} GROUP BY w.id ORDER BY w.created_at DESC, w.id DESC LIMIT $${params.length}`,
        params,
      );
    return toPage(rows, size, (r) => ({
      id: r.id,
      agency: r.agency_code,
      url: r.url,
      events: r.events,
      createdAt: r.created_at.toISOString(),
      deliveries: { pending: r.pending, delivered: r.delivered, failed: r.failed },
    }));
  }

  async deliveries(status: DeliveryView['status'] | undefined, limit?: number, cursor?: string): Promise<Page<DeliveryView>> {
    const size = pageSize(limit);
    const params: unknown[] = [];
    const where = [keysetCondition('d', decodeCursor(cursor), params)];
    if (status) {
      params.push(status);
      where.push(`d.status = $${params.length}`);
    }
    params.push(size + 1);
    const rows: DeliveryRow[] = await this.db.query(
      `SELECT d.* FROM webhook_deliveries d WHERE ${where.join(' AND ')} ORDER BY d.created_at DESC, d.id DESC LIMIT $${params.length}`,
      params,
    );
    return toPage(rows, size, toDeliveryView);
  }

  /**
   * One attempt at a delivery. Throws when the receiver did not take it, so the queue retries
   * with backoff; on the last attempt the delivery is kept as `failed`, visible to admins.
   */
  async attempt(deliveryId: string, isLastAttempt: boolean): Promise<'delivered' | 'skipped'> {
    const rows: Array<DeliveryRow & { url: string; secret: string }> = await this.db.query(
      `SELECT d.*, w.url, w.secret FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = $1`,
      [deliveryId],
    );
    const delivery = rows[0];
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
        await this.db.query(
          `UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, last_status = $2, last_error = NULL, finished_at = now() WHERE id = $1 AND status = 'pending'`,
          [deliveryId, status],
        );
        return 'delivered';
      }
      error = `HTTP ${status}`;
    } catch (err) {
      error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
    await this.db.query(
      `UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = $2, last_error = $3,
          status = CASE WHEN $4 THEN 'failed' ELSE status END, finished_at = CASE WHEN $4 THEN now() ELSE NULL END
        WHERE id = $1 AND status = 'pending'`,
      [deliveryId, status, error, isLastAttempt],
    );
    if (isLastAttempt) this.logger.warn(`webhook delivery ${deliveryId} failed for good: ${error}`);
    throw new Error(`webhook delivery ${deliveryId} not accepted: ${error}`);
  }
}
