import { Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { canonicalJson, isTerminal, sha256Hex, Stage, STAGES } from '@labgate/domain';
import { PortfolioCsvRow, ReportScope, ReportsRepository } from '@labgate/persistence';

/** One CSV row as the database streams it. */
export type PortfolioCsvRowView = PortfolioCsvRow;
import { AppError } from '../common/app-error';
import type { Principal } from '../common/principal';

/** The stages a pilot can be in and still move: every stage but the terminal one. */
type LiveStage = Exclude<Stage, 'abandoned'>;
const LIVE_STAGES = STAGES.filter((s): s is LiveStage => !isTerminal(s));

export interface ReportFilters {
  programmeId?: string;
  domain?: string;
  agency?: string;
  asOf?: string;
  from?: string;
}

export interface FunnelEntry {
  gate: string;
  entered: number;
  go: number;
  revise: number;
  abandon: number;
  escalated: number;
  /** Pilots that passed the gate over pilots that entered it; null when none entered. */
  conversion: number | null;
  medianRounds: number | null;
}

export interface PortfolioReport {
  asOf: string;
  from: string | null;
  filters: { programmeId: string | null; domain: string | null; agency: string | null };
  pilots: { total: number; byStage: Record<string, number>; byDomain: Record<string, number>; byLeadAgency: Record<string, number> };
  money: {
    envelopeCents: number;
    committedCents: number;
    spentCents: number;
    releasedCents: number;
    remainingCents: number;
    burn: Array<{ month: string; spentCents: number; cumulativeSpentCents: number }>;
  };
  funnel: FunnelEntry[];
  timing: { medianDaysInStage: Record<LiveStage, number | null>; medianReviewTurnaroundDays: number | null; p90ReviewTurnaroundDays: number | null };
  overdueAssignments: number;
  failFast: {
    abandoned: number;
    abandonedByStage: Record<LiveStage, number>;
    committedAtAbandonCents: number;
    spentAtAbandonCents: number;
    releasedAtAbandonCents: number;
    medianDaysToAbandon: number | null;
    shareAbandonedBeforeTesting: number | null;
    lessons: Array<{ pilotId: string; code: string; title: string | null; stage: string; spentCents: number; lessonsLearned: string | null }>;
  };
  decisions: {
    byAgency: Array<{ agency: string; seats: number; votes: number; declined: number }>;
    dataProtectionVetoes: number;
    escalations: number;
    missedDeadlines: number;
    scoreSpread: { excellence: number | null; impact: number | null; implementation: number | null };
  };
  meanTrlGain: number | null;
  /** Pilots that cannot go to their next gate for lack of a compliance prerequisite, at asOf. */
  compliance: { blockedPilots: number; medianDaysBlocked: number | null; byPrerequisite: Record<string, number> };
  sealRoot: string | null;
  digest: string;
}

const READERS = new Set(['funder', 'chair', 'admin']);
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const DAY_MS = 86_400_000;

const num = (v: string | number | null): number | null => (v === null ? null : Number(v));
const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000);

/**
 * Parses `asOf`/`from`: an ISO date or timestamp. A date as `asOf` means the end of that day
 * (UTC), as `from` its start. Bad values → 400 naming the parameter.
 */
export function parseMoment(name: 'asOf' | 'from', value: string | undefined): Date | null {
  if (value === undefined) return null;
  const isDate = DATE_ONLY.test(value);
  if (!isDate && !TIMESTAMP.test(value)) throw badParameter(name);
  const at = new Date(isDate ? `${value}T00:00:00.000Z` : value);
  if (Number.isNaN(at.getTime()) || (isDate && at.toISOString().slice(0, 10) !== value) || at.getUTCFullYear() < 2000 || at.getUTCFullYear() > 9999) {
    throw badParameter(name);
  }
  return isDate && name === 'asOf' ? new Date(at.getTime() + DAY_MS - 1) : at;
}

function badParameter(name: string): AppError {
  return new AppError('REQUEST.INVALID', `${name} must be an ISO 8601 date (YYYY-MM-DD) or timestamp with a zone`, [{ field: name, message: 'not an ISO 8601 date or timestamp' }]);
}

/**
 * The funders' portfolio report (DESIGN §4): every figure computed in SQL inside one read-only
 * snapshot, rebuilt from the history tables as of any moment; restricted pilots count in every
 * figure but their text is null for a reader who may not see them.
 */
@Injectable()
export class ReportsService {
  constructor(private readonly reports: ReportsRepository) {}

  async scope(reader: Principal, filters: ReportFilters): Promise<ReportScope> {
    if (!reader.roles.some((r) => READERS.has(r))) throw new AppError('AUTH.FORBIDDEN', 'Portfolio reports are for funders, chairs and admins');
    const asOf = parseMoment('asOf', filters.asOf) ?? new Date();
    const from = parseMoment('from', filters.from);
    if (from && from.getTime() > asOf.getTime()) {
      throw new AppError('REQUEST.INVALID', 'from must not be later than asOf', [{ field: 'from', message: 'later than asOf' }]);
    }
    if (filters.programmeId && !(await this.reports.programmeExists(filters.programmeId))) {
      throw new AppError('PROGRAMME.NOT_FOUND', `Programme ${filters.programmeId} does not exist`);
    }
    return { asOf, from, programmeId: filters.programmeId ?? null, domain: filters.domain ?? null, agency: filters.agency ?? null };
  }

  async portfolio(reader: Principal, filters: ReportFilters): Promise<PortfolioReport> {
    const scope = await this.scope(reader, filters);
    const body = await this.reports.snapshot(async (s) => {
      const [counts, money, burn, funnel, timing, kills, lessons, seats, hygiene, blocks, sealRoot] = await sequential([
        () => this.reports.pilots(s, scope),
        () => this.reports.money(s, scope),
        () => this.reports.burn(s, scope),
        () => this.reports.funnel(s, scope),
        () => this.reports.timing(s, scope),
        () => this.reports.kills(s, scope),
        () => this.reports.lessons(s, scope, reader),
        () => this.reports.seats(s, scope),
        () => this.reports.hygiene(s, scope),
        () => this.reports.complianceBlocks(s, scope),
        () => this.reports.sealRoot(s, scope.asOf),
      ] as const);

      const byStage: Record<string, number> = Object.fromEntries(STAGES.map((st) => [st, 0]));
      const byDomain: Record<string, number> = {};
      const byLeadAgency: Record<string, number> = {};
      let total = 0;
      for (const row of counts) {
        if (row.dimension === 'total') total = row.n;
        else if (row.dimension === 'stage') byStage[row.key!] = row.n;
        else if (row.dimension === 'domain') byDomain[row.key!] = row.n;
        else byLeadAgency[row.key!] = row.n;
      }
      const envelopeCents = Number(money.envelope);
      const committedCents = Number(money.committed);
      const stageTiming = new Map(timing.filter((t) => t.stage !== null).map((t) => [t.stage!, num(t.median_days)]));
      const turnaround = timing.find((t) => t.stage === null);
      const seatTotals = seats.find((a) => a.agency === null);
      const report: Omit<PortfolioReport, 'digest'> = {
        asOf: scope.asOf.toISOString(),
        from: scope.from?.toISOString() ?? null,
        filters: { programmeId: scope.programmeId, domain: scope.domain, agency: scope.agency },
        pilots: { total, byStage, byDomain: sortKeys(byDomain), byLeadAgency: sortKeys(byLeadAgency) },
        money: {
          envelopeCents,
          committedCents,
          spentCents: Number(money.spent),
          releasedCents: Number(money.released),
          remainingCents: envelopeCents - committedCents,
          burn: burn.map((b) => ({ month: b.month, spentCents: Number(b.spent), cumulativeSpentCents: Number(b.cumulative) })),
        },
        funnel: funnel.map((f) => ({
          gate: f.gate,
          entered: f.entered,
          go: f.go,
          revise: f.revise,
          abandon: f.abandon,
          escalated: f.escalated,
          conversion: ratio(f.go_pilots, f.entered),
          medianRounds: num(f.median_rounds),
        })),
        timing: {
          medianDaysInStage: Object.fromEntries(LIVE_STAGES.map((st) => [st, stageTiming.get(st) ?? null])) as Record<LiveStage, number | null>,
          medianReviewTurnaroundDays: num(turnaround?.median_days ?? null),
          p90ReviewTurnaroundDays: num(turnaround?.p90_days ?? null),
        },
        overdueAssignments: seatTotals?.overdue ?? 0,
        failFast: {
          abandoned: kills.abandoned,
          abandonedByStage: { proposal: kills.proposal, funded: kills.funded, testing: kills.testing, accelerated: kills.accelerated },
          committedAtAbandonCents: Number(kills.committed),
          spentAtAbandonCents: Number(kills.spent),
          releasedAtAbandonCents: Number(kills.released),
          medianDaysToAbandon: num(kills.median_days),
          shareAbandonedBeforeTesting: ratio(kills.proposal + kills.funded, kills.abandoned),
          lessons: lessons.map((l) => ({ pilotId: l.pilot_id, code: l.code, title: l.title, stage: l.stage, spentCents: Number(l.spent), lessonsLearned: l.lessons })),
        },
        decisions: {
          byAgency: seats.filter((a) => a.agency !== null).map((a) => ({ agency: a.agency!, seats: a.seats, votes: a.votes, declined: a.declined })),
          dataProtectionVetoes: hygiene.vetoes,
          escalations: hygiene.escalations,
          missedDeadlines: seatTotals?.missed ?? 0,
          scoreSpread: { excellence: num(hygiene.excellence), impact: num(hygiene.impact), implementation: num(hygiene.implementation) },
        },
        meanTrlGain: num(hygiene.trl_gain),
        compliance: {
          blockedPilots: blocks.find((b) => b.item === null)?.blocked ?? 0,
          medianDaysBlocked: num(blocks.find((b) => b.item === null)?.median_days ?? null),
          byPrerequisite: sortKeys(Object.fromEntries(blocks.filter((b) => b.item !== null).map((b) => [b.item!, b.blocked]))),
        },
        sealRoot,
      };
      return report;
    });
    return { ...body, digest: sha256Hex(canonicalJson(body)) };
  }

  /** The CSV's rows, streamed from a database cursor. */
  async csvRows(reader: Principal, filters: ReportFilters): Promise<{ scope: ReportScope; rows: Readable }> {
    const scope = await this.scope(reader, filters);
    return { scope, rows: await this.reports.csvRows(scope, reader) };
  }
}

/** One connection, one statement at a time (a transaction cannot run queries in parallel). */
async function sequential<T extends readonly (() => Promise<unknown>)[]>(steps: T): Promise<{ [K in keyof T]: Awaited<ReturnType<T[K]>> }> {
  const results: unknown[] = [];
  for (const step of steps) results.push(await step());
  return results as { [K in keyof T]: Awaited<ReturnType<T[K]>> };
}

function sortKeys(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
}
