import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintCents } from './transformers';

@Entity('expenditures')
export class ExpenditureEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'pilot_id' })
  pilotId!: string;

  @Column('bigint', { name: 'amount_cents', transformer: bigintCents })
  amountCents!: number;

  @Column('text')
  description!: string;

  @Column('date', { name: 'spent_on' })
  spentOn!: string;

  @Column('uuid', { name: 'reported_by' })
  reportedBy!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
