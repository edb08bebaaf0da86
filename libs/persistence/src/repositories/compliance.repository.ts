import { Injectable } from '@nestjs/common';
import type { Gate } from '@labgate/domain';
import { Tx } from './tx';

export interface ComplianceBlockRow {
  gate: Gate;
  missing: string[];
}

/** The stretches during which a pilot was blocked at its next gate by a missing prerequisite. */
@Injectable()
export class ComplianceRepository {
  async openBlock(tx: Tx, pilotId: string): Promise<ComplianceBlockRow | null> {
    const rows: ComplianceBlockRow[] = await tx.query('SELECT gate, missing FROM compliance_blocks WHERE pilot_id = $1 AND until IS NULL', [pilotId]);
    return rows[0] ?? null;
  }

  async close(tx: Tx, pilotId: string): Promise<void> {
    await tx.query('UPDATE compliance_blocks SET until = now() WHERE pilot_id = $1 AND until IS NULL', [pilotId]);
  }

  async open(tx: Tx, pilotId: string, gate: Gate, missing: string[]): Promise<void> {
    await tx.query('INSERT INTO compliance_blocks (pilot_id, gate, missing) VALUES ($1, $2, $3)', [pilotId, gate, missing]);
  }
}
