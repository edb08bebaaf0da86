import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Gate, GatePolicy } from '@labgate/domain';
import { GatePolicyEntity } from '../entities/workflow.entities';
import { Tx } from './tx';

/** Gate policies: one row per gate, seeded by a migration, edited by chairs. */
@Injectable()
export class PoliciesRepository {
  constructor(private readonly db: DataSource) {}

  async find(gate: Gate, tx: Tx = this.db.manager): Promise<GatePolicyEntity> {
    return tx.getRepository(GatePolicyEntity).findOneByOrFail({ gate });
  }

  async save(gate: Gate, policy: GatePolicy, updatedBy: string): Promise<GatePolicyEntity> {
    await this.db
      .createQueryBuilder()
      .update(GatePolicyEntity)
      .set({ policy, updatedBy, updatedAt: () => 'now()' })
      .where('gate = :gate', { gate })
      .execute();
    return this.find(gate);
  }
}
