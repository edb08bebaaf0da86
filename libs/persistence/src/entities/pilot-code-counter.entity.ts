import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('pilot_code_counters')
export class PilotCodeCounterEntity {
  @PrimaryColumn('int')
  year!: number;

  @Column('int', { name: 'last_number' })
  lastNumber!: number;
}
