import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ProgrammeEntity } from '../entities/programme.entity';
import { keysetCondition, PageRequest, pageLimit } from './keyset';
import { rowColumns } from './row-columns';
import { Tx, updateReturning } from './tx';

export interface ProgrammeRow {
  id: string;
  name: string;
  owner_id: string;
  envelope_cents: string;
  committed_cents: string;
  spent_cents: string;
  created_at: Date;
}

export interface ExpenditureRow {
  id: string;
  pilot_id: string;
  amount_cents: string;
  description: string;
  spent_on: string;
  reported_by: string;
  created_at: Date;
}

export const PROGRAMME_COLUMNS = rowColumns<ProgrammeRow>()('id', 'name', 'owner_id', 'envelope_cents', 'committed_cents', 'spent_cents', 'created_at');
export const EXPENDITURE_COLUMNS = rowColumns<ExpenditureRow>()('id', 'pilot_id', 'amount_cents', 'description', 'spent_on', 'reported_by', 'created_at');
const PROGRAMME = PROGRAMME_COLUMNS.map((c) => `p.${c}`).join(', ');
const EXPENDITURE = `e.id, e.pilot_id, e.amount_cents, e.description, to_char(e.spent_on, 'YYYY-MM-DD') AS spent_on, e.reported_by, e.created_at`;

/** Which pilot of which programme money moves for. */
export interface MoneyTarget {
  pilotId: string;
  programmeId: string;
}

/**
 * Programmes (budget envelopes) and the money columns of programmes and pilots. The only code
 * that writes committed_cents and spent_cents; its callers are the core ledger, which asks the
 * domain first. The conditional UPDATEs stay as concurrency guards (and the CHECK constraints
 * behind them), never as the rule.
 */
@Injectable()
export class LedgerRepository {
  constructor(private readonly db: DataSource) {}

  async createProgramme(tx: Tx, input: { name: string; ownerId: string; envelopeCents: number }): Promise<ProgrammeRow> {
    const result = await tx
      .createQueryBuilder()
      .insert()
      .into(ProgrammeEntity)
      .values({ name: input.name, ownerId: input.ownerId, envelopeCents: input.envelopeCents })
      .returning('id')
      .execute();
    return (await this.findProgramme(tx, (result.identifiers[0] as { id: string }).id, false))!;
  }

  async findProgramme(tx: Tx, id: string, forUpdate: boolean): Promise<ProgrammeRow | null> {
    const rows: ProgrammeRow[] = await tx.query(`SELECT ${PROGRAMME} FROM programmes p WHERE p.id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0] ?? null;
  }

  async listProgrammes(page: PageRequest): Promise<ProgrammeRow[]> {
    const params: unknown[] = [];
    const where = keysetCondition('p', page.after, params);
    return this.db.query(`SELECT ${PROGRAMME} FROM programmes p WHERE ${where} ORDER BY p.created_at DESC, p.id DESC ${pageLimit(page.size)}`, params);
  }

  /** Commits a tranche; false when the envelope cannot take it (the guard under the domain's rule). */
  async commit(tx: Tx, target: MoneyTarget, cents: number): Promise<boolean> {
    const fits = await updateReturning(
      tx,
      `UPDATE programmes SET committed_cents = committed_cents + $2 WHERE id = $1 AND committed_cents + $2 <= envelope_cents RETURNING id`,
      [target.programmeId, cents],
    );
    if (fits.length === 0) return false;
    await tx.query('UPDATE pilots SET committed_cents = committed_cents + $2 WHERE id = $1', [target.pilotId, cents]);
    await this.record(tx, target, 'commit', cents);
    return true;
  }

  /** Gives committed, unspent money back to the programme. */
  async release(tx: Tx, target: MoneyTarget, cents: number): Promise<void> {
    await tx.query('UPDATE programmes SET committed_cents = committed_cents - $2 WHERE id = $1', [target.programmeId, cents]);
    await tx.query('UPDATE pilots SET committed_cents = committed_cents - $2 WHERE id = $1', [target.pilotId, cents]);
    await this.record(tx, target, 'release', cents);
  }

  /** The movement itself, kept for the reports' history ("as of" any moment). */
  private async record(tx: Tx, target: MoneyTarget, kind: 'commit' | 'release', cents: number): Promise<void> {
    await tx.query('INSERT INTO ledger_movements (pilot_id, programme_id, kind, cents) VALUES ($1, $2, $3, $4)', [target.pilotId, target.programmeId, kind, cents]);
  }

  /** Records an expenditure and adds it to the pilot's and the programme's spend. */
  async spend(tx: Tx, target: MoneyTarget, input: { amountCents: number; description: string; spentOn: string; reportedBy: string }): Promise<ExpenditureRow> {
    const [row]: ExpenditureRow[] = await tx.query(
      `INSERT INTO expenditures AS e (pilot_id, amount_cents, description, spent_on, reported_by)
       VALUES ($1, $2, $3, $4, $5) RETURNING ${EXPENDITURE}`,
      [target.pilotId, input.amountCents, input.description, input.spentOn, input.reportedBy],
    );
    await tx.query('UPDATE pilots SET spent_cents = spent_cents + $2, version = version + 1, updated_at = now() WHERE id = $1', [target.pilotId, input.amountCents]);
    await tx.query('UPDATE programmes SET spent_cents = spent_cents + $2 WHERE id = $1', [target.programmeId, input.amountCents]);
    return row!;
  }

  async listExpenditures(pilotId: string, page: PageRequest): Promise<ExpenditureRow[]> {
    const params: unknown[] = [pilotId];
    const where = keysetCondition('e', page.after, params);
    return this.db.query(
      `SELECT ${EXPENDITURE} FROM expenditures e WHERE e.pilot_id = $1 AND ${where} ORDER BY e.created_at DESC, e.id DESC ${pageLimit(page.size)}`,
      params,
    );
  }
}
