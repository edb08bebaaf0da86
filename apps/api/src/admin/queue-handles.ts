import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@labgate/config';
import { QueueName, redisOptions } from '@labgate/queue';

/**
 * The API's read handles on the worker's queues, shared by the queue dashboard and the metrics.
 * They fail fast while Redis is away (no offline queue) rather than hang a page or a scrape.
 */
@Injectable()
export class QueueHandles implements OnModuleDestroy {
  readonly all: Queue[];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.all = Object.values(QueueName).map((name) => {
      const queue = new Queue(name, { connection: redisOptions(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 }), prefix: config.queuePrefix });
      queue.on('error', () => undefined);
      return queue;
    });
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.all.map((q) => q.close()));
  }
}
