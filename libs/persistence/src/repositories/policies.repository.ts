import { Injectable } from '@nestjs/common';
import { DataSource, EntityNotFoundError } from 'typeorm';
import type { Gate, GatePolicy } from '@labgate/domain';
import { GatePolicyEntity } from '../entities/workflow.entities';
import { Tx } from './tx';

/** Gate policies: one row per gate, seeded by a migration, edited by chairs. */
@Injectable()
export class PoliciesRepository {
  constructor(private readonly db: DataSource) {}

  /** One statement, no entity hydration: every proposal and submission reads its gate's policy. */
  async find(gate: Gate, tx: Tx = this.db.manager): Promise<GatePolicyEntity> {
    const rows: GatePolicyEntity[] = await tx.query(
      'SELECT gate, policy, updated_at AS "updatedAt", updated_by AS "updatedBy" FROM gate_policies WHERE gate = $1',
      [gate],
    );
    if (!rows[0]) throw new EntityNotFoundError(GatePolicyEntity, { gate });
    return rows[0];
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
