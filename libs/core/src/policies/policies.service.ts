import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Gate, GatePolicy, validatePolicy } from '@labgate/domain';
import type { Principal } from '../common/principal';

export interface GatePolicyView extends GatePolicy {
  gate: Gate;
  updatedAt: string;
  updatedBy: string | null;
}

interface PolicyRow {
  gate: Gate;
  policy: GatePolicy;
  updated_at: Date;
  updated_by: string | null;
}

const toView = (r: PolicyRow): GatePolicyView => ({ gate: r.gate, ...r.policy, updatedAt: r.updated_at.toISOString(), updatedBy: r.updated_by });

/** Gate policies are data, edited by chairs; each review runs under the snapshot it opened with. */
@Injectable()
export class PoliciesService {
  constructor(private readonly db: DataSource) {}

  async get(gate: Gate): Promise<GatePolicyView> {
    const [row]: PolicyRow[] = await this.db.query('SELECT * FROM gate_policies WHERE gate = $1', [gate]);
    return toView(row!);
  }

  async put(chair: Principal, gate: Gate, input: GatePolicy): Promise<GatePolicyView> {
    const policy = validatePolicy(input);
    const [rows]: [PolicyRow[], number] = await this.db.query(
      'UPDATE gate_policies SET policy = $2, updated_at = now(), updated_by = $3 WHERE gate = $1 RETURNING *',
      [gate, JSON.stringify(policy), chair.id],
    );
    return toView(rows[0]!);
  }
}
