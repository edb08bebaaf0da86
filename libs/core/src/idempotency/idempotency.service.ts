import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppError } from '../common/app-error';

/** A claim older than this is taken to belong to a request that died; the key may run again. */
const STALE_CLAIM_SECONDS = 120;

export type IdempotencyClaim =
  | { kind: 'claimed' }
  | { kind: 'replay'; status: number; body: unknown; headers: Record<string, string> };

/**
 * Idempotency-Key semantics of the IETF httpapi draft (and Stripe): keys are scoped to the
 * caller; a replay returns the first response; the same key with another request → 422; while
 * the first is still running → 409. Only successful responses are kept: a failed request
 * changed nothing, so it may be retried with the same key.
 */
@Injectable()
export class IdempotencyService {
  constructor(private readonly db: DataSource) {}

  async claim(userId: string, key: string, fingerprint: string): Promise<IdempotencyClaim> {
    const inserted: unknown[] = await this.db.query(
      `INSERT INTO idempotency_keys AS k (user_id, key, fingerprint, state) VALUES ($1, $2, $3, 'running')
       ON CONFLICT (user_id, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, created_at = now()
         WHERE k.state = 'running' AND k.created_at < now() - make_interval(secs => $4)
       RETURNING 1`,
      [userId, key, fingerprint, STALE_CLAIM_SECONDS],
    );
    if (inserted.length > 0) return { kind: 'claimed' };
    const rows: Array<{ fingerprint: string; state: string; response_status: number; response_body: unknown; response_headers: Record<string, string> | null }> =
      await this.db.query(
        'SELECT fingerprint, state, response_status, response_body, response_headers FROM idempotency_keys WHERE user_id = $1 AND key = $2',
        [userId, key],
      );
    const row = rows[0];
    if (!row) return this.claim(userId, key, fingerprint); // released between our two statements
    if (row.fingerprint !== fingerprint) {
      throw new AppError('IDEMPOTENCY.KEY_REUSED', 'This Idempotency-Key was already used with a different request');
    }
    if (row.state === 'running') {
      throw new AppError('IDEMPOTENCY.IN_PROGRESS', 'A request with this Idempotency-Key is still being processed; retry later');
    }
    return { kind: 'replay', status: row.response_status, body: row.response_body, headers: row.response_headers ?? {} };
  }

  async complete(userId: string, key: string, status: number, body: unknown, headers: Record<string, string>): Promise<void> {
    await this.db.query(
      `UPDATE idempotency_keys SET state = 'done', response_status = $3, response_body = $4, response_headers = $5
        WHERE user_id = $1 AND key = $2`,
      [userId, key, status, JSON.stringify(body ?? null), JSON.stringify(headers)],
    );
  }

  async release(userId: string, key: string): Promise<void> {
    await this.db.query(`DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND state = 'running'`, [userId, key]);
  }
}
