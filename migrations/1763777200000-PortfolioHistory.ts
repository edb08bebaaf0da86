import { MigrationInterface, QueryRunner } from 'typeorm';

/** Back-fill: proposal from creation, one interval per go decision, abandonment last. */
export const BACKFILL_STAGE_INTERVALS = `
      WITH steps AS (
        SELECT p.id AS pilot_id, 'proposal' AS stage, p.created_at AS entered_at, p.trl_initial::int AS trl, 0 AS ord FROM pilots p
        UNION ALL
        SELECT r.pilot_id, CASE r.gate WHEN 'fund' THEN 'funded' WHEN 'test' THEN 'testing' ELSE 'accelerated' END,
               r.decided_at, NULLIF(r.evidence->>'trl', '')::int, 1
          FROM gate_reviews r WHERE r.status = 'decided' AND r.decision_outcome = r.gate
        UNION ALL
        SELECT p.id, 'abandoned', p.abandoned_at, NULL, 2 FROM pilots p WHERE p.abandoned_at IS NOT NULL
      ), ordered AS (
        SELECT s.*, lead(entered_at) OVER w AS left_at, lead(stage) OVER w AS next_stage,
               max(trl) OVER (PARTITION BY pilot_id ORDER BY entered_at, ord ROWS UNBOUNDED PRECEDING) AS trl_so_far
          FROM steps s WINDOW w AS (PARTITION BY pilot_id ORDER BY entered_at, ord)
      )
      INSERT INTO stage_intervals (pilot_id, stage, entered_at, left_at, left_how, trl)
      SELECT pilot_id, stage, entered_at, left_at,
             CASE WHEN next_stage IS NULL THEN NULL WHEN next_stage = 'abandoned' THEN 'abandoned' ELSE 'go' END,
             LEAST(9, GREATEST(1, trl_so_far))
        FROM ordered`;

/** Back-fill: the tranche of every go decision at a money gate. */
export const BACKFILL_COMMITS = `
      INSERT INTO ledger_movements (pilot_id, programme_id, kind, cents, at)
      SELECT r.pilot_id, p.programme_id, 'commit', r.tranche_cents, r.decided_at
        FROM gate_reviews r JOIN pilots p ON p.id = r.pilot_id
       WHERE r.status = 'decided' AND r.decision_outcome = r.gate AND r.gate IN ('fund','accelerate') AND r.tranche_cents > 0`;

/** Back-fill: what abandonment gave back (committed minus what is still committed). */
export const BACKFILL_RELEASES = `
      INSERT INTO ledger_movements (pilot_id, programme_id, kind, cents, at)
      SELECT p.id, p.programme_id, 'release', c.total - p.committed_cents, p.abandoned_at
        FROM pilots p JOIN (SELECT pilot_id, sum(cents) AS total FROM ledger_movements GROUP BY pilot_id) c ON c.pilot_id = p.id
       WHERE p.abandoned_at IS NOT NULL AND c.total > p.committed_cents`;

/**
 * The history the funders' reports are rebuilt from, so a report "as of" a past moment gives the
 * same figures on any later day:
 * - `stage_intervals`: one row per stage a pilot was in (entered, left, how it left, its TRL),
 *   written in the same transaction as every stage change;
 * - `ledger_movements`: every commit and release of money, written in the same transaction as
 *   the balances they change (spend is already one row per expenditure).
 * Both are back-filled from the decided reviews and the pilots that exist.
 */
export class PortfolioHistory1763777200000 implements MigrationInterface {
  name = 'PortfolioHistory1763777200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE stage_intervals (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        pilot_id    uuid NOT NULL REFERENCES pilots (id),
        stage       text NOT NULL CHECK (stage IN ('proposal','funded','testing','accelerated','abandoned')),
        entered_at  timestamptz(3) NOT NULL,
        left_at     timestamptz(3),
        left_how    text CHECK (left_how IN ('go','abandoned')),
        trl         smallint NOT NULL CHECK (trl BETWEEN 1 AND 9),
        CONSTRAINT stage_intervals_left_together CHECK ((left_at IS NULL) = (left_how IS NULL)),
        CONSTRAINT stage_intervals_ordered CHECK (left_at IS NULL OR left_at >= entered_at)
      )`);
    await q.query(`CREATE UNIQUE INDEX stage_intervals_current ON stage_intervals (pilot_id) WHERE left_at IS NULL`);
    await q.query(`CREATE INDEX stage_intervals_pilot ON stage_intervals (pilot_id, entered_at)`);
    await q.query(`CREATE INDEX stage_intervals_left ON stage_intervals (left_how, left_at) WHERE left_at IS NOT NULL`);

    await q.query(`
      CREATE TABLE ledger_movements (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        pilot_id        uuid NOT NULL REFERENCES pilots (id),
        programme_id    uuid NOT NULL REFERENCES programmes (id),
        kind            text NOT NULL CHECK (kind IN ('commit','release')),
        cents           bigint NOT NULL CHECK (cents > 0),
        at              timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX ledger_movements_pilot ON ledger_movements (pilot_id, at)`);
    await q.query(`CREATE INDEX ledger_movements_programme ON ledger_movements (programme_id, at)`);
    // The report's filters and time cuts.
    await q.query(`CREATE INDEX expenditures_pilot_created ON expenditures (pilot_id, created_at) INCLUDE (amount_cents, spent_on)`);
    await q.query(`CREATE INDEX gate_reviews_decided ON gate_reviews (decided_at) WHERE decided_at IS NOT NULL`);
    await q.query(`CREATE INDEX pilots_report_scope ON pilots (programme_id, domain, lead_agency, created_at)`);

    await q.query(BACKFILL_STAGE_INTERVALS);
    await q.query(BACKFILL_COMMITS);
    await q.query(BACKFILL_RELEASES);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX pilots_report_scope`);
    await q.query(`DROP INDEX gate_reviews_decided`);
    await q.query(`DROP INDEX expenditures_pilot_created`);
    await q.query(`DROP TABLE ledger_movements`);
    await q.query(`DROP TABLE stage_intervals`);
  }
}
