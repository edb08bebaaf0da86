import { Global, Module } from '@nestjs/common';
import { AgenciesRepository } from './agencies.repository';
import { AuditRepository } from './audit.repository';
import { ComplianceRepository } from './compliance.repository';
import { IdempotencyRepository } from './idempotency.repository';
import { LedgerRepository } from './ledger.repository';
import { MetricsRepository } from './metrics.repository';
import { NotificationsRepository } from './notifications.repository';
import { OutboxRepository } from './outbox.repository';
import { PilotsRepository } from './pilots.repository';
import { PoliciesRepository } from './policies.repository';
import { ReconcileRepository } from './reconcile.repository';
import { ReportsRepository } from './reports.repository';
import { ReviewsRepository } from './reviews.repository';
import { TransparencyRepository } from './transparency.repository';
import { Transactor } from './tx';
import { UsersRepository } from './users.repository';
import { WebhooksRepository } from './webhooks.repository';

const REPOSITORIES = [
  AgenciesRepository,
  AuditRepository,
  ComplianceRepository,
  IdempotencyRepository,
  LedgerRepository,
  MetricsRepository,
  NotificationsRepository,
  OutboxRepository,
  PilotsRepository,
  PoliciesRepository,
  ReconcileRepository,
  ReportsRepository,
  ReviewsRepository,
  Transactor,
  TransparencyRepository,
  UsersRepository,
  WebhooksRepository,
];

/** Every repository, for both apps; each owns the SQL of its tables. */
@Global()
@Module({ providers: REPOSITORIES, exports: REPOSITORIES })
export class RepositoriesModule {}
