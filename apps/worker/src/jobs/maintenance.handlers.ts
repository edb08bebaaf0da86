import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@labgate/config';
import { IdempotencyService, ReportsService, SealService } from '@labgate/core';
import { JobName, QueueName } from '@labgate/queue';
import { HandlerTable, JobHandlers } from './job-registry';
import { Queues } from './queues';

/** How often the report rollups' per-session slots are folded into slot 0 (their number stays bounded). */
export const REPORT_FOLD_INTERVAL_MS = 5 * 60_000;

@Injectable()
export class MaintenanceHandlers extends JobHandlers implements OnApplicationBootstrap {
  private readonly logger = new Logger(MaintenanceHandlers.name);

  constructor(
    private readonly seals: SealService,
    private readonly idempotency: IdempotencyService,
    private readonly reports: ReportsService,
    private readonly queues: Queues,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  handlers(): HandlerTable {
    return {
      [JobName.SealAuditChains]: async () => {
        const seal = await this.seals.seal();
        this.logger.log(`sealed ${seal.chains} audit chain(s): ${seal.root}`);
        return 'success';
      },
      [JobName.ExpireIdempotencyKeys]: async () => {
        const forgotten = await this.idempotency.expire(this.config.idempotencyTtlHours);
        if (forgotten > 0) this.logger.log(`forgot ${forgotten} Idempotency-Key record(s) older than ${this.config.idempotencyTtlHours} h`);
        return 'success';
      },
      [JobName.FoldReportRollups]: async () => {
        const folded = await this.reports.foldRollups();
        if (folded > 0) this.logger.log(`folded ${folded} report rollup row(s) into slot 0`);
        return folded > 0 ? 'success' : 'skipped';
      },
    };
  }

  /**
   * One scheduler per job for all workers (upsert is idempotent): the audit seal every
   * AUDIT_SEAL_INTERVAL_MS, the Idempotency-Key sweep every IDEMPOTENCY_SWEEP_INTERVAL_MS, the
   * report rollups' fold every REPORT_FOLD_INTERVAL_MS.
   */
  async onApplicationBootstrap(): Promise<void> {
    const schedules: Array<[string, number, JobName]> = [
      ['audit-seal', this.config.auditSealIntervalMs, JobName.SealAuditChains],
      ['idempotency-expiry', this.config.idempotencySweepIntervalMs, JobName.ExpireIdempotencyKeys],
      ['report-fold', REPORT_FOLD_INTERVAL_MS, JobName.FoldReportRollups],
    ];
    for (const [id, every, name] of schedules) {
      try {
        await this.queues.get(QueueName.Maintenance).upsertJobScheduler(id, { every }, { name, data: {}, opts: { removeOnComplete: 100, removeOnFail: 100 } });
      } catch (err) {
        this.logger.warn(`could not schedule ${name} yet (${(err as Error).message}); it is scheduled on the next start`);
      }
    }
  }
}
