import { Global, Module, OnApplicationShutdown } from '@nestjs/common';
import { RepositoriesModule } from '@labgate/persistence';
import { stopTracing } from './common/tracing-sdk';
import { AgenciesService } from './agencies/agencies.service';
import { AuditService } from './audit/audit.service';
import { AuthService } from './auth/auth.service';
import { IdempotencyService } from './idempotency/idempotency.service';
import { ExpendituresService } from './pilots/expenditures.service';
import { PilotBodies } from './pilots/pilot-bodies';
import { PilotsService } from './pilots/pilots.service';
import { ProgrammesService } from './programmes/programmes.service';
import { UsersService } from './users/users.service';
import { SealService } from './audit/seal.service';
import { EventsService } from './notifications/events.service';
import { NotificationsService } from './notifications/notifications.service';
import { PoliciesService } from './policies/policies.service';
import { WebhooksService } from './webhooks/webhooks.service';
import { Ledger } from './ledger/ledger.service';
import { OutboxService } from './outbox/outbox.service';
import { DecisionService } from './workflow/decision.service';
import { WithdrawalService } from './workflow/withdrawal.service';
import { ReviewsService } from './workflow/reviews.service';
import { SeatsService } from './workflow/seats.service';
import { WorkflowService } from './workflow/workflow.service';
import { ReportsService } from './reports/reports.service';
import { ReconcilerService } from './reconcile/reconciler.service';
import { OperationalMetricsService } from './metrics/metrics.service';
import { TransparencyService } from './transparency/transparency.service';
import { ComplianceTracker } from './compliance/compliance-tracker.service';

const SERVICES = [
  AgenciesService,
  AuditService,
  AuthService,
  ExpendituresService,
  IdempotencyService,
  PilotsService,
  PilotBodies,
  ProgrammesService,
  UsersService,
  SealService,
  EventsService,
  NotificationsService,
  PoliciesService,
  WebhooksService,
  DecisionService,
  Ledger,
  WithdrawalService,
  OutboxService,
  ReviewsService,
  SeatsService,
  WorkflowService,
  ReportsService,
  ReconcilerService,
  OperationalMetricsService,
  TransparencyService,
  ComplianceTracker,
];

/** The services both apps share; the API adds controllers, the worker adds processors. */
@Global()
@Module({ imports: [RepositoriesModule], providers: SERVICES, exports: SERVICES })
export class CoreModule implements OnApplicationShutdown {
  /** Spans still buffered (tracing on) are exported before the process ends. */
  async onApplicationShutdown(): Promise<void> {
    await stopTracing();
  }
}
