import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { bigintCents } from './transformers';

/** One stage a pilot was in: the reports' history, written with every stage change. */
@Entity('stage_intervals')
export class StageIntervalEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column('uuid', { name: 'pilot_id' })
  pilotId!: string;

  @Column('text')
  stage!: string;

  @Column('timestamptz', { name: 'entered_at' })
  enteredAt!: Date;

  @Column('timestamptz', { name: 'left_at', nullable: true })
  leftAt!: Date | null;

  @Column('text', { name: 'left_how', nullable: true })
  leftHow!: 'go' | 'abandoned' | null;

  @Column('smallint')
  trl!: number;
}

/** A commit or release of money, written with the balances it changes. */
@Entity('ledger_movements')
export class LedgerMovementEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column('uuid', { name: 'pilot_id' })
  pilotId!: string;

  @Column('uuid', { name: 'programme_id' })
  programmeId!: string;

  @Column('text')
  kind!: 'commit' | 'release';

  @Column('bigint', { transformer: bigintCents })
  cents!: number;

  @Column('timestamptz', { default: () => 'now()' })
  at!: Date;
}

/** A leaf of the transparency log: one audit event, by its index in append order. */
@Entity('tlog_leaves')
export class TlogLeafEntity {
  @PrimaryColumn('bigint') idx!: string;
  @Column('uuid', { name: 'pilot_id' }) pilotId!: string;
  @Column('int') seq!: number;
  @Column('char', { length: 64 }) hash!: string;
}

/** A signed checkpoint of the transparency log. */
@Entity('tlog_checkpoints')
export class TlogCheckpointEntity {
  @PrimaryColumn('bigint') size!: string;
  @Column('char', { length: 64 }) root!: string;
  @Column('text') note!: string;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
}

/** The generated signing key of the log (sealed under SECRETS_KEY when set). */
@Entity('tlog_keys')
export class TlogKeyEntity {
  @PrimaryColumn('smallint') id!: number;
  @Column('text') origin!: string;
  @Column('text', { name: 'private_key' }) privateKey!: string;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
}

/** A stretch during which a pilot lacked a compliance prerequisite of its next gate. */
@Entity('compliance_blocks')
export class ComplianceBlockEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' }) id!: string;
  @Column('uuid', { name: 'pilot_id' }) pilotId!: string;
  @Column('text') gate!: string;
  @Column('text', { array: true }) missing!: string[];
  @Column('timestamptz', { default: () => 'now()' }) since!: Date;
  @Column('timestamptz', { nullable: true }) until!: Date | null;
}

/**
 * One event a report figure counts (migration ReportFacts): written by the database's own
 * trigger from the rows above, read only by the reports.
 */
@Entity('report_facts')
export class ReportFactEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column('uuid', { name: 'pilot_id' })
  pilotId!: string;

  @Column('uuid', { name: 'programme_id' })
  programmeId!: string;

  @Column('text')
  domain!: string;

  @Column('text', { name: 'lead_agency' })
  leadAgency!: string;

  @Column('timestamptz')
  at!: Date;

  @Column('text')
  metric!: string;

  @Column('text')
  key!: string;

  @Column('int')
  n!: number;

  @Column('bigint')
  v!: string;

  @Column('bigint')
  v2!: string;
}

/** Report facts summed per programme × domain × lead agency × metric × key, per grain and bucket. */
@Entity('report_rollups')
export class ReportRollupEntity {
  @PrimaryColumn('char', { length: 1 })
  grain!: 'a' | 'm' | 'd';

  @PrimaryColumn('date')
  bucket!: string;

  @PrimaryColumn('text')
  metric!: string;

  @PrimaryColumn('text')
  key!: string;

  @PrimaryColumn('uuid', { name: 'programme_id' })
  programmeId!: string;

  @PrimaryColumn('text')
  domain!: string;

  @PrimaryColumn('text', { name: 'lead_agency' })
  leadAgency!: string;

  @PrimaryColumn('int')
  slot!: number;

  @Column('bigint')
  n!: string;

  @Column('bigint')
  v!: string;

  @Column('bigint')
  v2!: string;
}

/**
 * A pilot whose report facts wait for their refresh (migration ReportRefreshQueued): noted by the
 * database's commit trigger, taken by report_catch_up (the worker's rounds and every report).
 */
@Entity('report_pending')
export class ReportPendingEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column('uuid', { name: 'pilot_id' })
  pilotId!: string;

  /** Which families of facts: P stages and money, R reviews, S seats. */
  @Column('text')
  families!: string;

  @Column('timestamptz', { name: 'noted_at' })
  notedAt!: Date;
}
