import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One link of a pilot's hash chain; the table refuses UPDATE and DELETE. */
@Entity('audit_events')
export class AuditEventEntity {
  @PrimaryColumn('uuid', { name: 'pilot_id' })
  pilotId!: string;

  @PrimaryColumn('int')
  seq!: number;

  @Column('text')
  actor!: string;

  @Column('text')
  action!: string;

  @Column('jsonb')
  payload!: unknown;

  @Column('timestamptz')
  at!: Date;

  @Column('char', { name: 'prev_hash', length: 64 })
  prevHash!: string;

  @Column('char', { length: 64 })
  hash!: string;
}
