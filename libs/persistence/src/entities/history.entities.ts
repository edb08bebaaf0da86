import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
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
