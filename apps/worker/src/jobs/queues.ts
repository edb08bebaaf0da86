import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { JobsOptions, Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@labgate/config';
import { JobName, QueueName, redisOptions } from '@labgate/queue';

/**
 * Producer handles on the queues, for the relay and for removing timers. They fail fast while
 * Redis is away (no offline queue), so the relay rolls back and tries again instead of hanging.
 */
@Injectable()
export class Queues implements OnApplicationShutdown {
  private readonly byName = new Map<QueueName, Queue>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    for (const name of Object.values(QueueName)) {
      const queue = new Queue(name, {
        connection: redisOptions(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 }),
        prefix: config.queuePrefix,
      });
      queue.on('error', () => undefined);
      this.byName.set(name, queue);
    }
  }

  get(name: QueueName): Queue {
    return this.byName.get(name)!;
  }

  /** Retries with exponential backoff; failures kept for inspection; successes kept a day (dedup by jobId). */
  optionsFor(name: JobName): JobsOptions {
    const base: JobsOptions = {
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 86_400, count: 50_000 },
      removeOnFail: false,
    };
    if (name === JobName.DeliverWebhook) {
      return { ...base, attempts: this.config.webhookAttempts, backoff: { type: 'exponential', delay: this.config.webhookBackoffMs } };
    }
    return base;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.byName.values()].map((q) => q.close()));
  }
}
