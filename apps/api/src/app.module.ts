import { hostname } from 'node:os';
import { Module, RequestMethod } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
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
        // Probes are not logged, so they skip the request logger altogether (a child logger and
        // an async context per request otherwise).
        exclude: [
          { method: RequestMethod.GET, path: 'health/live' },
          { method: RequestMethod.GET, path: 'health/ready' },
        ],
        pinoHttp: {
          level: config.logLevel,
          name: 'labgate-api',
          // Fastify already chose the id (the caller's X-Request-Id or a new one): log under it.
          genReqId: (req) => (req as { id?: string }).id ?? 'unknown',
          // A fixed binding, not customProps (a function called on every request).
          base: { pid: process.pid, hostname: hostname(), app: 'api' },
          redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
          serializers: {
            // The queue dashboard's one-time ?token= must not end up in the logs.
            req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url.replace(/([?&]token=)[^&]*/g, '$1[redacted]') }),
          },
        },
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
    // Guards run in this order: who is calling, then how often.
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_FILTER, useClass: ProblemFilter },
    IdempotencyInterceptor,
    QueueHandles,
    ApiMetrics,
    AuthFailureLimiter,
    BootstrapAdmin,
  ],
})
export class ApiModule {}
