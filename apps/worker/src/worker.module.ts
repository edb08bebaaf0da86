import { Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { APP_CONFIG, AppConfig, AppConfigModule } from '@labgate/config';
import { CoreModule } from '@labgate/core';
import { dataSourceOptions, initializeAppDataSource } from '@labgate/persistence';
import { QueueName, redisOptions } from '@labgate/queue';
import { JobRegistry } from './jobs/job-registry';
import { MaintenanceHandlers } from './jobs/maintenance.handlers';
import { NotificationHandlers } from './jobs/notification.handlers';
import { MaintenanceProcessor, NotificationsProcessor, ReviewsProcessor } from './jobs/processors';
import { Queues } from './jobs/queues';
import { ReviewHandlers } from './jobs/review.handlers';
import { OutboxRelay } from './outbox/outbox.relay';
import { Reconciler } from './outbox/reconciler';
import { ReportCatchUp } from './reports/report-catch-up';
import { WorkerMetrics } from './worker-metrics';

@Module({
  imports: [
    AppConfigModule,
    LoggerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ pinoHttp: { level: config.logLevel, name: 'labgate-worker' } }),
    }),
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => dataSourceOptions(config, 'labgate-worker'),
      dataSourceFactory: (options) => initializeAppDataSource(options!),
    }),
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ connection: redisOptions(config.redisUrl), prefix: config.queuePrefix }),
    }),
    BullModule.registerQueue(...Object.values(QueueName).map((name) => ({ name }))),
    CoreModule,
  ],
  providers: [
    WorkerMetrics,
    Queues,
    OutboxRelay,
    Reconciler,
    ReportCatchUp,
    ReviewHandlers,
    NotificationHandlers,
    MaintenanceHandlers,
    {
      provide: JobRegistry,
      inject: [ReviewHandlers, NotificationHandlers, MaintenanceHandlers],
      useFactory: (...sources: [ReviewHandlers, NotificationHandlers, MaintenanceHandlers]) => new JobRegistry(sources),
    },
    ReviewsProcessor,
    NotificationsProcessor,
    MaintenanceProcessor,
  ],
})
export class WorkerModule {}
