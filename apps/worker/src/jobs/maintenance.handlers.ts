import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@labgate/config';
import { SealService } from '@labgate/core';
import { JobName, QueueName } from '@labgate/queue';
import { HandlerTable, JobHandlers } from './job-registry';
import { Queues } from './queues';

@Injectable()
export class MaintenanceHandlers extends JobHandlers implements OnApplicationBootstrap {
  private readonly logger = new Logger(MaintenanceHandlers.name);

  constructor(
    private readonly seals: SealService,
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
    };
  }

  /** One scheduler for all workers (upsert is idempotent), sealing every AUDIT_SEAL_INTERVAL_MS. */
  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.queues
        .get(QueueName.Maintenance)
        .upsertJobScheduler('audit-seal', { every: this.config.auditSealIntervalMs }, { name: JobName.SealAuditChains, data: {}, opts: { removeOnComplete: 100, removeOnFail: 100 } });
    } catch (err) {
      this.logger.warn(`could not schedule the audit seal yet (${(err as Error).message}); it is scheduled on the next start`);
    }
  }
}
