import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { decodeCursor, keysetCondition, Page, pageSize, toPage } from '../common/pagination';
import type { Principal } from '../common/principal';

export interface NotificationView {
  id: string;
  event: string;
  pilotId?: string;
  gateReviewId?: string;
  data: Record<string, unknown>;
  createdAt: string;
}

interface NotificationRow {
  id: string;
  event: string;
  pilot_id: string | null;
  gate_review_id: string | null;
  data: Record<string, unknown>;
  created_at: Date;
}

/** The in-app inbox. */
@Injectable()
export class NotificationsService {
  constructor(private readonly db: DataSource) {}

  async inbox(user: Principal, limit?: number, cursor?: string): Promise<Page<NotificationView>> {
    const size = pageSize(limit);
    const params: unknown[] = [user.id];
    const where = keysetCondition('n', decodeCursor(cursor), params);
    params.push(size + 1);
    const rows: NotificationRow[] = await this.db.query(
      `SELECT n.id, n.event, n.pilot_id, n.gate_review_id, n.data, n.created_at FROM notifications n
        WHERE n.user_id = $1 AND ${where} ORDER BY n.created_at DESC, n.id DESC LIMIT $${params.length}`,
      params,
    );
    return toPage(rows, size, (r) => ({
      id: r.id,
      event: r.event,
      ...(r.pilot_id ? { pilotId: r.pilot_id } : {}),
      ...(r.gate_review_id ? { gateReviewId: r.gate_review_id } : {}),
      data: r.data,
      createdAt: r.created_at.toISOString(),
    }));
  }
}
