import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { keysetCondition, PageRequest, pageLimit } from './keyset';
import { rowColumns } from './row-columns';
import { Tx, updateReturning } from './tx';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookRow {
  id: string;
  agency_code: string;
  url: string;
  events: string[];
  created_at: Date;
}

export interface WebhookWithCounts extends WebhookRow {
  pending: number;
  delivered: number;
  failed: number;
}

export interface DeliveryRow {
  id: string;
  webhook_id: string;
  event_id: string;
  event: string;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  created_at: Date;
  finished_at: Date | null;
}

export const WEBHOOK_COLUMNS = rowColumns<WebhookRow>()('id', 'agency_code', 'url', 'events', 'created_at');
export const DELIVERY_COLUMNS = rowColumns<DeliveryRow>()('id', 'webhook_id', 'event_id', 'event', 'body', 'status', 'attempts', 'last_status', 'last_error', 'created_at', 'finished_at');

/** Subscriptions with their deliveries counted by status (a WHERE and GROUP BY w.id follow). */
const WITH_COUNTS = `SELECT w.id, w.agency_code, w.url, w.events, w.created_at,
        count(d.*) FILTER (WHERE d.status = 'pending')::int AS pending,
        count(d.*) FILTER (WHERE d.status = 'delivered')::int AS delivered,
        count(d.*) FILTER (WHERE d.status = 'failed')::int AS failed
   FROM webhooks w LEFT JOIN webhook_deliveries d ON d.webhook_id = w.id`;

/** Agency webhook subscriptions and their deliveries. */
@Injectable()
export class WebhooksRepository {
  constructor(private readonly db: DataSource) {}

  async insert(tx: Tx, w: { agency: string; url: string; events: string[]; secret: string; createdBy: string }): Promise<WebhookRow> {
    const [row]: WebhookRow[] = await tx.query(
      'INSERT INTO webhooks (agency_code, url, events, secret, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id, agency_code, url, events, created_at',
      [w.agency, w.url, w.events, w.secret, w.createdBy],
    );
    return row!;
  }

  async page(page: PageRequest): Promise<WebhookWithCounts[]> {
    const params: unknown[] = [];
    const where = keysetCondition('w', page.after, params);
    return this.db.query(`${WITH_COUNTS} WHERE ${where} AND w.deleted_at IS NULL GROUP BY w.id ORDER BY w.created_at DESC, w.id DESC ${pageLimit(page.size)}`, params);
  }

  /** One live subscription with its delivery counts, or null. */
  async find(id: string): Promise<WebhookWithCounts | null> {
    const [row]: WebhookWithCounts[] = await this.db.query(`${WITH_COUNTS} WHERE w.id = $1 AND w.deleted_at IS NULL GROUP BY w.id`, [id]);
    return row ?? null;
  }

  /** One pending delivery per subscription of the involved agencies to this event; their ids. */
  async queueDeliveries(tx: Tx, d: { eventId: string; event: string; body: string; agencies: string[] }): Promise<string[]> {
    const rows: Array<{ id: string }> = await tx.query(
      `INSERT INTO webhook_deliveries (webhook_id, event_id, event, body, status)
       SELECT w.id, $1, $2, $3, 'pending' FROM webhooks w
        WHERE $2 = ANY(w.events) AND w.agency_code = ANY($4::text[]) AND w.deleted_at IS NULL
       RETURNING id`,
      [d.eventId, d.event, d.body, d.agencies],
    );
    return rows.map((r) => r.id);
  }

  async deliveries(status: DeliveryStatus | undefined, page: PageRequest): Promise<DeliveryRow[]> {
    const params: unknown[] = [];
    const where = [keysetCondition('d', page.after, params)];
    if (status) {
      params.push(status);
      where.push(`d.status = $${params.length}`);
    }
    return this.db.query(`SELECT d.* FROM webhook_deliveries d WHERE ${where.join(' AND ')} ORDER BY d.created_at DESC, d.id DESC ${pageLimit(page.size)}`, params);
  }

  /** A delivery with its target and signing secrets (the previous one while it is still valid). */
  async deliveryWithTarget(id: string): Promise<(DeliveryRow & { url: string; secret: string; previous_secret: string | null; deleted: boolean }) | null> {
    const rows: Array<DeliveryRow & { url: string; secret: string; previous_secret: string | null; deleted: boolean }> = await this.db.query(
      `SELECT d.*, w.url, w.secret, w.deleted_at IS NOT NULL AS deleted,
              CASE WHEN w.previous_secret_expires_at > now() THEN w.previous_secret END AS previous_secret
         FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** A new secret; the current one keeps signing until `overlapHours` from now. */
  async rotateSecret(tx: Tx, id: string, secret: string, overlapHours: number): Promise<{ previous_secret_expires_at: Date } | null> {
    const rows = await updateReturning<{ previous_secret_expires_at: Date }>(
      tx,
      `UPDATE webhooks SET previous_secret = secret, previous_secret_expires_at = now() + make_interval(hours => $3), secret = $2
        WHERE id = $1 AND deleted_at IS NULL RETURNING previous_secret_expires_at`,
      [id, secret, overlapHours],
    );
    return rows[0] ?? null;
  }

  /** Stops a subscription: no new deliveries, pending ones are not sent; history stays. */
  async softDelete(id: string): Promise<boolean> {
    const rows = await updateReturning<{ id: string }>(this.db.manager, 'UPDATE webhooks SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL RETURNING id', [id]);
    return rows.length > 0;
  }

  /** A failed delivery back to pending, for another round of attempts. */
  async resetFailed(tx: Tx, id: string): Promise<boolean> {
    const rows = await updateReturning<{ id: string }>(
      tx,
      `UPDATE webhook_deliveries d SET status = 'pending', attempts = 0, finished_at = NULL
         FROM webhooks w WHERE w.id = d.webhook_id AND w.deleted_at IS NULL AND d.id = $1 AND d.status = 'failed' RETURNING d.id`,
      [id],
    );
    return rows.length > 0;
  }

  async deliveryStatus(id: string): Promise<DeliveryStatus | null> {
    const rows: Array<{ status: DeliveryStatus }> = await this.db.query('SELECT status FROM webhook_deliveries WHERE id = $1', [id]);
    return rows[0]?.status ?? null;
  }

  async markDelivered(id: string, httpStatus: number): Promise<void> {
    await this.db.query(
      `UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, last_status = $2, last_error = NULL, finished_at = now() WHERE id = $1 AND status = 'pending'`,
      [id, httpStatus],
    );
  }

  /** A failed attempt; the last one marks the delivery failed for good. */
  async markAttemptFailed(id: string, httpStatus: number | null, error: string, last: boolean): Promise<void> {
    await this.db.query(
      `UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = $2, last_error = $3,
          status = CASE WHEN $4 THEN 'failed' ELSE status END, finished_at = CASE WHEN $4 THEN now() ELSE NULL END
        WHERE id = $1 AND status = 'pending'`,
      [id, httpStatus, error, last],
    );
  }
}
