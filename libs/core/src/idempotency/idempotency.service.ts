import { Injectable } from '@nestjs/common';
import { IdempotencyRepository, Tx } from '@labgate/persistence';
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
  constructor(private readonly keys: IdempotencyRepository) {}

  async claim(userId: string, key: string, fingerprint: string): Promise<IdempotencyClaim> {
    if (await this.keys.claim(userId, key, fingerprint, STALE_CLAIM_SECONDS)) return { kind: 'claimed' };
    const row = await this.keys.find(userId, key);
    if (!row) return this.claim(userId, key, fingerprint); // released between our two statements
    if (row.fingerprint !== fingerprint) {
      throw new AppError('IDEMPOTENCY.KEY_REUSED', 'This Idempotency-Key was already used with a different request');
    }
    if (row.state === 'running') {
      throw new AppError('IDEMPOTENCY.IN_PROGRESS', 'A request with this Idempotency-Key is still being processed; retry later');
    }
    return { kind: 'replay', status: row.response_status, body: row.response_body, headers: row.response_headers ?? {} };
  }

  async complete(userId: string, key: string, status: number, body: unknown, headers: Record<string, string>, tx?: Tx): Promise<void> {
    await this.keys.complete(userId, key, status, body, headers, tx);
  }

  /** Forgets keys older than `hours` (a scheduled job in the worker). */
  async expire(hours: number): Promise<number> {
    return this.keys.expire(hours);
  }

  async release(userId: string, key: string): Promise<void> {
    await this.keys.release(userId, key);
  }
}
