import { Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { DataSource, QueryRunner } from 'typeorm';
import { pilotVisibilitySql, Viewer } from './visibility';

/** What a portfolio report covers: a moment, optionally a start for flows, and filters. */
export interface ReportScope {
  asOf: Date;
  from: Date | null;
  programmeId: string | null;
  domain: string | null;
  agency: string | null;
}

/** One read-only snapshot: every query of a report sees the same database state. */
export interface ReportSnapshot {
  /** Queries of one snapshot run one after the other on its connection, in the order asked. */
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /**
   * Runs `work` on a second connection that reads the same snapshot (exported by this one's
   * transaction), at the same time as what this one runs meanwhile: two walks of the facts on the
   * two cores instead of one after the other. When the pool has no connection to spare, `work`
   * runs on this snapshot's own connection, in turn.
   */
  alongside<T>(work: (s: ReportSnapshot) => Promise<T>): Promise<T>;
}

/** What every report transaction sets first. */
const SNAPSHOT_SETTINGS =
  // Medians sort a few hundred thousand facts in memory; JIT would compile for longer than the report runs.
  `SET LOCAL work_mem = '64MB'; SET LOCAL jit = off`;

/** pg_export_snapshot()'s identifiers: hexadecimal parts and dashes (it is spliced into SET TRANSACTION SNAPSHOT). */
const SNAPSHOT_ID = /^[0-9A-F]+(-[0-9A-F]+)+$/i;

interface PgPoolCounts {
  totalCount: number;
  idleCount: number;
  options: { max: number };
}

/** A runner's queries one at a time, in the order asked (node-postgres refuses to queue them itself). */
function inTurn(runner: QueryRunner): <T>(sql: string, params?: unknown[]) => Promise<T[]> {
  let last: Promise<unknown> = Promise.resolve();
  return <T>(sql: string, params?: unknown[]) => {
    const next = last.then(() => runner.query(sql, params) as Promise<T[]>);
    last = next.catch(() => undefined);
    return next;
  };
}

/**
 * One summed figure: a metric (report_facts' vocabulary) and key, at one grouping level (`key`:
 * per key; `domain`, `agency`: stage counts per domain or lead agency; `total`: over keys). `n`, `v`
 * as of asOf; `nw`, `vw` over the window [from, asOf] (= n, v when from is absent). `value`: the
 * median of rounds for `median.rounds`, the spread (stddev_pop, 3 places) for `score`, the mean
 * TRL gain for the `stage` total.
 */
export interface SumRow {
  metric: string;
  key: string | null;
  level: 'key' | 'domain' | 'agency' | 'total';
  n: string;
  v: string;
  nw: string;
  vw: string;
  v2w: string;
  value: string | null;
}
/** A percentile to find: `count` durations of `metric`/`key` in the window (from the sums), the `p`-th of them. */
export interface PercentileWanted { metric: 'stage.days' | 'turnaround' | 'kill'; key: string | null; p: number; count: number }
export interface PercentileRow { metric: string; key: string | null; p: number; days: string | null }
export interface SpendRow { month: string; spent: string }
export interface LessonRow { pilot_id: string; code: string; title: string | null; stage: string; spent: string; lessons: string | null }
export interface PortfolioCsvRow {
  code: string; title: string | null; stage: string; lead_agency: string; domain: string; sensitivity: string;
  committed_cents: string; spent_cents: string; released_cents: string; days_in_stage: string;
  last_decision: string | null; last_decision_at: Date | null; programme_id: string; programme: string;
}

/**
 * The funders' report in SQL: sums, FILTER, GROUPING SETS and window functions over the report
 * aggregates (report_rollups, report_facts cut at `asOf`; the CSV reads the history tables), never
 * rows loaded into JavaScript. Parameters: $1 asOf, $2 from, $3 programme, $4 domain, $5 lead
 * agency; visibility parameters follow.
 */
@Injectable()
export class ReportsRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Runs `work` in one REPEATABLE READ, READ ONLY transaction; with `alongside`, in two that share
   * its snapshot.
   */
  async snapshot<T>(work: (s: ReportSnapshot) => Promise<T>): Promise<T> {
    // Every write committed before the report was asked for counts in it: the facts of the
    // pilots written since the worker's last catch-up are brought up to date first (on the
    // primary; with none pending, one read of an empty table).
    await this.catchUp(null);
    const runner = this.db.createQueryRunner('slave');
    await runner.connect();
    const query = inTurn(runner);
    let second: QueryRunner | undefined;
    let joined: Promise<ReportSnapshot> | undefined;
    const own: ReportSnapshot = {
      query,
      alongside: async (task) => {
        joined ??= this.joinSnapshot(query).then(
          (r) => {
            second = r;
            if (!r) return own;
            const joinedSnapshot: ReportSnapshot = { query: inTurn(r), alongside: (nested) => nested(joinedSnapshot) };
            return joinedSnapshot;
          },
          () => own,
        );
        return task(await joined);
      },
    };
    try {
      await query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await query(SNAPSHOT_SETTINGS);
      const result = await work(own);
      await query('COMMIT');
      return result;
    } catch (err) {
      await query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      await joined?.catch(() => undefined);
      // Read only: ending it either way changes nothing.
      if (second) {
        await second.query('ROLLBACK').catch(() => undefined);
        await second.release();
      }
      await runner.release();
    }
  }

  /**
   * A second connection in a transaction that reads the snapshot of `query`'s (open) transaction,
   * or undefined when the pool has none to spare (no idle connection and no room for a new one):
   * waiting for one while holding this would let concurrent reports starve each other.
   */
  private async joinSnapshot(query: <R>(sql: string, params?: unknown[]) => Promise<R[]>): Promise<QueryRunner | undefined> {
    const pool = (this.db.driver as unknown as { master: PgPoolCounts }).master;
    if (pool.idleCount === 0 && pool.totalCount >= pool.options.max) return undefined;
    const [{ id }] = await query<{ id: string }>('SELECT pg_export_snapshot() AS id');
    if (!SNAPSHOT_ID.test(id)) throw new Error(`unexpected snapshot id ${id}`);
    const runner = this.db.createQueryRunner('slave');
    await runner.connect();
    try {
      await runner.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await runner.query(`SET TRANSACTION SNAPSHOT '${id}'`);
      await runner.query(SNAPSHOT_SETTINGS);
      return runner;
    } catch (err) {
      await runner.query('ROLLBACK').catch(() => undefined);
      await runner.release();
      throw err;
    }
  }

  /**
   * Refreshes the report facts of pilots written since the last catch-up (report_pending, noted
   * by the commit trigger: migration ReportRefreshQueued), the oldest `max` of them or all (null),
   * in one transaction of its own; returns how many notes it took.
   */
  async catchUp(max: number | null): Promise<number> {
    const [row] = await this.db.query('SELECT report_catch_up($1) AS taken', [max]);
    return (row as { taken: number }).taken;
  }

  /**
   * Folds rollup rows of session slots into slot 0, a batch at a time, skipping rows a writer holds
   * (never waiting for one, so never in a deadlock with it), and drops cells that sum to zero.
   * Returns how many slot rows were folded.
   */
  async foldRollups(batch = 50_000): Promise<number> {
    const cells = 'grain, bucket, metric, key, programme_id, domain, lead_agency';
    const [row] = await this.db.query(
      `WITH moved AS (
         DELETE FROM report_rollups WHERE ctid IN (SELECT ctid FROM report_rollups WHERE slot <> 0 LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING ${cells}, n, v, v2
       ), summed AS (
         INSERT INTO report_rollups AS r (${cells}, slot, n, v, v2)
         SELECT ${cells}, 0, sum(n), sum(v), sum(v2) FROM moved GROUP BY ${cells} ORDER BY ${cells}
         ON CONFLICT (${cells}, slot) DO UPDATE SET n = r.n + EXCLUDED.n, v = r.v + EXCLUDED.v, v2 = r.v2 + EXCLUDED.v2
       )
       SELECT count(*)::int AS moved FROM moved`,
      [batch],
    );
    await this.db.query(`DELETE FROM report_rollups WHERE slot = 0 AND n = 0 AND v = 0 AND v2 = 0`);
    return (row as { moved: number }).moved;
  }

  async programmeExists(id: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query('SELECT 1 FROM programmes WHERE id = $1', [id]);
    return rows.length > 0;
  }

  /**
   * Every summable figure in one statement, from the rollups and the facts: as of asOf, either the
   * all-time rollups less any fact dated after asOf (`live`: asOf is now), or the monthly rollups
   * before asOf's month plus that month's facts up to asOf; figures dated by a due time (missed,
   * overdue), which may lie in the future, from months, this month's days and today's facts. With
   * `from`, the same sums before `from` give the window. Then the median rounds of go decisions per
   * gate from their histogram, score spreads, the mean TRL gain.
   */
  sums(s: ReportSnapshot, scope: ReportScope, live: boolean): Promise<SumRow[]> {
    return s.query(
      `WITH parts AS (
         SELECT r.metric, r.key, r.domain, r.lead_agency, r.n, r.v, r.v2, 0 AS before FROM report_rollups r
          WHERE $6 AND r.grain = 'a' AND ${scopeFilter('r')}
         UNION ALL
         SELECT x.metric, ${rollupKey('x')}, x.domain, x.lead_agency, -x.n, -x.v, -x.v2, 0 FROM report_facts x
          WHERE $6 AND x.at > $1 AND x.metric NOT IN (${DUE_DATED}) AND ${scopeFilter('x')}
         UNION ALL
         SELECT r.metric, r.key, r.domain, r.lead_agency, r.n, r.v, r.v2, 0 FROM report_rollups r
          WHERE $6 AND r.metric IN (${DUE_DATED}) AND ${scopeFilter('r')}
            AND ((r.grain = 'm' AND r.bucket < ${MONTH('$1')}) OR (r.grain = 'd' AND r.bucket >= ${MONTH('$1')} AND r.bucket < ${DAY('$1')}))
         UNION ALL
         SELECT x.metric, x.key, x.domain, x.lead_agency, x.n, x.v, x.v2, 0 FROM report_facts x
          WHERE $6 AND x.metric IN (${DUE_DATED}) AND x.at >= ${START(DAY('$1'))} AND x.at <= $1 AND ${scopeFilter('x')}
         UNION ALL
         SELECT r.metric, r.key, r.domain, r.lead_agency, r.n, r.v, r.v2, 0 FROM report_rollups r
          WHERE NOT $6 AND r.grain = 'm' AND r.bucket < ${MONTH('$1')} AND ${scopeFilter('r')}
         UNION ALL
         SELECT x.metric, ${rollupKey('x')}, x.domain, x.lead_agency, x.n, x.v, x.v2, 0 FROM report_facts x
          WHERE NOT $6 AND x.at >= ${START(MONTH('$1'))} AND x.at <= $1 AND ${scopeFilter('x')}
         UNION ALL
         SELECT r.metric, r.key, r.domain, r.lead_agency, r.n, r.v, r.v2, 1 FROM report_rollups r
          WHERE $2::timestamptz IS NOT NULL AND r.grain = 'm' AND r.bucket < ${MONTH('$2')} AND ${scopeFilter('r')}
         UNION ALL
         SELECT x.metric, ${rollupKey('x')}, x.domain, x.lead_agency, x.n, x.v, x.v2, 1 FROM report_facts x
          WHERE $2::timestamptz IS NOT NULL AND x.at >= ${START(MONTH('$2'))} AND x.at < $2 AND ${scopeFilter('x')}
       ), sums AS (
         SELECT metric, key, CASE WHEN metric = 'stage' THEN domain END AS domain, CASE WHEN metric = 'stage' THEN lead_agency END AS agency,
                n, v, v2, before FROM parts
       ), grouped AS (
         SELECT metric, key, domain, agency, GROUPING(key, domain, agency) AS g,
                COALESCE(sum(n) FILTER (WHERE before = 0), 0) AS n, COALESCE(sum(v) FILTER (WHERE before = 0), 0) AS v,
                COALESCE(sum(v2) FILTER (WHERE before = 0), 0) AS v2,
                COALESCE(sum(n) FILTER (WHERE before = 1), 0) AS nb, COALESCE(sum(v) FILTER (WHERE before = 1), 0) AS vb,
                COALESCE(sum(v2) FILTER (WHERE before = 1), 0) AS v2b
           FROM sums GROUP BY GROUPING SETS ((metric, key), (metric, domain), (metric, agency), (metric))
       ), figures AS (
         SELECT metric, key, CASE g WHEN 3 THEN 'key' WHEN 5 THEN 'domain' WHEN 6 THEN 'agency' ELSE 'total' END AS level,
                COALESCE(key, domain, agency) AS k, n, v, n - nb AS nw, v - vb AS vw, v2 - v2b AS v2w
           FROM grouped
          WHERE g = 7 OR (g = 3) OR (metric = 'stage' AND domain IS NOT NULL) OR (metric = 'stage' AND agency IS NOT NULL)
       ), rounds AS (
         SELECT split_part(k, ':', 1) AS gate, split_part(k, ':', 2)::int AS round, nw AS cnt,
                sum(nw) OVER (PARTITION BY split_part(k, ':', 1) ORDER BY split_part(k, ':', 2)::int) AS upto,
                sum(nw) OVER (PARTITION BY split_part(k, ':', 1)) AS total
           FROM figures WHERE metric = 'go' AND level = 'key' AND nw > 0
       ), median_rounds AS (
         SELECT g.gate, lo.round + (((g.total - 1) * 0.5) - floor((g.total - 1) * 0.5)) * (hi.round - lo.round) AS median
           FROM (SELECT DISTINCT gate, total FROM rounds) g
           CROSS JOIN LATERAL (SELECT round FROM rounds r WHERE r.gate = g.gate AND r.upto > floor((g.total - 1) * 0.5) ORDER BY round LIMIT 1) lo
           CROSS JOIN LATERAL (SELECT round FROM rounds r WHERE r.gate = g.gate AND r.upto > ceil((g.total - 1) * 0.5) ORDER BY round LIMIT 1) hi
       )
       SELECT metric, k AS key, level, n::text, v::text, nw::text, vw::text, v2w::text,
              CASE WHEN metric = 'score' AND level = 'key' AND nw > 0 THEN round(sqrt(greatest(nw * v2w - vw * vw, 0)::numeric) / nw / 10, 3)::text
                   WHEN metric = 'stage' AND level = 'total' AND n > 0 THEN round(v::numeric / n, 2)::text END AS value
         FROM figures
       UNION ALL
       SELECT 'median.rounds', gate, 'key', '0', '0', '0', '0', '0', median::text FROM median_rounds`,
      [...params(scope), live],
    );
  }

  /**
   * Percentiles (percentile_cont's interpolation) of durations in the window, in days. With the
   * count known from the rollups, each is read by offset from an index in duration order (per key,
   * or across keys for `key` null): two entries at the position, no sort.
   */
  percentiles(s: ReportSnapshot, scope: ReportScope, wanted: PercentileWanted[]): Promise<PercentileRow[]> {
    if (wanted.length === 0) return Promise.resolve([]);
    const p = params(scope);
    const parts = wanted.map((w) => {
      const metric = literal(w.metric);
      const ofKey = w.key === null ? '' : ` AND x.key = ${literal(w.key)}`;
      // Ascending from ⌊at⌋, or, past the middle, descending from ⌈at⌉ (a shorter walk); one value when at is whole.
      const at = (w.count - 1) * w.p;
      const [lo, hi] = [Math.floor(at), Math.ceil(at)];
      const descending = w.p > 0.5;
      p.push(descending ? w.count - 1 - hi : lo, at - lo);
      const [offset, fraction] = [p.length - 1, p.length];
      const pair = `ARRAY(SELECT x.v FROM report_facts x WHERE x.metric = ${metric}${ofKey} AND ${windowFilter('x')}
                          ORDER BY x.v ${descending ? 'DESC' : 'ASC'} OFFSET $${offset} LIMIT ${hi === lo ? 1 : 2})`;
      const [first, second] = descending ? ['l[2]', 'l[1]'] : ['l[1]', 'l[2]'];
      return `SELECT ${metric}::text AS metric, ${w.key === null ? 'NULL' : literal(w.key)}::text AS key, ${w.p}::float8 AS p,
                     round(((COALESCE(${first}, ${second})::float8 + $${fraction}::float8 * (COALESCE(${second}, ${first}) - COALESCE(${first}, ${second}))::float8) / 86400000)::numeric, 2)::text AS days
                FROM (SELECT ${pair} AS l) q`;
    });
    return s.query(parts.join('\n UNION ALL \n'), p);
  }

  /** Spend recorded by asOf on days from `from` on, per month spent (the window's burn when `from` is set). */
  spendSince(s: ReportSnapshot, scope: ReportScope): Promise<SpendRow[]> {
    return s.query(
      `SELECT left(x.key, 7) AS month, sum(x.v)::text AS spent FROM report_facts x
        WHERE x.metric = 'spend' AND x.at <= $1 AND x.key >= to_char($2::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD') AND ${scopeFilter('x')}
        GROUP BY 1 ORDER BY 1`,
      params(scope),
    );
  }

  async envelope(s: ReportSnapshot, scope: ReportScope): Promise<string> {
    const [row] = await s.query<{ cents: string }>(
      `SELECT COALESCE(sum(envelope_cents), 0)::text AS cents FROM programmes WHERE created_at <= $1 AND ($2::uuid IS NULL OR id = $2)`,
      [scope.asOf, scope.programmeId],
    );
    return row!.cents;
  }

  /** The lessons of the latest LESSONS kills in the window, oldest first. */
  lessons(s: ReportSnapshot, scope: ReportScope, viewer: Viewer): Promise<LessonRow[]> {
    const p = params(scope);
    const visible = pilotVisibilitySql('pv', viewer, p);
    return s.query(
      `SELECT k.pilot_id, pv.code, CASE WHEN ${visible} THEN pv.title END AS title, k.key AS stage, k.v2::text AS spent,
              CASE WHEN ${visible} THEN pv.lessons_learned END AS lessons
         FROM (SELECT x.pilot_id, x.at, x.key, x.v2 FROM report_facts x
                WHERE x.metric = 'kill' AND ${windowFilter('x')}
                ORDER BY x.at DESC, x.pilot_id DESC LIMIT ${LESSONS}) k
         JOIN pilots pv ON pv.id = k.pilot_id
        ORDER BY k.at, pv.code`,
      p,
    );
  }

  /** Pilots blocked at their next gate by a missing compliance prerequisite at asOf (one row per missing item; item null: all). */
  complianceBlocks(s: ReportSnapshot, scope: ReportScope): Promise<Array<{ item: string | null; blocked: number; median_days: string | null }>> {
    return s.query(
      `WITH open AS (
         SELECT b.pilot_id, b.missing, extract(epoch FROM $1 - b.since) / 86400 AS days
           FROM compliance_blocks b JOIN pilots p ON p.id = b.pilot_id
          WHERE b.since <= $1 AND (b.until IS NULL OR b.until > $1) AND p.created_at <= $1 AND ${scopeFilter('p', 2)})
       SELECT NULL AS item, count(*)::int AS blocked, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY days)::numeric, 2)::text AS median_days FROM open
       UNION ALL
       SELECT item, count(*)::int, NULL FROM open, unnest(open.missing) AS item GROUP BY item`,
      [scope.asOf, scope.programmeId, scope.domain, scope.agency],
    );
  }

  /**
   * The latest seal at or before `asOf`: the signed transparency-log checkpoint every seal makes
   * (DESIGN §4b), whose root and size anyone can check against GET /v1/transparency/checkpoint?size=
   * and the published key.
   */
  async seal(s: ReportSnapshot, asOf: Date): Promise<{ root: string; size: number } | null> {
    const [row] = await s.query<{ root: string; size: string }>('SELECT root, size FROM tlog_checkpoints WHERE created_at <= $1 ORDER BY size DESC LIMIT 1', [asOf]);
    return row ? { root: row.root, size: Number(row.size) } : null;
  }

  /**
   * One row per pilot as it stood at `asOf`, streamed from a cursor in a read-only snapshot
   * (memory stays flat however many pilots). The stream ends the transaction when it ends.
   */
  async csvRows(scope: ReportScope, viewer: Viewer): Promise<Readable> {
    const p = params(scope);
    const visible = pilotVisibilitySql('pv', viewer, p);
    const runner: QueryRunner = this.db.createQueryRunner('slave');
    await runner.connect();
    let done = false;
    const finish = async (ok: boolean) => {
      if (done) return;
      done = true;
      await runner.query(ok ? 'COMMIT' : 'ROLLBACK').catch(() => undefined);
      await runner.release();
    };
    try {
      await runner.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const stream = await runner.stream(
        `${withScope()}
         SELECT pv.code, CASE WHEN ${visible} THEN pv.title END AS title, c.stage, pv.lead_agency, pv.domain, pv.sensitivity,
                COALESCE(m.committed, 0)::text AS committed_cents, COALESCE(e.spent, 0)::text AS spent_cents, COALESCE(m.released, 0)::text AS released_cents,
                round((extract(epoch FROM $1 - c.entered_at) / 86400)::numeric, 2)::text AS days_in_stage,
                d.decision_outcome AS last_decision, d.decided_at AS last_decision_at, pv.programme_id, pg.name AS programme
           FROM scope sc JOIN cur c ON c.pilot_id = sc.id JOIN pilots pv ON pv.id = sc.id JOIN programmes pg ON pg.id = pv.programme_id
           LEFT JOIN LATERAL (SELECT sum(CASE kind WHEN 'commit' THEN cents ELSE -cents END) AS committed, sum(cents) FILTER (WHERE kind = 'release') AS released
                                FROM ledger_movements WHERE pilot_id = sc.id AND at <= $1) m ON TRUE
           LEFT JOIN LATERAL (SELECT sum(amount_cents) AS spent FROM expenditures WHERE pilot_id = sc.id AND created_at <= $1) e ON TRUE
           LEFT JOIN LATERAL (SELECT decision_outcome, decided_at FROM gate_reviews WHERE pilot_id = sc.id AND decided_at <= $1
                               ORDER BY decided_at DESC LIMIT 1) d ON TRUE
          ORDER BY pv.code`,
        p,
      );
      stream.on('end', () => void finish(true));
      stream.on('error', () => void finish(false));
      stream.on('close', () => void finish(false));
      return stream as unknown as Readable;
    } catch (err) {
      await finish(false);
      throw err;
    }
  }
}

/** The pilots in scope (created by asOf, filtered) and each one's stage interval at asOf. */
function withScope(): string {
  return `WITH scope AS (
      SELECT p.id, p.domain, p.lead_agency, p.created_at FROM pilots p
       WHERE p.created_at <= $1::timestamptz AND ($2::timestamptz IS NULL OR $2::timestamptz <= $1::timestamptz)
         AND ${scopeFilter('p')}
    ), cur AS (
      -- A pilot's intervals follow each other without gap or overlap: one holds asOf.
      SELECT i.pilot_id, i.stage, i.entered_at, i.trl
        FROM stage_intervals i JOIN scope sc ON sc.id = i.pilot_id
       WHERE i.entered_at <= $1 AND (i.left_at IS NULL OR i.left_at > $1)
    )`;
}

/** How many kills' lessons a report lists: the latest; the CSV and earlier `asOf`/`from` windows reach the rest. */
export const LESSONS = 100;

/** Facts dated by a due time, which may lie in the future: rolled up by month and day, never all-time. */
const DUE_DATED = `'missed', 'overdue'`;

/** The report's filters on a table carrying programme_id, domain and lead_agency (parameters `first` to `first + 2`: $3, $4, $5 by default). */
function scopeFilter(alias: string, first = 3): string {
  const [programme, domain, agency] = [first, first + 1, first + 2].map((i) => `$${i}`);
  return `(${programme}::uuid IS NULL OR ${alias}.programme_id = ${programme}) AND (${domain}::text IS NULL OR ${alias}.domain = ${domain}) AND (${agency}::text IS NULL OR ${alias}.lead_agency = ${agency})`;
}

/** A moment's calendar month and day (UTC) as dates, and a date's first instant (UTC). */
const MONTH = (moment: string) => `date_trunc('month', ${moment}::timestamptz AT TIME ZONE 'UTC')::date`;
const DAY = (moment: string) => `(${moment}::timestamptz AT TIME ZONE 'UTC')::date`;
const START = (date: string) => `(${date}::timestamp AT TIME ZONE 'UTC')`;

/** A constant of this file as an SQL string literal (metrics and stage names: letters, dots, dashes). */
function literal(value: string): string {
  if (!/^[a-z.-]*$/.test(value)) throw new Error(`not a report constant: ${value}`);
  return `'${value}'`;
}

/** Facts dated in the window [from, asOf] and in the report's scope. */
function windowFilter(alias: string): string {
  return `${alias}.at <= $1 AND ($2::timestamptz IS NULL OR ${alias}.at >= $2) AND ${scopeFilter(alias)}`;
}

/** Spend facts are keyed by the day spent, their rollups by the month. */
function rollupKey(alias: string): string {
  return `CASE WHEN ${alias}.metric = 'spend' THEN left(${alias}.key, 7) ELSE ${alias}.key END`;
}

function params(scope: ReportScope): unknown[] {
  return [scope.asOf, scope.from, scope.programmeId, scope.domain, scope.agency];
}
