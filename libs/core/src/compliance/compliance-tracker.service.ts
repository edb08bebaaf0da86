import { Injectable } from '@nestjs/common';
import { Gate, gateForStage, GatePolicy, missingPrerequisites } from '@labgate/domain';
import { ComplianceRepository, PilotRow, PoliciesRepository, Tx } from '@labgate/persistence';

/**
 * Keeps `compliance_blocks` true to the domain's rule (missingPrerequisites under the next
 * gate's current policy): called in the transaction of every change that can start or end a
 * block — a pilot's creation, an edit, a stage change.
 */
@Injectable()
export class ComplianceTracker {
  constructor(
    private readonly blocks: ComplianceRepository,
    private readonly policies: PoliciesRepository,
  ) {}

  /**
   * `created`: the pilot was inserted in this transaction, so it has no block to read.
   * `known`: a gate's policy the caller read in this transaction already (used for that gate only).
   */
  async refresh(tx: Tx, pilot: Pick<PilotRow, 'id' | 'domain' | 'stage' | 'compliance'>, created = false, known?: { gate: Gate; policy: GatePolicy }): Promise<void> {
    const gate = gateForStage(pilot.stage);
    let missing: string[] = [];
    if (gate) {
      const policy = known?.gate === gate ? known.policy : (await this.policies.find(gate, tx)).policy;
      missing = missingPrerequisites({ domain: pilot.domain, compliance: pilot.compliance ?? {} }, gate, policy.prerequisites).map((m) => m.field);
    }
    const open = created ? null : await this.blocks.openBlock(tx, pilot.id);
    // Still blocked at the same gate (perhaps for fewer items): the stretch goes on.
    if (open && gate === open.gate && missing.length > 0) return;
    if (open) await this.blocks.close(tx, pilot.id);
    if (gate && missing.length > 0) await this.blocks.open(tx, pilot.id, gate, missing);
  }
}
