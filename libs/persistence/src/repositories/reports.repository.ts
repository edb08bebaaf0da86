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
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface StageCountRow { dimension: 'stage' | 'domain' | 'agency' | 'total'; key: string | null; n: number }
export interface MoneyRow { envelope: string; committed: string; released: string; spent: string }
export interface BurnRow { month: string; spent: string; cumulative: string }
export interface FunnelRow { gate: string; entered: number; go: number; revise: number; abandon: number; escalated: number; go_pilots: number; median_rounds: number | null }
export interface TimingRow { stage: string | null; median_days: string | null; p90_days: string | null }
export interface KillsRow {
  abandoned: number; proposal: number; funded: number; testing: number; accelerated: number;
  committed: string; spent: string; released: string; median_days: string | null;
}
export interface LessonRow { pilot_id: string; code: string; title: string | null; stage: string; spent: string; lessons: string | null }
export interface SeatStatsRow { agency: string | null; seats: number; votes: number; declined: number; missed: number; overdue: number }
export interface HygieneRow { vetoes: number; escalations: number; excellence: string | null; impact: string | null; implementation: string | null; trl_gain: string | null }
export interface PortfolioCsvRow {
  code: string; title: string | null; stage: string; lead_agency: string; domain: string; sensitivity: string;
  committed_cents: string; spent_cents: string; released_cents: string; days_in_stage: string;
  last_decision: string | null; last_decision_at: Date | null;
}

/**
 * The funders' report in SQL: aggregates, FILTER, window functions and percentile_cont over the
 * history tables (stage_intervals, ledger_movements, expenditures, reviews and votes cut at
 * `asOf`), never rows loaded into JavaScript. Parameters: $1 asOf, $2 from, $3 programme,
 * $4 domain, $5 lead agency; visibility parameters follow.
 */
@Injectable()
export class ReportsRepository {
  constructor(private readonly db: DataSource) {}

  /** Runs `work` in one REPEATABLE READ, READ ONLY transaction. */
  async snapshot<T>(work: (s: ReportSnapshot) => Promise<T>): Promise<T> {
    const runner = this.db.createQueryRunner('slave');
    await runner.connect();
    try {
      await runner.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const result = await work({ query: (sql, params) => runner.query(sql, params) });
      await runner.query('COMMIT');
      return result;
    } catch (err) {
      await runner.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      await runner.release();
    }
  }

  async programmeExists(id: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query('SELECT 1 FROM programmes WHERE id = $1', [id]);
    return rows.length > 0;
  }

  pilots(s: ReportSnapshot, scope: ReportScope): Promise<StageCountRow[]> {
    return s.query(
      `${withScope()}
       SELECT CASE WHEN GROUPING(c.stage) = 0 THEN 'stage' WHEN GROUPING(sc.domain) = 0 THEN 'domain'
                   WHEN GROUPING(sc.lead_agency) = 0 THEN 'agency' ELSE 'total' END AS dimension,
              COALESCE(c.stage, sc.domain, sc.lead_agency) AS key, count(*)::int AS n
         FROM scope sc JOIN cur c ON c.pilot_id = sc.id
        GROUP BY GROUPING SETS ((c.stage), (sc.domain), (sc.lead_agency), ())`,
      params(scope),
    );
  }

  async money(s: ReportSnapshot, scope: ReportScope): Promise<MoneyRow> {
    const [row] = await s.query<MoneyRow>(
      `${withScope()}
       SELECT (SELECT COALESCE(sum(envelope_cents), 0) FROM programmes WHERE created_at <= $1 AND ($3::uuid IS NULL OR id = $3))::text AS envelope,
              (COALESCE(sum(m.cents) FILTER (WHERE m.kind = 'commit'), 0) - COALESCE(sum(m.cents) FILTER (WHERE m.kind = 'release'), 0))::text AS committed,
              COALESCE(sum(m.cents) FILTER (WHERE m.kind = 'release' AND ($2::timestamptz IS NULL OR m.at >= $2)), 0)::text AS released,
              (SELECT COALESCE(sum(e.amount_cents), 0) FROM expenditures e JOIN scope x ON x.id = e.pilot_id
                WHERE e.created_at <= $1 AND ($2::timestamptz IS NULL OR e.spent_on >= $2::date))::text AS spent
         FROM ledger_movements m JOIN scope sc ON sc.id = m.pilot_id
        WHERE m.at <= $1`,
      params(scope),
    );
    return row!;
  }

  burn(s: ReportSnapshot, scope: ReportScope): Promise<BurnRow[]> {
    return s.query(
      `${withScope()}
       SELECT to_char(month, 'YYYY-MM') AS month, spent::text AS spent, (sum(spent) OVER (ORDER BY month))::text AS cumulative
         FROM (SELECT date_trunc('month', e.spent_on) AS month, sum(e.amount_cents) AS spent
                 FROM expenditures e JOIN scope sc ON sc.id = e.pilot_id
                WHERE e.created_at <= $1 AND ($2::timestamptz IS NULL OR e.spent_on >= $2::date)
                GROUP BY 1) m
        ORDER BY m.month`,
      params(scope),
    );
  }

  funnel(s: ReportSnapshot, scope: ReportScope): Promise<FunnelRow[]> {
    return s.query(
      `${withScope()}, reviews AS (
         SELECT r.pilot_id, r.gate, r.round, r.escalated_at,
                CASE WHEN r.decided_at <= $1 AND ($2::timestamptz IS NULL OR r.decided_at >= $2) THEN r.decision_outcome END AS outcome
           FROM gate_reviews r JOIN scope sc ON sc.id = r.pilot_id
          WHERE r.opened_at <= $1 AND ($2::timestamptz IS NULL OR r.opened_at >= $2 OR r.decided_at >= $2))
       SELECT g.gate,
              count(DISTINCT r.pilot_id)::int AS entered,
              count(*) FILTER (WHERE r.outcome = g.gate)::int AS go,
              count(*) FILTER (WHERE r.outcome = 'revise')::int AS revise,
              count(*) FILTER (WHERE r.outcome = 'abandon')::int AS abandon,
              count(*) FILTER (WHERE r.escalated_at <= $1 AND ($2::timestamptz IS NULL OR r.escalated_at >= $2))::int AS escalated,
              count(DISTINCT r.pilot_id) FILTER (WHERE r.outcome = g.gate)::int AS go_pilots,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY r.round) FILTER (WHERE r.outcome = g.gate) AS median_rounds
         FROM (VALUES (1, 'fund'), (2, 'test'), (3, 'accelerate')) AS g (ord, gate)
         LEFT JOIN reviews r ON r.gate = g.gate
        GROUP BY g.ord, g.gate ORDER BY g.ord`,
      params(scope),
    );
  }

  /** Median days in each stage (intervals closed by asOf) and, stage null, review turnaround. */
  timing(s: ReportSnapshot, scope: ReportScope): Promise<TimingRow[]> {
    return s.query(
      `${withScope()}
       SELECT i.stage, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM i.left_at - i.entered_at) / 86400)::numeric, 2)::text AS median_days,
              NULL::text AS p90_days
         FROM stage_intervals i JOIN scope sc ON sc.id = i.pilot_id
        WHERE i.left_at <= $1 AND ($2::timestamptz IS NULL OR i.left_at >= $2)
        GROUP BY i.stage
       UNION ALL
       SELECT NULL, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY d)::numeric, 2)::text, round(percentile_cont(0.9) WITHIN GROUP (ORDER BY d)::numeric, 2)::text
         FROM (SELECT extract(epoch FROM r.decided_at - r.opened_at) / 86400 AS d
                 FROM gate_reviews r JOIN scope sc ON sc.id = r.pilot_id
                WHERE r.decided_at <= $1 AND ($2::timestamptz IS NULL OR r.decided_at >= $2)) t`,
      params(scope),
    );
  }

  async kills(s: ReportSnapshot, scope: ReportScope): Promise<KillsRow> {
    const [row] = await s.query<KillsRow>(
      `${withScope()}, ${KILLS}
       SELECT count(*)::int AS abandoned,
              count(*) FILTER (WHERE k.stage = 'proposal')::int AS proposal, count(*) FILTER (WHERE k.stage = 'funded')::int AS funded,
              count(*) FILTER (WHERE k.stage = 'testing')::int AS testing, count(*) FILTER (WHERE k.stage = 'accelerated')::int AS accelerated,
              COALESCE(sum(k.committed), 0)::text AS committed, COALESCE(sum(k.spent), 0)::text AS spent, COALESCE(sum(k.released), 0)::text AS released,
              round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM k.at - k.created_at) / 86400)::numeric, 2)::text AS median_days
         FROM kills k`,
      params(scope),
    );
    return row!;
  }

  lessons(s: ReportSnapshot, scope: ReportScope, viewer: Viewer): Promise<LessonRow[]> {
    const p = params(scope);
    const visible = pilotVisibilitySql('pv', viewer, p);
    return s.query(
      `${withScope()}, ${KILLS}
       SELECT k.pilot_id, pv.code, CASE WHEN ${visible} THEN pv.title END AS title, k.stage, k.spent::text AS spent,
              CASE WHEN ${visible} THEN pv.lessons_learned END AS lessons
         FROM kills k JOIN pilots pv ON pv.id = k.pilot_id
        ORDER BY k.at, pv.code`,
      p,
    );
  }

  /**
   * Seats in one pass: per agency of the holder (agency null: all) seats held, votes cast and
   * declines; and over all, seats whose due time passed without their vote (missed) and seats past
   * due, without a vote, on a review still open at asOf (overdue).
   */
  seats(s: ReportSnapshot, scope: ReportScope): Promise<SeatStatsRow[]> {
    return s.query(
      `${withScope()}, held AS (
         SELECT a.status, a.created_at, a.updated_at, a.due_at, a.reviewer_id, a.gate_review_id, v.created_at AS voted_at
           FROM assignments a JOIN scope sc ON sc.id = a.pilot_id LEFT JOIN votes v ON v.assignment_id = a.id
          WHERE a.reviewer_id IS NOT NULL AND a.created_at <= $1)
       SELECT u.agency_code AS agency,
              count(*) FILTER (WHERE $2::timestamptz IS NULL OR h.created_at >= $2)::int AS seats,
              count(*) FILTER (WHERE h.voted_at <= $1 AND ($2::timestamptz IS NULL OR h.created_at >= $2))::int AS votes,
              count(*) FILTER (WHERE h.status = 'declined' AND h.updated_at <= $1 AND ($2::timestamptz IS NULL OR h.created_at >= $2))::int AS declined,
              count(*) FILTER (WHERE h.due_at <= $1 AND ($2::timestamptz IS NULL OR h.due_at >= $2)
                                 AND NOT (h.status IN ('declined', 'cancelled') AND h.updated_at <= h.due_at)
                                 AND (h.voted_at IS NULL OR h.voted_at > h.due_at))::int AS missed,
              count(*) FILTER (WHERE h.due_at < $1 AND (h.voted_at IS NULL OR h.voted_at > $1)
                                 AND NOT (h.status IN ('declined', 'cancelled') AND h.updated_at <= $1)
                                 AND NOT COALESCE(r.decided_at <= $1 OR r.cancelled_at <= $1 OR r.escalated_at <= $1, FALSE))::int AS overdue
         FROM held h JOIN users u ON u.id = h.reviewer_id JOIN gate_reviews r ON r.id = h.gate_review_id
        GROUP BY GROUPING SETS ((u.agency_code), ())
        ORDER BY u.agency_code NULLS FIRST`,
      params(scope),
    );
  }

  /**
   * Decision hygiene over the whole scope: data-protection vetoes (a veto seat's non-go vote on a
   * decided review), escalations, the spread of scores of decided reviews (votes stay secret until
   * then), mean TRL gain.
   */
  async hygiene(s: ReportSnapshot, scope: ReportScope): Promise<HygieneRow> {
    const [row] = await s.query<HygieneRow>(
      `${withScope()}, decided_votes AS (
         SELECT v.*, r.gate, r.policy FROM votes v JOIN gate_reviews r ON r.id = v.gate_review_id JOIN scope sc ON sc.id = r.pilot_id
          WHERE r.decided_at <= $1 AND v.created_at <= $1 AND ($2::timestamptz IS NULL OR r.decided_at >= $2))
       SELECT (SELECT count(*) FROM decided_votes d WHERE d.seat = 'data-protection' AND d.recommendation <> d.gate AND d.policy->'vetoSeats' ? 'data-protection')::int AS vetoes,
              (SELECT count(*) FROM gate_reviews r JOIN scope sc ON sc.id = r.pilot_id
                WHERE r.escalated_at <= $1 AND ($2::timestamptz IS NULL OR r.escalated_at >= $2))::int AS escalations,
              (SELECT round(stddev_pop(excellence), 3)::text FROM decided_votes) AS excellence,
              (SELECT round(stddev_pop(impact), 3)::text FROM decided_votes) AS impact,
              (SELECT round(stddev_pop(implementation), 3)::text FROM decided_votes) AS implementation,
              (SELECT round(avg(c.trl - p.trl_initial), 2)::text FROM scope sc JOIN cur c ON c.pilot_id = sc.id JOIN pilots p ON p.id = sc.id) AS trl_gain`,
      params(scope),
    );
    return row!;
  }

  /** Pilots blocked at their next gate by a missing compliance prerequisite at asOf (one row per missing item; item null: all). */
  complianceBlocks(s: ReportSnapshot, scope: ReportScope): Promise<Array<{ item: string | null; blocked: number; median_days: string | null }>> {
    return s.query(
      `${withScope()}, open AS (
         SELECT b.pilot_id, b.missing, extract(epoch FROM $1 - b.since) / 86400 AS days
           FROM compliance_blocks b JOIN scope sc ON sc.id = b.pilot_id
          WHERE b.since <= $1 AND (b.until IS NULL OR b.until > $1))
       SELECT NULL AS item, count(*)::int AS blocked, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY days)::numeric, 2)::text AS median_days FROM open
       UNION ALL
       SELECT item, count(*)::int, NULL FROM open, unnest(open.missing) AS item GROUP BY item`,
      params(scope),
    );
  }

  async sealRoot(s: ReportSnapshot, asOf: Date): Promise<string | null> {
    const [row] = await s.query<{ root: string }>('SELECT root FROM chain_seals WHERE sealed_at <= $1 ORDER BY sealed_at DESC, id DESC LIMIT 1', [asOf]);
    return row?.root ?? null;
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
                d.decision_outcome AS last_decision, d.decided_at AS last_decision_at
           FROM scope sc JOIN cur c ON c.pilot_id = sc.id JOIN pilots pv ON pv.id = sc.id
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
         AND ($3::uuid IS NULL OR p.programme_id = $3)
         AND ($4::text IS NULL OR p.domain = $4) AND ($5::text IS NULL OR p.lead_agency = $5)
    ), cur AS (
      -- A pilot's intervals follow each other without gap or overlap: one holds asOf.
      SELECT i.pilot_id, i.stage, i.entered_at, i.trl
        FROM stage_intervals i JOIN scope sc ON sc.id = i.pilot_id
       WHERE i.entered_at <= $1 AND (i.left_at IS NULL OR i.left_at > $1)
    )`;
}

/** Pilots abandoned in the window: the stage they died in, and their money at that moment. */
const KILLS = `kills AS (
    SELECT i.pilot_id, i.stage, i.left_at AS at, sc.created_at,
           (SELECT COALESCE(sum(cents), 0) FROM ledger_movements m WHERE m.pilot_id = i.pilot_id AND m.kind = 'commit' AND m.at <= i.left_at) AS committed,
           (SELECT COALESCE(sum(amount_cents), 0) FROM expenditures e WHERE e.pilot_id = i.pilot_id AND e.created_at <= i.left_at) AS spent,
           (SELECT COALESCE(sum(cents), 0) FROM ledger_movements m WHERE m.pilot_id = i.pilot_id AND m.kind = 'release' AND m.at <= i.left_at) AS released
      FROM stage_intervals i JOIN scope sc ON sc.id = i.pilot_id
     WHERE i.left_how = 'abandoned' AND i.left_at <= $1 AND ($2::timestamptz IS NULL OR i.left_at >= $2)
  )`;

function params(scope: ReportScope): unknown[] {
  return [scope.asOf, scope.from, scope.programmeId, scope.domain, scope.agency];
}
