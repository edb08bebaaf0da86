import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity('agencies')
export class AgencyEntity {
  @PrimaryColumn('text')
  code!: string;

  @Column('text')
  name!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
