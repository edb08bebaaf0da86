import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@labgate/config';
import { redisOptions } from '@labgate/queue';

const WINDOW_SECONDS = 60;

/**
 * Failed authentications (no token, an unknown or revoked one) counted per client address in
 * Redis, so every API process shares the count: past AUTH_FAILURES_PER_MINUTE an address gets
 * 429 before any token lookup, so guessing tokens costs the database nothing. Fails open: while
 * Redis is away nothing is counted and requests are served as usual.
 */
@Injectable()
export class AuthFailureLimiter implements OnModuleDestroy {
  private readonly logger = new Logger(AuthFailureLimiter.name);
  private readonly redis: Redis;
  private readonly limit: number;
  private readonly prefix: string;
  private warned = false;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.limit = config.authFailuresPerMinute;
    this.prefix = `${config.queuePrefix}:auth-failures:`;
    this.redis = new Redis({ ...redisOptions(config.redisUrl), enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true });
    this.redis.on('error', () => undefined);
    if (this.limit > 0) this.redis.connect().catch(() => undefined);
  }

  /** Seconds until the address may try again, or 0 when it may now. */
  async retryAfter(address: string): Promise<number> {
    if (this.limit === 0) return 0;
    try {
      // One round trip on every request; the window's rest is read only for a refused address.
      const key = this.prefix + address;
      if (Number((await this.redis.get(key)) ?? 0) < this.limit) return 0;
      return Math.max(1, await this.redis.ttl(key));
    } catch (err) {
      this.warnOnce(err);
      return 0;
    }
  }

  async recordFailure(address: string): Promise<void> {
    if (this.limit === 0) return;
    try {
      const key = this.prefix + address;
      await this.redis.multi().incr(key).expire(key, WINDOW_SECONDS, 'NX').exec();
    } catch (err) {
      this.warnOnce(err);
    }
  }

  private warnOnce(err: unknown): void {
    if (this.warned) return;
    this.warned = true;
    this.logger.warn(`authentication failures are not counted while Redis is away (${(err as Error).message})`);
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
