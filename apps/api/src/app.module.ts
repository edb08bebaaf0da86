import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { APP_CONFIG, AppConfig, AppConfigModule } from '@labgate/config';
import { CoreModule } from '@labgate/core';
import { dataSourceOptions, initializeAppDataSource } from '@labgate/persistence';
import { AgenciesController } from './agencies/agencies.controller';
import { AuthGuard } from './auth/auth.guard';
import { RateLimitGuard } from './auth/rate-limit.guard';
import { RateLimitStorageModule, SharedThrottlerStorage } from './auth/rate-limit.storage';
import { HealthController } from './health/health.controller';
import { ProblemFilter } from './http/problem.filter';
import { IdempotencyInterceptor } from './http/idempotency.interceptor';
import { apiLoggerOptions } from './http/request-log';
import { MeController } from './me/me.controller';
import { PilotsController } from './pilots/pilots.controller';
import { ProgrammesController } from './programmes/programmes.controller';
import { UsersController } from './users/users.controller';
import { BootstrapAdmin } from './bootstrap-admin';
import { GatePoliciesController } from './policies/policies.controller';
import { AssignmentsController, GateReviewsController } from './reviews/reviews.controller';
import { WebhooksController } from './webhooks/webhooks.controller';
import { ReportsController } from './reports/reports.controller';
import { DashboardController } from './reports/dashboard.controller';
import { MetricsController } from './metrics/metrics.controller';
import { ProofsController, TransparencyController } from './transparency/transparency.controller';
import { ApiMetrics } from './metrics/api-metrics';
import { AuthFailureLimiter } from './auth/auth-failures';
import { QueueHandles } from './admin/queue-handles';

@Module({
  imports: [
    AppConfigModule,
    LoggerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        // Requests are logged from the API's first Fastify hook (http/request-log.ts); the
        // library's middleware, and the async context it opens per request, stay off every route.
        forRoutes: [],
        pinoHttp: apiLoggerOptions(config),
      }),
    }),
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => dataSourceOptions(config, 'labgate-api'),
      dataSourceFactory: (options) => initializeAppDataSource(options!),
    }),
    TerminusModule.forRoot({ logger: false }),
    RateLimitStorageModule,
    ThrottlerModule.forRootAsync({
      imports: [RateLimitStorageModule],
      inject: [APP_CONFIG, SharedThrottlerStorage],
      useFactory: (config: AppConfig, storage: SharedThrottlerStorage) => ({
        throttlers: [{ name: 'default', ttl: 60_000, limit: config.rateLimitPerMinute }],
        skipIf: () => config.rateLimitPerMinute === 0,
        errorMessage: 'Too many requests from this caller: wait the seconds Retry-After gives, then try again',
        storage,
      }),
    }),
    CoreModule,
  ],
  controllers: [
    HealthController,
    MeController,
    AgenciesController,
    UsersController,
    ProgrammesController,
    PilotsController,
    GateReviewsController,
    AssignmentsController,
    GatePoliciesController,
    WebhooksController,
    ReportsController,
    DashboardController,
    MetricsController,
    TransparencyController,
    ProofsController,
  ],
  providers: [
    // The guards (who is calling, then how often) sit on every controller but the probes'
    // (GuardedController), not on the whole application.
    AuthGuard,
    RateLimitGuard,
    { provide: APP_FILTER, useClass: ProblemFilter },
    IdempotencyInterceptor,
    QueueHandles,
    ApiMetrics,
    AuthFailureLimiter,
    BootstrapAdmin,
  ],
})
export class ApiModule {}
