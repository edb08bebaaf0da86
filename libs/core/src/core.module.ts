import { Global, Module } from '@nestjs/common';
import { AgenciesService } from './agencies/agencies.service';
import { AuditService } from './audit/audit.service';
import { AuthService } from './auth/auth.service';
import { IdempotencyService } from './idempotency/idempotency.service';
import { ExpendituresService } from './pilots/expenditures.service';
import { PilotLifecycleHooks } from './pilots/pilot-lifecycle.hooks';
import { PilotsService } from './pilots/pilots.service';
import { ProgrammesService } from './programmes/programmes.service';
import { UsersService } from './users/users.service';

const SERVICES = [
  AgenciesService,
  AuditService,
  AuthService,
  ExpendituresService,
  IdempotencyService,
  PilotLifecycleHooks,
  PilotsService,
  ProgrammesService,
  UsersService,
];

/** The services both apps share; the API adds controllers, the worker adds processors. */
@Global()
@Module({ providers: SERVICES, exports: SERVICES })
export class CoreModule {}
