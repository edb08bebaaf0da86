import { Injectable } from '@nestjs/common';
import { DEFAULT_PREREQUISITES, Gate, GatePolicy, validatePolicy } from '@labgate/domain';
import { GatePolicyEntity, PoliciesRepository } from '@labgate/persistence';
import type { Principal } from '../common/principal';

export interface GatePolicyView extends GatePolicy {
  gate: Gate;
  updatedAt: string;
  updatedBy: string | null;
}


const toView = (r: GatePolicyEntity): GatePolicyView => ({
  gate: r.gate,
  ...r.policy,
  prerequisites: r.policy.prerequisites ?? [...DEFAULT_PREREQUISITES[r.gate]],
  updatedAt: r.updatedAt.toISOString(),
  updatedBy: r.updatedBy,
});

/** Gate policies are data, edited by chairs; each review runs under the snapshot it opened with. */
@Injectable()
export class PoliciesService {
  constructor(private readonly policies: PoliciesRepository) {}

  async get(gate: Gate): Promise<GatePolicyView> {
    return toView(await this.policies.find(gate));
  }

  async put(chair: Principal, gate: Gate, input: GatePolicy): Promise<GatePolicyView> {
    return toView(await this.policies.save(gate, validatePolicy(input), chair.id));
  }
}
