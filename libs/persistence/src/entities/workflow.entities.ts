import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import type { Gate, GatePolicy, Outcome, TallyResult } from '@labgate/domain';
import { bigintCents } from './transformers';

/**
 * The review workflow's tables (migration ReviewWorkflow). The services reach them with SQL
 * under explicit row locks; these classes describe them, and the schema test holds the two
 * together.
 */

@Entity('gate_policies')
export class GatePolicyEntity {
  @PrimaryColumn('text') gate!: Gate;
  @Column('jsonb') policy!: GatePolicy;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
  @Column('uuid', { name: 'updated_by', nullable: true }) updatedBy!: string | null;
}

@Entity('gate_reviews')
export class GateReviewEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'pilot_id' }) pilotId!: string;
  @Column('text') gate!: Gate;
  @Column('int') round!: number;
  @Column('text') status!: 'open' | 'escalated' | 'decided' | 'cancelled';
  @Column('jsonb') policy!: GatePolicy;
  @Column('jsonb') evidence!: Record<string, unknown>;
  @Column('bigint', { name: 'tranche_cents', transformer: bigintCents }) trancheCents!: number;
  @Column('uuid', { name: 'submitted_by' }) submittedBy!: string;
  @Column('timestamptz', { name: 'opened_at' }) openedAt!: Date;
  @Column('timestamptz', { name: 'due_at' }) dueAt!: Date;
  @Column('timestamptz', { name: 'seats_assigned_at', nullable: true }) seatsAssignedAt!: Date | null;
  @Column('uuid', { name: 'timer_job_ids', array: true }) timerJobIds!: string[];
  @Column('jsonb', { nullable: true }) tally!: TallyResult | null;
  @Column('text', { name: 'escalation_reason', nullable: true }) escalationReason!: string | null;
  @Column('timestamptz', { name: 'escalated_at', nullable: true }) escalatedAt!: Date | null;
  @Column('text', { name: 'decision_outcome', nullable: true }) decisionOutcome!: Outcome | null;
  @Column('text', { name: 'decision_rationale', nullable: true }) decisionRationale!: string | null;
  @Column('text', { name: 'decided_by', nullable: true }) decidedBy!: string | null;
  @Column('timestamptz', { name: 'decided_at', nullable: true }) decidedAt!: Date | null;
  @Column('timestamptz', { name: 'cancelled_at', nullable: true }) cancelledAt!: Date | null;
}

@Entity('assignments')
export class AssignmentEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'gate_review_id' }) gateReviewId!: string;
  @Column('uuid', { name: 'pilot_id' }) pilotId!: string;
  @Column('text') seat!: string;
  @Column('uuid', { name: 'reviewer_id', nullable: true }) reviewerId!: string | null;
  @Column('text') status!: 'unassigned' | 'pending' | 'voted' | 'declined' | 'cancelled';
  @Column('text', { name: 'decline_reason', nullable: true }) declineReason!: string | null;
  @Column('timestamptz', { name: 'due_at' }) dueAt!: Date;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}

@Entity('votes')
export class VoteEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'gate_review_id' }) gateReviewId!: string;
  @Column('uuid', { name: 'assignment_id' }) assignmentId!: string;
  @Column('text') seat!: string;
  @Column('uuid', { name: 'reviewer_id' }) reviewerId!: string;
  @Column('text') recommendation!: Outcome;
  @Column('numeric', { precision: 2, scale: 1 }) excellence!: string;
  @Column('numeric', { precision: 2, scale: 1 }) impact!: string;
  @Column('numeric', { precision: 2, scale: 1 }) implementation!: string;
  @Column('text') rationale!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

@Entity('outbox')
export class OutboxEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text', { name: 'job_name' }) jobName!: string;
  @Column('jsonb') payload!: Record<string, unknown>;
  @Column('timestamptz', { name: 'run_at', nullable: true }) runAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz', { name: 'sent_at', nullable: true }) sentAt!: Date | null;
}

@Entity('notifications')
export class NotificationEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'user_id' }) userId!: string;
  @Column('text') event!: string;
  @Column('uuid', { name: 'pilot_id', nullable: true }) pilotId!: string | null;
  @Column('uuid', { name: 'gate_review_id', nullable: true }) gateReviewId!: string | null;
  @Column('jsonb') data!: Record<string, unknown>;
  @Column('uuid', { name: 'source_id' }) sourceId!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

@Entity('webhooks')
export class WebhookEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text', { name: 'agency_code' }) agencyCode!: string;
  @Column('text') url!: string;
  @Column('text', { array: true }) events!: string[];
  @Column('text') secret!: string;
  @Column('text', { name: 'previous_secret', nullable: true }) previousSecret!: string | null;
  @Column('timestamptz', { name: 'previous_secret_expires_at', nullable: true }) previousSecretExpiresAt!: Date | null;
  @Column('timestamptz', { name: 'deleted_at', nullable: true }) deletedAt!: Date | null;
  @Column('uuid', { name: 'created_by' }) createdBy!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

@Entity('webhook_deliveries')
export class WebhookDeliveryEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'webhook_id' }) webhookId!: string;
  @Column('uuid', { name: 'event_id' }) eventId!: string;
  @Column('text') event!: string;
  @Column('text') body!: string;
  @Column('text') status!: 'pending' | 'delivered' | 'failed';
  @Column('int') attempts!: number;
  @Column('int', { name: 'last_status', nullable: true }) lastStatus!: number | null;
  @Column('text', { name: 'last_error', nullable: true }) lastError!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz', { name: 'finished_at', nullable: true }) finishedAt!: Date | null;
}

@Entity('chain_seals')
export class ChainSealEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('char', { length: 64 }) root!: string;
  @Column('int') chains!: number;
  @Column('jsonb') heads!: Array<{ pilotId: string; seq: number; hash: string }>;
  @Column('timestamptz', { name: 'sealed_at' }) sealedAt!: Date;
}

export const WORKFLOW_ENTITIES = [
  GatePolicyEntity,
  GateReviewEntity,
  AssignmentEntity,
  VoteEntity,
  OutboxEntity,
  NotificationEntity,
  WebhookEntity,
  WebhookDeliveryEntity,
  ChainSealEntity,
];
