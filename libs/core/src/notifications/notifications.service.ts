import { Injectable } from '@nestjs/common';
import { NotificationsRepository } from '@labgate/persistence';
import { Page, pageRequest, toPage } from '../common/pagination';
import type { Principal } from '../common/principal';

export interface NotificationView {
  id: string;
  event: string;
  pilotId?: string;
  gateReviewId?: string;
  data: Record<string, unknown>;
  createdAt: string;
}

/** The in-app inbox. */
@Injectable()
export class NotificationsService {
  constructor(private readonly notifications: NotificationsRepository) {}

  async inbox(user: Principal, limit?: number, cursor?: string): Promise<Page<NotificationView>> {
    const page = pageRequest(limit, cursor);
    return toPage(await this.notifications.page(user.id, page), page.size, (r) => ({
      id: r.id,
      event: r.event,
      ...(r.pilot_id ? { pilotId: r.pilot_id } : {}),
      ...(r.gate_review_id ? { gateReviewId: r.gate_review_id } : {}),
      data: r.data,
      createdAt: r.created_at.toISOString(),
    }));
  }
}
