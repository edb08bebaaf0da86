import type { RedisOptions } from 'bullmq';
import { Redis } from 'ioredis';

/**
 * Connection options for BullMQ and health checks. `maxRetriesPerRequest: null` is what BullMQ
 * workers require; blocking commands must wait for Redis to come back rather than fail.
 */
export function redisOptions(redisUrl: string, overrides: RedisOptions = {}): RedisOptions {
  const url = new URL(redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    username: url.username || undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
    ...overrides,
  };
}

/** A one-shot ping that fails fast instead of retrying forever: for start-up and readiness. */
export async function pingRedis(redisUrl: string, timeoutMs = 2000): Promise<void> {
  const client = new Redis({
    ...redisOptions(redisUrl),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } finally {
    client.disconnect();
  }
}
