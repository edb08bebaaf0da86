import '../../register-paths';
import { Redis } from 'ioredis';
import { dropDatabase } from '@labgate/persistence';
import { assertThrowaway } from './global-setup';
import type { AppProcess } from '../../support/processes';

export default async function globalTeardown(): Promise<void> {
  const started = (globalThis as { __labgate?: Record<string, AppProcess> }).__labgate ?? {};
  await Promise.all(Object.values(started).map((p) => p.stop()));
  const databaseUrl = process.env.DATABASE_URL!;
  assertThrowaway(databaseUrl);
  if (process.env.KEEP_TEST_DATABASE !== '1') await dropDatabase(databaseUrl);
  const redis = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${process.env.QUEUE_PREFIX}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
