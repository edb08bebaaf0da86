import { Injectable } from '@nestjs/common';
import { assertCents } from '@labgate/domain';
import { ExpenditureRow, LedgerRepository, Transactor, WorkContext } from '@labgate/persistence';
import { AuditService } from '../audit/audit.service';
import { AppError } from '../common/app-error';
import { Page, pageRequest, toPage } from '../common/pagination';
import type { Principal } from '../common/principal';
import { Ledger } from '../ledger/ledger.service';
import { PilotsService, requireLead } from './pilots.service';

const DAY_MS = 86_400_000;

export interface ExpenditureView {
  id: string;
  pilotId: string;
  amountCents: number;
  description: string;
  spentOn: string;
  reportedBy: string;
  createdAt: string;
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

@Injectable()
export class ExpendituresService {
  constructor(
    private readonly tx: Transactor,
    private readonly pilots: PilotsService,
    private readonly ledger: Ledger,
    private readonly expenditures: LedgerRepository,
    private readonly audit: AuditService,
  ) {}

  /** The lead reports spend; the ledger refuses more than the pilot has committed. */
  async report(lead: Principal, pilotId: string, input: { amountCents: number; description: string; spentOn: string }, work: WorkContext): Promise<ExpenditureView> {
    assertCents(input.amountCents, 'amountCents');
    // Spend is reported once made. A day of grace for the lead's time zone: their today may be tomorrow in UTC.
    const latest = new Date(Date.now() + DAY_MS).toISOString().slice(0, 10);
    if (input.spentOn > latest) {
      throw new AppError('REQUEST.INVALID', `spentOn ${input.spentOn} is in the future: report spend once it is made`, [{ field: 'spentOn', message: 'later than today' }]);
    }
    return this.tx.run(async (tx) => {
      const pilot = await this.pilots.findVisible(tx, lead, pilotId, true);
      requireLead(pilot, lead);
      const view = toView(await this.ledger.spend(tx, pilot, { ...input, reportedBy: lead.id }));
      await this.audit.append(tx, {
        pilotId,
        actor: lead.id,
        action: 'expenditure.reported',
        payload: { expenditureId: view.id, amountCents: view.amountCents, description: view.description, spentOn: view.spentOn },
      });
      return view;
    }, work);
  }

  async list(viewer: Principal, pilotId: string, limit?: number, cursor?: string): Promise<Page<ExpenditureView>> {
    await this.pilots.findVisible(this.tx.none, viewer, pilotId, false);
    const page = pageRequest(limit, cursor);
    return toPage(await this.expenditures.listExpenditures(pilotId, page), page.size, toView);
  }
}
