import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintCents } from './transformers';

@Entity('programmes')
export class ProgrammeEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @Column('uuid', { name: 'owner_id' })
  ownerId!: string;

  @Column('bigint', { name: 'envelope_cents', transformer: bigintCents })
  envelopeCents!: number;

  @Column('bigint', { name: 'committed_cents', transformer: bigintCents, default: 0 })
  committedCents!: number;

  @Column('bigint', { name: 'spent_cents', transformer: bigintCents, default: 0 })
  spentCents!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
