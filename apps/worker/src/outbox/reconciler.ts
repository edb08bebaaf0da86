import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@labgate/config';
import { ReconcilerService } from '@labgate/core';
import { QUEUE_OF_JOB, QueueName } from '@labgate/queue';
import { Queues } from '../jobs/queues';

/**
 * At start and every RECONCILE_INTERVAL_MS (a minute), puts back in the queues the work that
 * Postgres says should be there: after Redis lost its data (a restart without persistence), a
 * review waiting for its tally, deadline or reminder, or a delivery waiting for its job, would
 * otherwise wait for ever. Adding a job under an id the queue holds is a no-op.
 */
@Injectable()
export class Reconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(Reconciler.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly reconciler: ReconcilerService,
    private readonly queues: Queues,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.kick(), this.config.reconcileIntervalMs);
    this.kick();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  private kick(): void {
    if (this.stopped || this.running) return;
    this.running = this.round().then(
      () => undefined,
      () => undefined,
    );
    void this.running.finally(() => (this.running = undefined));
  }

  /** One round; returns how many jobs were offered to the queues. */
  async round(): Promise<number> {
    try {
      const jobs = await this.reconciler.plan(this.config.reconcileStrandedAfterMs);
      if (!jobs || jobs.length === 0) return 0;
      const now = Date.now();
      const byQueue = new Map<QueueName, Array<{ name: string; data: object; opts: object }>>();
      for (const job of jobs) {
        const queue = QUEUE_OF_JOB[job.name];
        const list = byQueue.get(queue) ?? [];
        list.push({ name: job.name, data: job.data, opts: { ...this.queues.optionsFor(job.name), jobId: job.jobId, delay: job.runAt ? Math.max(0, job.runAt.getTime() - now) : 0 } });
        byQueue.set(queue, list);
      }
      await Promise.all([...byQueue].map(([queue, list]) => this.queues.get(queue).addBulk(list)));
      return jobs.length;
    } catch (err) {
      this.logger.warn(`reconciler round skipped: ${(err as Error).message}`);
      return 0;
    }
  }
}
