import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { formatPilotCode, Sensitivity, Stage, withdraw } from '@labgate/domain';
import type { Heilmeier, PilotDomain } from '@labgate/persistence';
import { AgenciesService } from '../agencies/agencies.service';
import { AuditService } from '../audit/audit.service';
import { AppError } from '../common/app-error';
import { decodeCursor, keysetCondition, Page, pageSize, toPage } from '../common/pagination';
import type { Principal } from '../common/principal';
import { PG_UNDEFINED_TABLE, PG_UNIQUE_VIOLATION, pgCode } from '../common/pg-errors';
import { preparedQuery } from '../common/fast-query';
import { updateReturning } from '../common/sql';
import { EventsService } from '../notifications/events.service';
import { DecisionService } from '../workflow/decision.service';
import { pilotVisibilitySql } from './pilot-visibility';
import { pilotColumns, PilotRow, PilotView, toPilotView } from './pilot.view';

export interface PilotInput {
  title: string;
  summary: string;
  domain: PilotDomain;
  programmeId: string;
  partnerAgencies: string[];
  trl: { current: number; target: number };
  budgetRequestedCents: number;
  personalData: boolean;
  dpiaRef?: string | null;
  sensitivity: Sensitivity;
  heilmeier: Heilmeier;
}

export type PilotPatch = Partial<Omit<PilotInput, 'heilmeier'>> & { heilmeier?: Partial<Heilmeier> };

export interface PilotFilter {
  stage?: Stage;
  domain?: PilotDomain;
  agency?: string;
  programmeId?: string;
  q?: string;
  limit?: number;
  cursor?: string;
}

@Injectable()
export class PilotsService {
  constructor(
    private readonly db: DataSource,
    private readonly agencies: AgenciesService,
    private readonly audit: AuditService,
    private readonly decisions: DecisionService,
    private readonly events: EventsService,
  ) {}

  async create(lead: Principal, input: PilotInput): Promise<PilotView> {
    const partners = [...new Set(input.partnerAgencies)];
    await this.checkPartners(lead.agency, partners);
    checkPersonalData(input.personalData, input.dpiaRef);
    checkTrl(input.trl);
    const year = new Date().getUTCFullYear();
    const number = await this.nextPilotNumber(year);
    return this.db.transaction(async (tx) => {
      const programme: unknown[] = await tx.query('SELECT 1 FROM programmes WHERE id = $1', [input.programmeId]);
      if (programme.length === 0) throw programmeUnknown(input.programmeId);
      const [row]: PilotRow[] = await tx.query(
        `INSERT INTO pilots AS p (code, title, summary, domain, lead_agency, lead_id, partner_agencies, programme_id,
            trl_current, trl_target, trl_initial, budget_requested_cents, personal_data, dpia_ref, sensitivity, heilmeier)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9, $11, $12, $13, $14, $15)
         RETURNING ${pilotColumns('p')}`,
        [
          formatPilotCode(year, number),
          input.title,
          input.summary,
          input.domain,
          lead.agency,
          lead.id,
          partners,
          input.programmeId,
          input.trl.current,
          input.trl.target,
          input.budgetRequestedCents,
          input.personalData,
          input.personalData ? input.dpiaRef : (input.dpiaRef ?? null),
          input.sensitivity,
          JSON.stringify(input.heilmeier),
        ],
      );
      const pilot = toPilotView(row!);
      await this.audit.append(tx, {
        pilotId: pilot.id,
        actor: lead.id,
        action: 'pilot.created',
        payload: {
          code: pilot.code,
          title: pilot.title,
          stage: pilot.stage,
          programmeId: pilot.programmeId,
          leadAgency: pilot.leadAgency,
          partnerAgencies: pilot.partnerAgencies,
          budgetRequestedCents: pilot.budgetRequestedCents,
          sensitivity: pilot.sensitivity,
        },
        at: row!.created_at,
      });
      return pilot;
    });
  }

  async list(viewer: Principal, filter: PilotFilter): Promise<Page<PilotView>> {
    const size = pageSize(filter.limit);
    const params: unknown[] = [];
    const where = [pilotVisibilitySql('p', viewer, params), keysetCondition('p', decodeCursor(filter.cursor), params)];
    const add = (sql: (n: string) => string, value: unknown) => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (filter.stage) add((n) => `p.stage = ${n}`, filter.stage);
    if (filter.domain) add((n) => `p.domain = ${n}`, filter.domain);
    if (filter.programmeId) add((n) => `p.programme_id = ${n}`, filter.programmeId);
    if (filter.agency) add((n) => `(p.lead_agency = ${n} OR ${n} = ANY(p.partner_agencies))`, filter.agency);
    if (filter.q) {
      add((n) => `(p.code || ' ' || p.title || ' ' || p.summary) ILIKE ${n}`, `%${filter.q.replace(/[\\%_]/g, '\\$&')}%`);
    }
    params.push(size + 1);
    const rows = await preparedQuery<PilotRow>(
      this.db,
      `SELECT ${pilotColumns('p')} FROM pilots p WHERE ${where.join(' AND ')}
        ORDER BY p.created_at DESC, p.id DESC LIMIT $${params.length}`,
      params,
    );
    return toPage(rows, size, toPilotView);
  }

  /** A pilot the viewer may see; 404 otherwise, never 403, so existence does not leak. */
  async get(viewer: Principal, id: string): Promise<PilotView> {
    const params: unknown[] = [id];
    const visible = pilotVisibilitySql('p', viewer, params);
    const rows = await preparedQuery<PilotRow>(this.db, `SELECT ${pilotColumns('p')} FROM pilots p WHERE p.id = $1 AND ${visible}`, params);
    if (!rows[0]) throw pilotNotFound(id);
    return toPilotView(rows[0]);
  }

  async update(lead: Principal, id: string, ifMatch: string | undefined, patch: PilotPatch): Promise<PilotView> {
    if (ifMatch === undefined) {
      throw new AppError('PILOT.PRECONDITION_REQUIRED', 'PATCH needs an If-Match header with the ETag of the pilot you edited');
    }
    if (patch.partnerAgencies) {
      patch.partnerAgencies = [...new Set(patch.partnerAgencies)];
      await this.checkPartners(lead.agency, patch.partnerAgencies);
    }
    if (patch.trl) checkTrl(patch.trl);
    return this.db.transaction(async (tx) => {
      const row = await this.findVisible(tx, lead, id, true);
      requireLead(row, lead);
      if (ifMatch.trim() !== '*' && !etagMatches(ifMatch, row.version)) {
        throw new AppError('PILOT.STALE', `The pilot has changed since you read it (now version ${row.version}); read it again`);
      }
      if (row.stage === 'abandoned') throw wrongState(row, 'edited');
      const current = toPilotView(row);
      const next = { ...current, ...dropUndefined(patch), heilmeier: { ...current.heilmeier, ...dropUndefined(patch.heilmeier ?? {}) } };
      if (patch.personalData === false && patch.dpiaRef === undefined) next.dpiaRef = current.dpiaRef;
      checkPersonalData(next.personalData, next.dpiaRef);
      if (next.budgetRequestedCents < current.committedCents) {
        throw new AppError('PILOT.BUDGET_BELOW_COMMITTED', 'The requested budget cannot fall below the money already committed', [
          { field: 'budgetRequestedCents', message: `must be at least ${current.committedCents}` },
        ]);
      }
      if (patch.programmeId !== undefined && patch.programmeId !== current.programmeId) {
        if (current.committedCents > 0) {
          throw new AppError('PILOT.PROGRAMME_LOCKED', 'A pilot with committed money cannot move to another programme');
        }
        const found: unknown[] = await tx.query('SELECT 1 FROM programmes WHERE id = $1', [patch.programmeId]);
        if (found.length === 0) throw programmeUnknown(patch.programmeId);
      }
      const seatShaping = (['partnerAgencies', 'personalData', 'programmeId'] as const).filter((f) => patch[f] !== undefined);
      if (seatShaping.length > 0) {
        const open: unknown[] = await tx.query(`SELECT 1 FROM gate_reviews WHERE pilot_id = $1 AND status IN ('open', 'escalated')`, [id]);
        if (open.length > 0) {
          throw new AppError('GATE.REVIEW_OPEN', `${current.code} is under gate review: ${seatShaping.join(', ')} cannot change until it is decided`);
        }
      }
      const [updated] = await updateReturning<PilotRow>(
        tx,
        `UPDATE pilots p SET title = $2, summary = $3, domain = $4, programme_id = $5, partner_agencies = $6,
            trl_current = $7, trl_target = $8, budget_requested_cents = $9, personal_data = $10, dpia_ref = $11,
            sensitivity = $12, heilmeier = $13, version = version + 1, updated_at = now()
          WHERE p.id = $1 RETURNING ${pilotColumns('p')}`,
        [
          id,
          next.title,
          next.summary,
          next.domain,
          next.programmeId,
          next.partnerAgencies,
          next.trl.current,
          next.trl.target,
          next.budgetRequestedCents,
          next.personalData,
          next.dpiaRef ?? null,
          next.sensitivity,
          JSON.stringify(next.heilmeier),
        ],
      );
      await this.audit.append(tx, { pilotId: id, actor: lead.id, action: 'pilot.edited', payload: { changes: dropUndefined(patch) } });
      return toPilotView(updated!);
    });
  }

  /**
   * The lead abandons the pilot: an open review is cancelled, committed but unspent money goes
   * back to the programme.
   */
  async withdraw(lead: Principal, id: string, lessonsLearned: string): Promise<PilotView> {
    return this.db.transaction(async (tx) => {
      const row = await this.findVisible(tx, lead, id, true);
      requireLead(row, lead);
      if (row.stage === 'abandoned') throw wrongState(row, 'withdrawn');
      const lessons = lessonsLearned.trim();
      withdraw(row.stage, lessons);
      await this.decisions.cancelOpenReview(tx, row, lead.id);
      const releasedCents = await this.decisions.abandonPilot(tx, row, lessons);
      await this.audit.append(tx, {
        pilotId: id,
        actor: lead.id,
        action: 'pilot.withdrawn',
        payload: { fromStage: row.stage, lessonsLearned: lessons, releasedCents },
      });
      await this.events.publish(tx, {
        event: 'pilot.abandoned',
        pilotId: id,
        recipients: [],
        agencies: [row.lead_agency, ...row.partner_agencies],
        data: { pilotCode: row.code, reason: 'withdrawn', releasedCents },
      });
      return toPilotView(await this.findVisible(tx, lead, id, false));
    });
  }

  /**
   * Loads a pilot the viewer may see, optionally locking its row for the rest of the transaction
   * (the lock also serialises appends to its audit chain).
   */
  async findVisible(tx: EntityManager, viewer: Principal, id: string, forUpdate: boolean): Promise<PilotRow> {
    const params: unknown[] = [id];
    const visible = pilotVisibilitySql('p', viewer, params);
    const rows: PilotRow[] = await tx.query(
      `SELECT ${pilotColumns('p')} FROM pilots p WHERE p.id = $1 AND ${visible}${forUpdate ? ' FOR UPDATE OF p' : ''}`,
      params,
    );
    if (!rows[0]) throw pilotNotFound(id);
    return rows[0];
  }

  /**
   * The next number of the year's pilot codes, from a sequence per year: sequences never lock,
   * so concurrent proposals do not queue behind one counter row. Codes are unique and rising;
   * a failed proposal leaves a gap.
   */
  private async nextPilotNumber(year: number): Promise<number> {
    const sequence = `pilot_code_${year}`;
    for (let attempt = 0; ; attempt++) {
      try {
        const [row]: Array<{ n: string }> = await this.db.query('SELECT nextval($1::regclass) AS n', [sequence]);
        return Number(row!.n);
      } catch (err) {
        if (pgCode(err) !== PG_UNDEFINED_TABLE || attempt > 0) throw err;
        try {
          await this.db.query(`CREATE SEQUENCE IF NOT EXISTS ${sequence}`);
        } catch (raced) {
          // Two first proposals of a year may both create it; the loser finds it there.
          if (pgCode(raced) !== PG_UNIQUE_VIOLATION && pgCode(raced) !== '42P07') throw raced;
        }
      }
    }
  }

  private async checkPartners(leadAgency: string, partners: string[]): Promise<void> {
    if (partners.includes(leadAgency)) {
      throw new AppError('PILOT.INVALID', 'The lead agency is not its own partner', [
        { field: 'partnerAgencies', message: `must not contain the lead agency ${leadAgency}` },
      ]);
    }
    const unknown = await this.agencies.unknownCodes(partners);
    if (unknown.length > 0) {
      throw new AppError('AGENCY.UNKNOWN', `Unknown agencies: ${unknown.join(', ')}`, [
        { field: 'partnerAgencies', message: `unknown agency codes: ${unknown.join(', ')}` },
      ]);
    }
  }
}

export function requireLead(row: PilotRow, viewer: Principal): void {
  if (row.lead_id !== viewer.id) {
    throw new AppError('PILOT.NOT_LEAD', `Only the lead of ${row.code} may do this`);
  }
}

export function wrongState(row: PilotRow, verb: string): AppError {
  return new AppError('PILOT.WRONG_STATE', `${row.code} is ${row.stage} and cannot be ${verb}`);
}

function pilotNotFound(id: string): AppError {
  return new AppError('PILOT.NOT_FOUND', `Pilot ${id} does not exist or is not visible to you`);
}

function programmeUnknown(id: string): AppError {
  return new AppError('PILOT.PROGRAMME_UNKNOWN', `Programme ${id} does not exist`, [
    { field: 'programmeId', message: 'unknown programme' },
  ]);
}

function checkPersonalData(personalData: boolean, dpiaRef: string | null | undefined): void {
  if (personalData && !dpiaRef?.trim()) {
    throw new AppError('PILOT.INVALID', 'A pilot that processes personal data needs a DPIA reference', [
      { field: 'dpiaRef', message: 'required when personalData is true' },
    ]);
  }
}

function checkTrl(trl: { current: number; target: number }): void {
  if (trl.target < trl.current) {
    throw new AppError('PILOT.INVALID', 'The target TRL cannot be below the current one', [
      { field: 'trl.target', message: `must be at least ${trl.current}` },
    ]);
  }
}

function etagMatches(ifMatch: string, version: number): boolean {
  return ifMatch
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .includes(`"${version}"`);
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
