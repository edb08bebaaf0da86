import { Injectable } from '@nestjs/common';
import { checkNotProhibited, Compliance, formatPilotCode, gateForStage, Heilmeier, PilotDomain, requireLive, Stage } from '@labgate/domain';
import { LedgerRepository, PG_FOREIGN_KEY_VIOLATION, pgCode, pgConstraint, PILOT_PROGRAMME_FOREIGN_KEY, PilotFields, PilotRow, PilotsRepository, ReviewsRepository, Transactor, Tx, WorkContext } from '@labgate/persistence';
import { AgenciesService } from '../agencies/agencies.service';
import { ComplianceTracker } from '../compliance/compliance-tracker.service';
import { AuditService } from '../audit/audit.service';
import { AppError } from '../common/app-error';
import { pilotNotFound } from '../common/not-found';
import type { Principal } from '../common/principal';
import { PilotView, toPilotView } from './pilot.view';

/** A proposal as a lead writes it (the DPIA reference is optional unless personal data is processed). */
export type PilotInput = Omit<PilotFields, 'dpiaRef' | 'compliance'> & { dpiaRef?: string | null } & Compliance;

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
    private readonly tx: Transactor,
    private readonly pilots: PilotsRepository,
    private readonly reviews: ReviewsRepository,
    private readonly programmes: LedgerRepository,
    private readonly agencies: AgenciesService,
    private readonly audit: AuditService,
    private readonly compliance: ComplianceTracker,
  ) {}

  async create(lead: Principal, input: PilotInput, work: WorkContext): Promise<PilotView> {
    const partners = [...new Set(input.partnerAgencies)];
    await this.checkPartners(lead.agency, partners);
    checkPersonalData(input.personalData, input.dpiaRef);
    checkTrl(input.trl);
    const compliance = complianceOf(input);
    checkNotProhibited(compliance);
    const year = new Date().getUTCFullYear();
    const number = await this.pilots.nextCodeNumber(year);
    return this.tx.run(async (tx) => {
      // The programme's foreign key is the check that it exists: no read before the insert. The
      // policy of the gate a proposal goes to next comes back with the insert.
      const nextGate = gateForStage('proposal');
      const { row, nextGatePolicy } = await this.pilots
        .insert(tx, {
          ...input,
          compliance,
          partnerAgencies: partners,
          dpiaRef: input.dpiaRef ?? null,
          code: formatPilotCode(year, number),
          leadAgency: lead.agency,
          leadId: lead.id,
        }, nextGate)
        .catch((err: unknown) => {
          if (pgCode(err) === PG_FOREIGN_KEY_VIOLATION && pgConstraint(err) === PILOT_PROGRAMME_FOREIGN_KEY) throw programmeUnknown(input.programmeId);
          throw err;
        });
      const pilot = toPilotView(row);
      await this.compliance.refresh(tx, row, true, nextGate && nextGatePolicy ? { gate: nextGate, policy: nextGatePolicy } : undefined);
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
        at: row.created_at,
        // Created just now, in this transaction: no chain to read yet.
        head: null,
      });
      return pilot;
    }, work);
  }

  async update(lead: Principal, id: string, ifMatch: string | undefined, patch: PilotPatch, work: WorkContext): Promise<PilotView> {
    if (ifMatch === undefined) {
      throw new AppError('PILOT.PRECONDITION_REQUIRED', 'PATCH needs an If-Match header with the ETag of the pilot you edited');
    }
    if (patch.partnerAgencies) {
      patch.partnerAgencies = [...new Set(patch.partnerAgencies)];
      await this.checkPartners(lead.agency, patch.partnerAgencies);
    }
    if (patch.trl) checkTrl(patch.trl);
    return this.tx.run(async (tx) => {
      const row = await this.findVisible(tx, lead, id, true);
      requireLead(row, lead);
      if (ifMatch.trim() !== '*' && !etagMatches(ifMatch, row.version)) {
        throw new AppError('PILOT.STALE', `The pilot has changed since you read it (now version ${row.version}); read it again`);
      }
      requireLive(row.stage, 'edited');
      // The exams are pre-registered: locked once the pilot went to its first gate.
      if (patch.heilmeier?.exams !== undefined && (await this.reviews.idsOfPilot(id)).length > 0) {
        throw new AppError('PILOT.EXAMS_LOCKED', 'The exams were locked when the pilot went to its first gate; they cannot be edited', [
          { field: 'heilmeier.exams', message: 'locked since the fund gate opened' },
        ]);
      }
      const current = toPilotView(row);
      const next = { ...current, ...dropUndefined(patch), heilmeier: { ...current.heilmeier, ...dropUndefined(patch.heilmeier ?? {}) } };
      if (patch.personalData === false && patch.dpiaRef === undefined) next.dpiaRef = current.dpiaRef;
      checkPersonalData(next.personalData, next.dpiaRef);
      if (next.budgetRequestedCents < current.committedCents) {
        throw new AppError('PILOT.BUDGET_BELOW_COMMITTED', 'The requested budget cannot fall below the money already committed', [
          { field: 'budgetRequestedCents', message: `must be at least ${current.committedCents}` },
        ]);
      }
      // Reports count a pilot under its domain and programme as they are now (docs/reports.md):
      // once money is committed, moving either would move that money in every past report.
      if (patch.domain !== undefined && patch.domain !== current.domain && current.committedCents > 0) {
        throw new AppError('PILOT.DOMAIN_LOCKED', 'A pilot with committed money cannot change its domain: past reports count that money under it', [
          { field: 'domain', message: `locked at ${current.domain} since money was committed` },
        ]);
      }
      if (patch.programmeId !== undefined && patch.programmeId !== current.programmeId) {
        if (current.committedCents > 0) {
          throw new AppError('PILOT.PROGRAMME_LOCKED', 'A pilot with committed money cannot move to another programme');
        }
        await this.requireProgramme(tx, patch.programmeId);
      }
      const seatShaping = (['partnerAgencies', 'personalData', 'programmeId'] as const).filter((f) => patch[f] !== undefined);
      if (seatShaping.length > 0 && (await this.reviews.hasOpenReview(tx, id))) {
        throw new AppError('GATE.REVIEW_OPEN', `${current.code} is under gate review: ${seatShaping.join(', ')} cannot change until it is decided`);
      }
      const compliance = complianceOf(next);
      checkNotProhibited(compliance);
      const updated = await this.pilots.update(tx, id, { ...next, compliance, dpiaRef: next.dpiaRef ?? null });
      await this.compliance.refresh(tx, updated);
      await this.audit.append(tx, { pilotId: id, actor: lead.id, action: 'pilot.edited', payload: { changes: dropUndefined(patch) } });
      return toPilotView(updated);
    }, work);
  }

  /**
   * Loads a pilot the viewer may see, optionally locking its row for the rest of the transaction
   * (the lock also serialises appends to its audit chain).
   */
  async findVisible(tx: Tx, viewer: Principal, id: string, forUpdate: boolean): Promise<PilotRow> {
    const row = await this.pilots.find(tx, id, viewer, forUpdate);
    if (!row) throw pilotNotFound(id);
    return row;
  }

  private async requireProgramme(tx: Tx, programmeId: string): Promise<void> {
    if (!(await this.programmes.findProgramme(tx, programmeId, false))) throw programmeUnknown(programmeId);
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

/** If-Match compares strongly (RFC 9110 §13.1.1): a weak tag `W/"3"` matches no version. */
function etagMatches(ifMatch: string, version: number): boolean {
  return ifMatch
    .split(',')
    .map((t) => t.trim())
    .includes(`"${version}"`);
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The compliance references among a pilot's fields, only those given. */
function complianceOf(fields: Compliance): Compliance {
  const out: Compliance = {};
  if (fields.aiActClass) out.aiActClass = fields.aiActClass;
  if (fields.friaRef) out.friaRef = fields.friaRef;
  if (fields.realWorldTestingPlanRef) out.realWorldTestingPlanRef = fields.realWorldTestingPlanRef;
  if (fields.testingOutsideSandbox !== undefined) out.testingOutsideSandbox = fields.testingOutsideSandbox;
  if (fields.securityAccreditationRef) out.securityAccreditationRef = fields.securityAccreditationRef;
  return out;
}

const programmeUnknown = (programmeId: string): AppError =>
  new AppError('PILOT.PROGRAMME_UNKNOWN', `Programme ${programmeId} does not exist`, [{ field: 'programmeId', message: 'unknown programme' }]);
