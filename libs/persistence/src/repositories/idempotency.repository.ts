import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { rowColumns } from './row-columns';
import { Tx, updateReturning } from './tx';

export interface IdempotencyRow {
  fingerprint: string;
  state: string;
  response_status: number;
  response_body: unknown;
  response_headers: Record<string, string> | null;
}

export const IDEMPOTENCY_COLUMNS = rowColumns<IdempotencyRow>()('fingerprint', 'state', 'response_status', 'response_body', 'response_headers');

/** Idempotency-Key claims, keyed by (user, key). */
@Injectable()
export class IdempotencyRepository {
  constructor(private readonly db: DataSource) {}

  /** Claims the key, or takes over a claim older than `staleSeconds`; false when someone holds it. */
  async claim(userId: string, key: string, fingerprint: string, staleSeconds: number): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `INSERT INTO idempotency_keys AS k (user_id, key, fingerprint, state) VALUES ($1, $2, $3, 'running')
       ON CONFLICT (user_id, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, created_at = now()
         WHERE k.state = 'running' AND k.created_at < now() - make_interval(secs => $4)
       RETURNING 1`,
      [userId, key, fingerprint, staleSeconds],
    );
    return rows.length > 0;
  }

  async find(userId: string, key: string): Promise<IdempotencyRow | null> {
    const rows: IdempotencyRow[] = await this.db.query(
      'SELECT fingerprint, state, response_status, response_body, response_headers FROM idempotency_keys WHERE user_id = $1 AND key = $2',
      [userId, key],
    );
    return rows[0] ?? null;
  }

  /** Stores the response; in the command's own transaction when `tx` is given. */
  async complete(userId: string, key: string, status: number, body: unknown, headers: Record<string, string>, tx: Tx = this.db.manager): Promise<void> {
    await tx.query(
      `UPDATE idempotency_keys SET state = 'done', response_status = $3, response_body = $4, response_headers = $5 WHERE user_id = $1 AND key = $2`,
      [userId, key, status, JSON.stringify(body ?? null), JSON.stringify(headers)],
    );
  }

  /** Keys older than `hours` are forgotten: a retry after that runs as a new request. */
  async expire(hours: number): Promise<number> {
    const rows = await updateReturning(this.db.manager, `DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1) RETURNING 1`, [hours]);
    return rows.length;
  }

  async release(userId: string, key: string): Promise<void> {
    await this.db.query(`DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND state = 'running'`, [userId, key]);
  }
}
