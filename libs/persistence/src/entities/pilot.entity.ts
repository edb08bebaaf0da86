import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Compliance, Heilmeier, PilotDomain, Sensitivity, Stage } from '@labgate/domain';
import { bigintCents } from './transformers';

@Entity('pilots')
export class PilotEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text')
  code!: string;

  @Column('text')
  title!: string;

  @Column('text')
  summary!: string;

  @Column('text')
  domain!: PilotDomain;

  @Column('text', { name: 'lead_agency' })
  leadAgency!: string;

  @Column('uuid', { name: 'lead_id' })
  leadId!: string;

  @Column('text', { name: 'partner_agencies', array: true })
  partnerAgencies!: string[];

  @Column('uuid', { name: 'programme_id' })
  programmeId!: string;

  @Column('text')
  stage!: Stage;

  @Column('smallint', { name: 'trl_current' })
  trlCurrent!: number;

  @Column('smallint', { name: 'trl_target' })
  trlTarget!: number;

  @Column('smallint', { name: 'trl_initial' })
  trlInitial!: number;

  @Column('bigint', { name: 'budget_requested_cents', transformer: bigintCents })
  budgetRequestedCents!: number;

  @Column('bigint', { name: 'committed_cents', transformer: bigintCents, default: 0 })
  committedCents!: number;

  @Column('bigint', { name: 'spent_cents', transformer: bigintCents, default: 0 })
  spentCents!: number;

  @Column('boolean', { name: 'personal_data' })
  personalData!: boolean;

  @Column('text', { name: 'dpia_ref', nullable: true })
  dpiaRef!: string | null;

  @Column('text')
  sensitivity!: Sensitivity;

  @Column('jsonb')
  heilmeier!: Heilmeier;

  @Column('jsonb', { default: () => "'{}'" })
  compliance!: Compliance;

  @Column('text', { name: 'lessons_learned', nullable: true })
  lessonsLearned!: string | null;

  @Column('timestamptz', { name: 'stage_entered_at' })
  stageEnteredAt!: Date;

  @Column('timestamptz', { name: 'abandoned_at', nullable: true })
  abandonedAt!: Date | null;

  @Column('int')
  version!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

/** The last pilot code number given out in a year (migration PilotCodeCounters). */
@Entity('pilot_code_counters')
export class PilotCodeCounterEntity {
  @PrimaryColumn('int')
  year!: number;

  @Column('int')
  last!: number;
}
