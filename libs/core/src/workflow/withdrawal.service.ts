import { Injectable } from '@nestjs/common';
import { decideWithdrawal } from '@labgate/domain';
import { Transactor, WorkContext } from '@labgate/persistence';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../common/principal';
import { Ledger } from '../ledger/ledger.service';
import { EventsService } from '../notifications/events.service';
import { PilotView, toPilotView } from '../pilots/pilot.view';
import { PilotsService, requireLead } from '../pilots/pilots.service';
import { DecisionService } from './decision.service';

/** A lead gives up on a pilot at any stage, leaving lessons learned. */
@Injectable()
export class WithdrawalService {
  constructor(
    private readonly tx: Transactor,
    private readonly pilots: PilotsService,
    private readonly decisions: DecisionService,
    private readonly ledger: Ledger,
    private readonly audit: AuditService,
    private readonly events: EventsService,
  ) {}

  /** The open review is cancelled; committed but unspent money goes back to the programme. */
  async withdraw(lead: Principal, id: string, lessonsLearned: string, work: WorkContext): Promise<PilotView> {
    return this.tx.run(async (tx) => {
      const row = await this.pilots.findVisible(tx, lead, id, true);
      requireLead(row, lead);
      const lessons = lessonsLearned.trim();
      const change = decideWithdrawal({ stage: row.stage, lessonsLearned: lessons, pilot: { committedCents: Number(row.committed_cents), spentCents: Number(row.spent_cents) } });
      await this.decisions.cancelOpenReview(tx, id, lead.id);
      await this.ledger.apply(tx, row, change, { lessonsLearned: lessons });
      const releasedCents = change.releaseCents;
      await this.audit.append(tx, { pilotId: id, actor: lead.id, action: 'pilot.withdrawn', payload: { fromStage: row.stage, lessonsLearned: lessons, releasedCents } });
      await this.events.publish(tx, {
        event: 'pilot.abandoned',
        pilotId: id,
        recipients: [],
        agencies: [row.lead_agency, ...row.partner_agencies],
        data: { pilotCode: row.code, reason: 'withdrawn', releasedCents },
      });
      return toPilotView(await this.pilots.findVisible(tx, lead, id, false));
    }, work);
  }
}
