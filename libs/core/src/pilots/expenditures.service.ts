import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { assertCents, checkSpend } from '@labgate/domain';
import { AuditService } from '../audit/audit.service';
import { decodeCursor, keysetCondition, Page, pageSize, toPage } from '../common/pagination';
import type { Principal } from '../common/principal';
import { PilotsService, requireLead } from './pilots.service';

export interface ExpenditureView {
  id: string;
  pilotId: string;
  amountCents: number;
  description: string;
  spentOn: string;
  reportedBy: string;
  createdAt: string;
}

interface ExpenditureRow {
  id: string;
  pilot_id: string;
  amount_cents: string;
  description: string;
  spent_on: string;
  reported_by: string;
  created_at: Date;
}

const toView = (r: ExpenditureRow): ExpenditureView => ({
  id: r.id,
  pilotId: r.pilot_id,
  amountCents: Number(r.amount_cents),
  description: r.description,
  spentOn: r.spent_on,
  reportedBy: r.reported_by,
  createdAt: r.created_at.toISOString(),
});

const COLUMNS = `e.id, e.pilot_id, e.amount_cents, e.description, to_char(e.spent_on, 'YYYY-MM-DD') AS spent_on, e.reported_by, e.created_at`;

@Injectable()
export class ExpendituresService {
  constructor(
    private readonly db: DataSource,
    private readonly pilots: PilotsService,
    private readonly audit: AuditService,
  ) {}

  /** Spend is bounded by the money committed to the pilot (and so by the programme's envelope). */
  async report(lead: Principal, pilotId: string, input: { amountCents: number; description: string; spentOn: string }): Promise<ExpenditureView> {
    assertCents(input.amountCents, 'amountCents');
    return this.db.transaction(async (tx) => {
      const pilot = await this.pilots.findVisible(tx, lead, pilotId, true);
      requireLead(pilot, lead);
      checkSpend({ committedCents: Number(pilot.committed_cents), spentCents: Number(pilot.spent_cents), amountCents: input.amountCents });
      const [row]: ExpenditureRow[] = await tx.query(
        `INSERT INTO expenditures AS e (pilot_id, amount_cents, description, spent_on, reported_by)
         VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
        [pilotId, input.amountCents, input.description, input.spentOn, lead.id],
      );
      await tx.query(
        'UPDATE pilots SET spent_cents = spent_cents + $2, version = version + 1, updated_at = now() WHERE id = $1',
        [pilotId, input.amountCents],
      );
      await tx.query('UPDATE programmes SET spent_cents = spent_cents + $2 WHERE id = $1', [pilot.programme_id, input.amountCents]);
      const view = toView(row!);
      await this.audit.append(tx, {
        pilotId,
        actor: lead.id,
        action: 'expenditure.reported',
        payload: { expenditureId: view.id, amountCents: view.amountCents, description: view.description, spentOn: view.spentOn },
      });
      return view;
    });
  }

  async list(viewer: Principal, pilotId: string, limit?: number, cursor?: string): Promise<Page<ExpenditureView>> {
    await this.pilots.findVisible(this.db.manager, viewer, pilotId, false);
    const size = pageSize(limit);
    const params: unknown[] = [pilotId];
    const where = keysetCondition('e', decodeCursor(cursor), params);
    params.push(size + 1);
    const rows: ExpenditureRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM expenditures e WHERE e.pilot_id = $1 AND ${where}
        ORDER BY e.created_at DESC, e.id DESC LIMIT $${params.length}`,
      params,
    );
    return toPage(rows, size, toView);
  }
}
