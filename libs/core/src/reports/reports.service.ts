import { Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { canonicalJson, isTerminal, sha256Hex, Stage, STAGES } from '@labgate/domain';
import { AgenciesRepository, PercentileWanted, PortfolioCsvRow, ReportScope, ReportsRepository, SumRow } from '@labgate/persistence';

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
  /** The latest signed checkpoint at or before asOf (hex root, and its size for GET /v1/transparency/checkpoint?size=). */
  sealRoot: string | null;
  sealSize: number | null;
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
 * (UTC), as `from` its start. Bad values → 400 naming the parameter (a future `asOf` too: the
 * service refuses it, except today's date, which it reads as now).
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
 * snapshot from the report aggregates (report_rollups, report_facts: docs/reports.md), as of any
 * moment; restricted pilots count in every figure but their text is null for a reader who may not
 * see them.
 */
@Injectable()
export class ReportsService {
  constructor(
    private readonly reports: ReportsRepository,
    private readonly agencies: AgenciesRepository,
  ) {}

  async scope(reader: Principal, filters: ReportFilters): Promise<ReportScope> {
    if (!reader.roles.some((r) => READERS.has(r))) throw new AppError('AUTH.FORBIDDEN', 'Portfolio reports are for funders, chairs and admins');
    const now = new Date();
    let asOf = parseMoment('asOf', filters.asOf) ?? now;
    if (asOf.getTime() > now.getTime()) {
      // Today's date asks for the day so far; a later moment has no figures yet, and any figures
      // given for it would change before it came, against "the same figures on any later day".
      if (filters.asOf !== now.toISOString().slice(0, 10)) {
        throw new AppError('REQUEST.INVALID', `asOf ${filters.asOf} is in the future: a report is rebuilt for a moment that has passed, or now`, [
          { field: 'asOf', message: 'later than now' },
        ]);
      }
      asOf = now;
    }
    const from = parseMoment('from', filters.from);
    if (from && from.getTime() > asOf.getTime()) {
      throw new AppError('REQUEST.INVALID', 'from must not be later than asOf', [{ field: 'from', message: 'later than asOf' }]);
    }
    if (filters.programmeId && !(await this.reports.programmeExists(filters.programmeId))) {
      throw new AppError('PROGRAMME.NOT_FOUND', `Programme ${filters.programmeId} does not exist`);
    }
    if (filters.agency && !(await this.agencies.find(filters.agency))) {
      throw new AppError('REQUEST.INVALID', `agency ${filters.agency} is not a registered agency code`, [{ field: 'agency', message: 'no such agency' }]);
    }
    return { asOf, from, programmeId: filters.programmeId ?? null, domain: filters.domain ?? null, agency: filters.agency ?? null };
  }

  async portfolio(reader: Principal, filters: ReportFilters): Promise<PortfolioReport> {
    const scope = await this.scope(reader, filters);
    const live = filters.asOf === undefined;
    const body = await this.reports.snapshot(async (s) => {
      const sums = await this.reports.sums(s, scope, live);
      const figures = new Figures(sums);
      const wanted: PercentileWanted[] = [
        ...LIVE_STAGES.map((st) => ({ metric: 'stage.days' as const, key: st, p: 0.5, count: figures.nw('stage.days', st) })),
        { metric: 'turnaround', key: '', p: 0.5, count: figures.nw('turnaround', '') },
        { metric: 'turnaround', key: '', p: 0.9, count: figures.nw('turnaround', '') },
        { metric: 'kill', key: null, p: 0.5, count: figures.nw('kill', null) },
      ];
      // The percentiles walk the facts in duration order (a few hundred thousand index entries
      // for the whole portfolio at 100,000 pilots): the longer half of the walks on a second
      // connection reading the same snapshot, while this one walks the rest and reads the others.
      const [apart, here] = splitWalks(wanted.filter((w) => w.count > 0));
      const [walkedApart, [walkedHere, spendSince, envelope, lessons, blocks, seal]] = await settledBoth(
        apart.length > 0 ? s.alongside((t) => this.reports.percentiles(t, scope, apart)) : Promise.resolve([]),
        sequential([
          () => this.reports.percentiles(s, scope, here),
          () => (scope.from ? this.reports.spendSince(s, scope) : Promise.resolve(null)),
          () => this.reports.envelope(s, scope),
          () => this.reports.lessons(s, scope, reader),
          () => this.reports.complianceBlocks(s, scope),
          () => this.reports.seal(s, scope.asOf),
        ] as const),
      );
      const percentiles = [...walkedApart, ...walkedHere];

      const byStage: Record<string, number> = Object.fromEntries(STAGES.map((st) => [st, figures.n('stage', st)]));
      const envelopeCents = Number(envelope);
      const committedCents = figures.v('commit', null) - figures.v('release', null);
      const burn = spendSince ?? figures.rows('spend', 'key').map((r) => ({ month: r.key!, spent: r.v, n: Number(r.n) })).filter((r) => r.n > 0);
      let cumulative = 0;
      const percentile = (metric: string, key: string | null, p = 0.5) => num(percentiles.find((m) => m.metric === metric && m.key === key && m.p === p)?.days ?? null);
      const kills = Object.fromEntries(LIVE_STAGES.map((st) => [st, figures.nw('kill', st)])) as Record<LiveStage, number>;
      const abandoned = figures.nw('kill', null);
      const report: Omit<PortfolioReport, 'digest'> = {
        asOf: scope.asOf.toISOString(),
        from: scope.from?.toISOString() ?? null,
        filters: { programmeId: scope.programmeId, domain: scope.domain, agency: scope.agency },
        pilots: {
          total: figures.n('stage', null),
          byStage,
          byDomain: sortKeys(figures.counts('stage', 'domain')),
          byLeadAgency: sortKeys(figures.counts('stage', 'agency')),
        },
        money: {
          envelopeCents,
          committedCents,
          spentCents: spendSince ? spendSince.reduce((sum, r) => sum + Number(r.spent), 0) : figures.v('spend', null),
          releasedCents: figures.vw('release', null),
          remainingCents: envelopeCents - committedCents,
          burn: burn.map((b) => {
            cumulative += Number(b.spent);
            return { month: b.month, spentCents: Number(b.spent), cumulativeSpentCents: cumulative };
          }),
        },
        funnel: GATES.map((gate) => {
          const entered = figures.nw('entered', gate);
          const go = figures.rows('go', 'key').filter((r) => r.key!.startsWith(`${gate}:`)).reduce((sum, r) => sum + Number(r.nw), 0);
          return {
            gate,
            entered,
            go,
            revise: figures.nw('revise', gate),
            abandon: figures.nw('abandon', gate),
            escalated: figures.nw('escalated', gate),
            conversion: ratio(go, entered),
            medianRounds: num(figures.value('median.rounds', gate)),
          };
        }),
        timing: {
          medianDaysInStage: Object.fromEntries(LIVE_STAGES.map((st) => [st, percentile('stage.days', st)])) as Record<LiveStage, number | null>,
          medianReviewTurnaroundDays: percentile('turnaround', ''),
          p90ReviewTurnaroundDays: percentile('turnaround', '', 0.9),
        },
        overdueAssignments: figures.n('overdue', null),
        failFast: {
          abandoned,
          abandonedByStage: kills,
          committedAtAbandonCents: figures.vw('kill.commit', null),
          spentAtAbandonCents: figures.v2w('kill', null),
          releasedAtAbandonCents: figures.vw('kill.release', null),
          medianDaysToAbandon: percentile('kill', null),
          shareAbandonedBeforeTesting: ratio(kills.proposal + kills.funded, abandoned),
          lessons: lessons.map((l) => ({ pilotId: l.pilot_id, code: l.code, title: l.title, stage: l.stage, spentCents: Number(l.spent), lessonsLearned: l.lessons })),
        },
        decisions: {
          byAgency: [...new Set(['seat', 'vote', 'decline'].flatMap((m) => figures.rows(m, 'key').map((r) => r.key!)))]
            .filter((agency) => agency !== '')
            .sort()
            .map((agency) => ({ agency, seats: figures.nw('seat', agency), votes: figures.nw('vote', agency), declined: figures.nw('decline', agency) }))
            .filter((a) => a.seats + a.votes + a.declined > 0),
          dataProtectionVetoes: figures.nw('veto', null),
          escalations: figures.nw('escalated', null),
          missedDeadlines: figures.nw('missed', null),
          scoreSpread: {
            excellence: num(figures.value('score', 'excellence')),
            impact: num(figures.value('score', 'impact')),
            implementation: num(figures.value('score', 'implementation')),
          },
        },
        meanTrlGain: num(figures.value('stage', null)),
        compliance: {
          blockedPilots: blocks.find((b) => b.item === null)?.blocked ?? 0,
          medianDaysBlocked: num(blocks.find((b) => b.item === null)?.median_days ?? null),
          byPrerequisite: sortKeys(Object.fromEntries(blocks.filter((b) => b.item !== null).map((b) => [b.item!, b.blocked]))),
        },
        sealRoot: seal?.root ?? null,
        sealSize: seal?.size ?? null,
      };
      return report;
    });
    return { ...body, digest: sha256Hex(canonicalJson(body)) };
  }

  /**
   * Brings the report facts of the oldest `max` pilots written since the last catch-up up to
   * date (reports do it for all of them before they read); how many notes were taken.
   */
  catchUp(max: number): Promise<number> {
    return this.reports.catchUp(max);
  }

  /** Folds the rollups' per-session slots into slot 0; how many rows were folded. */
  foldRollups(): Promise<number> {
    return this.reports.foldRollups();
  }

  /** The CSV's rows, streamed from a database cursor. */
  async csvRows(reader: Principal, filters: ReportFilters): Promise<{ scope: ReportScope; rows: Readable }> {
    const scope = await this.scope(reader, filters);
    return { scope, rows: await this.reports.csvRows(scope, reader) };
  }
}

const GATES = ['fund', 'test', 'accelerate'] as const;

/** The summed figures of one report, looked up by metric, key (null: over keys) and level. */
class Figures {
  private readonly byKey = new Map<string, SumRow>();

  constructor(private readonly sums: SumRow[]) {
    for (const row of sums) this.byKey.set(`${row.metric}|${row.level}|${row.key ?? ''}`, row);
  }

  private row(metric: string, key: string | null): SumRow | undefined {
    return this.byKey.get(key === null ? `${metric}|total|` : `${metric}|key|${key}`);
  }

  /** As of asOf: count and amount. */
  n(metric: string, key: string | null): number {
    return Number(this.row(metric, key)?.n ?? 0);
  }
  v(metric: string, key: string | null): number {
    return Number(this.row(metric, key)?.v ?? 0);
  }
  /** Over the window [from, asOf]. */
  nw(metric: string, key: string | null): number {
    return Number(this.row(metric, key)?.nw ?? 0);
  }
  vw(metric: string, key: string | null): number {
    return Number(this.row(metric, key)?.vw ?? 0);
  }
  v2w(metric: string, key: string | null): number {
    return Number(this.row(metric, key)?.v2w ?? 0);
  }
  value(metric: string, key: string | null): string | null {
    return this.row(metric, key)?.value ?? null;
  }
  rows(metric: string, level: SumRow['level']): SumRow[] {
    return this.sums.filter((r) => r.metric === metric && r.level === level).sort((a, b) => (a.key! < b.key! ? -1 : 1));
  }
  /** Non-zero counts per key at one level. */
  counts(metric: string, level: SumRow['level']): Record<string, number> {
    return Object.fromEntries(this.rows(metric, level).filter((r) => Number(r.n) > 0).map((r) => [r.key!, Number(r.n)]));
  }
}

/** Index entries a percentile walks: from the nearer end of the key's facts to its rank. */
const walkLength = (w: PercentileWanted): number => Math.ceil((w.count - 1) * Math.min(w.p, 1 - w.p)) + 1;

/** Below this many entries in all, the walks stay on one connection (a second one costs more). */
export const PARALLEL_WALK_ENTRIES = 20_000;

/**
 * The percentiles for a second connection and for this one, longest walks first, each to the
 * shorter side: none apart when all of them walk fewer than PARALLEL_WALK_ENTRIES entries.
 */
export function splitWalks(walks: readonly PercentileWanted[]): [PercentileWanted[], PercentileWanted[]] {
  if (walks.reduce((sum, w) => sum + walkLength(w), 0) < PARALLEL_WALK_ENTRIES) return [[], [...walks]];
  const apart: PercentileWanted[] = [];
  const here: PercentileWanted[] = [];
  let [apartLength, hereLength] = [0, 0];
  for (const w of [...walks].sort((a, b) => walkLength(b) - walkLength(a))) {
    // Ties go apart: this connection also reads the report's other figures.
    if (apartLength <= hereLength) {
      apart.push(w);
      apartLength += walkLength(w);
    } else {
      here.push(w);
      hereLength += walkLength(w);
    }
  }
  return [apart, here];
}

/** Both results once both have settled (neither left running on a connection about to end), or the first failure. */
async function settledBoth<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === 'rejected') throw ra.reason;
  if (rb.status === 'rejected') throw rb.reason;
  return [ra.value, rb.value];
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
