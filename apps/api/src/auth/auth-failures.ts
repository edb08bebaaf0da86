import { HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@labgate/config';
import { SharedThrottlerStorage } from './rate-limit.storage';

const WINDOW_MS = 60_000;

/** The 429 an address gets while its failed authentications are over the limit. */
export const tooManyFailures = (): HttpException =>
  new HttpException('Too many failed authentications from this address; try again later', HttpStatus.TOO_MANY_REQUESTS);

/**
 * Failed authentications (no token, an unknown, revoked or expired one) counted per client
 * address in the shared rate-limit storage, so every API process adds to one count. Past
 * AUTH_FAILURES_PER_MINUTE the address is refused with 429 before any token lookup for the rest
 * of the window. The refusal is remembered in this process, so a limited address costs neither
 * the database nor Redis; another process learns of it at that address's next failure there.
 * Fails open with the storage: while Redis is away nothing is counted.
 */
@Injectable()
export class AuthFailureLimiter {
  private readonly limit: number;
  /** Address → when its refusal ends (epoch ms). */
  private readonly refused = new Map<string, number>();

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly storage: SharedThrottlerStorage,
  ) {
    this.limit = config.authFailuresPerMinute;
  }

  /** Seconds until the address may try again, or 0 when it may now. No I/O. */
  retryAfter(address: string): number {
    const until = this.refused.get(address);
    if (until === undefined) return 0;
    const left = until - Date.now();
    if (left > 0) return Math.ceil(left / 1000);
    this.refused.delete(address);
    return 0;
  }

  async recordFailure(address: string): Promise<void> {
    if (this.limit === 0) return;
    const record = await this.storage.increment(`auth-failures:${address}`, WINDOW_MS, this.limit, WINDOW_MS, 'auth');
    // The storage blocks once the count passes the limit; refuse at the limit itself.
    if (record.isBlocked || record.totalHits >= this.limit) {
      const seconds = record.isBlocked ? record.timeToBlockExpire : record.timeToExpire;
      if (this.refused.size > 100_000) this.refused.clear();
      this.refused.set(address, Date.now() + Math.max(1, seconds) * 1000);
    }
  }
}
