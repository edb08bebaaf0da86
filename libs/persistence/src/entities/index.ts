import { AgencyEntity } from './agency.entity';
import { ApiTokenEntity } from './api-token.entity';
import { AuditEventEntity } from './audit-event.entity';
import { ExpenditureEntity } from './expenditure.entity';
import { ComplianceBlockEntity, LedgerMovementEntity, ReportFactEntity, ReportPendingEntity, ReportRollupEntity, StageIntervalEntity, TlogCheckpointEntity, TlogKeyEntity, TlogLeafEntity } from './history.entities';
import { IdempotencyKeyEntity } from './idempotency-key.entity';
import { PilotCodeCounterEntity, PilotEntity } from './pilot.entity';
import { ProgrammeEntity } from './programme.entity';
import { UserEntity } from './user.entity';
import { WORKFLOW_ENTITIES } from './workflow.entities';

export * from './agency.entity';
export * from './api-token.entity';
export * from './audit-event.entity';
export * from './expenditure.entity';
export * from './history.entities';
export * from './idempotency-key.entity';
export * from './pilot.entity';
export * from './programme.entity';
export * from './user.entity';
export * from './workflow.entities';

export const ENTITIES = [
  AgencyEntity,
  ApiTokenEntity,
  AuditEventEntity,
  ExpenditureEntity,
  ComplianceBlockEntity,
  LedgerMovementEntity,
  StageIntervalEntity,
  ReportFactEntity,
  ReportPendingEntity,
  ReportRollupEntity,
  TlogCheckpointEntity,
  TlogKeyEntity,
  TlogLeafEntity,
  IdempotencyKeyEntity,
  PilotEntity,
  PilotCodeCounterEntity,
  ProgrammeEntity,
  UserEntity,
  ...WORKFLOW_ENTITIES,
];
