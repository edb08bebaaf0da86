import { Inject, Injectable, Logger, Module, OnModuleDestroy } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@labgate/config';
import { redisOptions } from '@labgate/queue';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * The rate limits' counters, in Redis through @nest-lab/throttler-storage-redis, so every API
 * process counts against the same budget. Fails open: while Redis is away (refused, or slower
 * than 300 ms) nothing is counted, requests are served and the outage is logged once.
 */
@Injectable()
export class SharedThrottlerStorage implements ThrottlerStorage, OnModuleDestroy {
  private readonly logger = new Logger('RateLimits');
  private readonly redis: Redis;
  private readonly store: ThrottlerStorageRedisService;
  private readonly prefix: string;
  private outage = false;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.prefix = `${config.queuePrefix}:limits:`;
    this.redis = new Redis({
      ...redisOptions(config.redisUrl),
      // Never queue or retry a count: a limit that waits for Redis would hang the request.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 300,
      lazyConnect: true,
    });
    this.redis.on('error', () => undefined);
    if (config.rateLimitPerMinute > 0 || config.authFailuresPerMinute > 0) this.redis.connect().catch(() => undefined);
    this.store = new ThrottlerStorageRedisService(this.redis);
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    try {
      const record = await this.store.increment(this.prefix + key, ttl, limit, blockDuration, throttlerName);
      if (this.outage) {
        this.outage = false;
        this.logger.log('Redis is back: rate limits are counted again');
      }
      return record;
    } catch (err) {
      if (!this.outage) {
        this.outage = true;
        this.logger.warn(`rate limits are not counted while Redis is away (${(err as Error).message})`);
      }
      return { totalHits: 0, timeToExpire: Math.ceil(ttl / 1000), isBlocked: false, timeToBlockExpire: 0 };
    }
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}

@Module({ providers: [SharedThrottlerStorage], exports: [SharedThrottlerStorage] })
export class RateLimitStorageModule {}
