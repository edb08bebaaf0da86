import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { JobOutcome, QueueName } from '@labgate/queue';
import { JobRegistry } from './job-registry';
import { WorkerMetrics } from '../worker-metrics';

/**
 * Stalled-job recovery: a worker killed mid-job stops renewing its lock; after lockDuration
 * another (or the restarted) worker takes the job again, and the handler's idempotence makes
 * that harmless.
 */
const WORKER_OPTIONS = { lockDuration: 15_000, stalledInterval: 5_000, maxStalledCount: 3 };

@Injectable()
abstract class RegistryProcessor extends WorkerHost {
  protected readonly logger = new Logger(this.constructor.name);

  constructor(
    private readonly registry: JobRegistry,
    private readonly metrics: WorkerMetrics,
  ) {
    super();
  }

  async process(job: Job): Promise<JobOutcome> {
    const started = performance.now();
    let outcome: JobOutcome | 'failed' = 'failed';
    try {
      outcome = await this.registry.run(job);
      this.logger.debug(`${job.name} ${job.id}: ${outcome}`);
      return outcome;
    } finally {
      this.metrics.observe(job.queueName, job.name, outcome, (performance.now() - started) / 1000);
    }
  }

  /** Failures are logged (and kept in Redis), never swallowed: the retry policy needs them thrown. */
  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, err: Error): void {
    const final = !job || job.attemptsMade >= (job.opts.attempts ?? 1);
    const correlation = (job?.data as { correlationId?: string } | undefined)?.correlationId;
    const line = `${job?.name ?? 'job'} ${job?.id ?? ''} failed (attempt ${job?.attemptsMade ?? '?'}${final ? ', final' : ''}${correlation ? `, correlation ${correlation}` : ''}): ${err.message}`;
    if (final) this.logger.error(line);
    else this.logger.warn(line);
  }
}

@Processor(QueueName.Reviews, { concurrency: 8, ...WORKER_OPTIONS })
export class ReviewsProcessor extends RegistryProcessor {}

@Processor(QueueName.Notifications, { concurrency: 8, ...WORKER_OPTIONS })
export class NotificationsProcessor extends RegistryProcessor {}

@Processor(QueueName.Maintenance, { concurrency: 1, ...WORKER_OPTIONS })
export class MaintenanceProcessor extends RegistryProcessor {}
