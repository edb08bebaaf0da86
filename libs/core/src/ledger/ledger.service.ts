import { Injectable } from '@nestjs/common';
import { checkSpend, MoneyState, StageChange } from '@labgate/domain';
import { ExpenditureRow, LedgerRepository, PilotRow, PilotsRepository, Tx } from '@labgate/persistence';
import { AppError } from '../common/app-error';
import { ComplianceTracker } from '../compliance/compliance-tracker.service';

/**
 * The one place where a pilot's stage and money move: commits, releases and spend, and the stage
 * changes they come with. It applies what the domain decided (decide, decideWithdrawal,
 * checkSpend) inside the caller's transaction; the caller holds the pilot's row lock and records
 * the movement in the audit chain with the event that caused it (gate.decided, pilot.withdrawn,
 * expenditure.reported).
 */
@Injectable()
export class Ledger {
  constructor(
    private readonly money: LedgerRepository,
    private readonly pilots: PilotsRepository,
    private readonly compliance: ComplianceTracker,
  ) {}

  /**
   * The pilot's and its programme's money, the programme's row locked (FOR NO KEY UPDATE: new
   * pilots may still reference it) so the domain's envelope check holds until commit.
   */
  async state(tx: Tx, pilot: PilotRow): Promise<MoneyState> {
    const programme = await this.money.findProgramme(tx, pilot.programme_id, true);
    return {
      pilot: { committedCents: Number(pilot.committed_cents), spentCents: Number(pilot.spent_cents) },
      programme: { envelopeCents: Number(programme!.envelope_cents), committedCents: Number(programme!.committed_cents) },
    };
  }

  /** Applies a stage change the domain decided: money first, then the stage. */
  async apply(tx: Tx, pilot: PilotRow, change: StageChange, context: { trl?: number; lessonsLearned?: string } = {}): Promise<void> {
    const target = { pilotId: pilot.id, programmeId: pilot.programme_id };
    if (change.commitCents > 0 && !(await this.money.commit(tx, target, change.commitCents))) {
      // The domain checked the envelope under the programme's lock: only a bug gets here.
      throw new AppError('SERVER.UNAVAILABLE', 'The envelope changed under a locked decision; try again');
    }
    if (change.releaseCents > 0) await this.money.release(tx, target, change.releaseCents);
    if (change.toStage !== change.fromStage) {
      const abandoned = change.toStage === 'abandoned';
      await this.pilots.moveStage(tx, pilot.id, {
        stage: change.toStage,
        trl: abandoned ? undefined : context.trl,
        lessonsLearned: abandoned ? context.lessonsLearned : undefined,
      });
      // The next gate asks for other documents (or none, once abandoned or accelerated).
      await this.compliance.refresh(tx, { id: pilot.id, domain: pilot.domain, stage: change.toStage, compliance: pilot.compliance });
    }
  }

  /** Spend is bounded by the money committed to the pilot (and so by the programme's envelope). */
  async spend(tx: Tx, pilot: PilotRow, input: { amountCents: number; description: string; spentOn: string; reportedBy: string }): Promise<ExpenditureRow> {
    checkSpend({ committedCents: Number(pilot.committed_cents), spentCents: Number(pilot.spent_cents), amountCents: input.amountCents });
    return this.money.spend(tx, { pilotId: pilot.id, programmeId: pilot.programme_id }, input);
  }
}
