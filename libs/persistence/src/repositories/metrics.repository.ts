import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface OperationalFigures {
  outbox_pending: number;
  outbox_oldest_seconds: number | null;
  decisions: Array<{ outcome: string; n: number }>;
  deliveries: Array<{ status: string; n: number }>;
  committed_cents: string;
  spent_cents: string;
}

/** What Postgres knows that an operator watches: outbox lag, decisions, deliveries, the ledger. */
@Injectable()
export class MetricsRepository {
  constructor(private readonly db: DataSource) {}

  async figures(): Promise<OperationalFigures> {
    const [row]: OperationalFigures[] = await this.db.query(
      `SELECT (SELECT count(*)::int FROM outbox WHERE sent_at IS NULL) AS outbox_pending,
              (SELECT extract(epoch FROM now() - min(created_at))::float FROM outbox WHERE sent_at IS NULL) AS outbox_oldest_seconds,
              COALESCE((SELECT json_agg(json_build_object('outcome', decision_outcome, 'n', n)) FROM
                 (SELECT decision_outcome, count(*)::int AS n FROM gate_reviews WHERE status = 'decided' GROUP BY 1) d), '[]') AS decisions,
              COALESCE((SELECT json_agg(json_build_object('status', status, 'n', n)) FROM
                 (SELECT status, count(*)::int AS n FROM webhook_deliveries GROUP BY 1) w), '[]') AS deliveries,
              (SELECT COALESCE(sum(committed_cents), 0)::text FROM programmes) AS committed_cents,
              (SELECT COALESCE(sum(spent_cents), 0)::text FROM programmes) AS spent_cents`,
    );
    return row!;
  }
}
