import { AUDIT_COLUMNS, SEAL_COLUMNS } from './audit.repository';
import { IDEMPOTENCY_COLUMNS } from './idempotency.repository';
import { EXPENDITURE_COLUMNS, PROGRAMME_COLUMNS } from './ledger.repository';
import { NOTIFICATION_COLUMNS } from './notifications.repository';
import { OUTBOX_COLUMNS } from './outbox.repository';
import { PILOT_COLUMNS } from './pilots.repository';
import { ASSIGNMENT_COLUMNS, REVIEW_COLUMNS, VOTE_COLUMNS } from './reviews.repository';
import type { RowTypeColumns } from './row-columns';
import { USER_COLUMNS } from './users.repository';
import { DELIVERY_COLUMNS, WEBHOOK_COLUMNS } from './webhooks.repository';

/** Every repository row type with its table, for the schema test. */
export const ROW_TYPES: RowTypeColumns[] = [
  { rowType: 'PilotRow', table: 'pilots', columns: PILOT_COLUMNS },
  { rowType: 'ReviewRow', table: 'gate_reviews', columns: REVIEW_COLUMNS },
  { rowType: 'AssignmentRow', table: 'assignments', columns: ASSIGNMENT_COLUMNS },
  { rowType: 'VoteRow', table: 'votes', columns: VOTE_COLUMNS },
  { rowType: 'ProgrammeRow', table: 'programmes', columns: PROGRAMME_COLUMNS },
  { rowType: 'ExpenditureRow', table: 'expenditures', columns: EXPENDITURE_COLUMNS },
  { rowType: 'AuditRow', table: 'audit_events', columns: AUDIT_COLUMNS },
  { rowType: 'SealRow', table: 'chain_seals', columns: SEAL_COLUMNS },
  { rowType: 'UserRow', table: 'users', columns: USER_COLUMNS },
  { rowType: 'NotificationRow', table: 'notifications', columns: NOTIFICATION_COLUMNS },
  { rowType: 'WebhookRow', table: 'webhooks', columns: WEBHOOK_COLUMNS },
  { rowType: 'DeliveryRow', table: 'webhook_deliveries', columns: DELIVERY_COLUMNS },
  { rowType: 'OutboxRow', table: 'outbox', columns: OUTBOX_COLUMNS },
  { rowType: 'IdempotencyRow', table: 'idempotency_keys', columns: IDEMPOTENCY_COLUMNS },
];
