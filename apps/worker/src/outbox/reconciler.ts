import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@labgate/config';
import { ReconcilerService } from '@labgate/core';
import { QUEUE_OF_JOB, QueueName } from '@labgate/queue';
import { Queues } from '../jobs/queues';
import { PeriodicTask } from '../periodic-task';

/**
 * At start and every RECONCILE_INTERVAL_MS (a minute), puts back in the queues the work that
 * Postgres says should be there: after Redis lost its data (a restart without persistence), a
 * review waiting for its tally, deadline or reminder, or a delivery waiting for its job, would
 * otherwise wait for ever. Adding a job under an id the queue holds is a no-op.
 */
@Injectable()
export class Reconciler extends PeriodicTask {
  private readonly logger = new Logger(Reconciler.name);

  constructor(
    private readonly reconciler: ReconcilerService,
    private readonly queues: Queues,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  protected get intervalMs(): number {
    return this.config.reconcileIntervalMs;
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
