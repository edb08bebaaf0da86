import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { keysetCondition, PageRequest, pageLimit } from './keyset';
import { rowColumns } from './row-columns';
import { Tx } from './tx';

export interface NotificationRow {
  id: string;
  event: string;
  pilot_id: string | null;
  gate_review_id: string | null;
  data: Record<string, unknown>;
  created_at: Date;
}

export const NOTIFICATION_COLUMNS = rowColumns<NotificationRow>()('id', 'event', 'pilot_id', 'gate_review_id', 'data', 'created_at');

/** The in-app inbox: one row per recipient of an event, at most once per event. */
@Injectable()
export class NotificationsRepository {
  constructor(private readonly db: DataSource) {}

  async insert(tx: Tx, n: { recipients: string[]; event: string; pilotId: string; gateReviewId: string | null; data: Record<string, unknown>; eventId: string }): Promise<void> {
    await tx.query(
      `INSERT INTO notifications (user_id, event, pilot_id, gate_review_id, data, source_id)
       SELECT unnest($1::uuid[]), $2, $3, $4, $5, $6
       ON CONFLICT (user_id, source_id) DO NOTHING`,
      [n.recipients, n.event, n.pilotId, n.gateReviewId, JSON.stringify(n.data), n.eventId],
    );
  }

  async page(userId: string, page: PageRequest): Promise<NotificationRow[]> {
    const params: unknown[] = [userId];
    const where = keysetCondition('n', page.after, params);
    return this.db.query(
      `SELECT n.id, n.event, n.pilot_id, n.gate_review_id, n.data, n.created_at FROM notifications n
        WHERE n.user_id = $1 AND ${where} ORDER BY n.created_at DESC, n.id DESC ${pageLimit(page.size)}`,
      params,
    );
  }
}
