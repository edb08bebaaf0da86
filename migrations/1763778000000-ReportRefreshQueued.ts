import { MigrationInterface, QueryRunner } from 'typeorm';
import { FAMILY_TOUCH } from './1763777900000-ReportRefreshByFamily';

/**
 * The report facts are refreshed after the write, in batches, instead of inside it.
 *
 * The commit trigger refreshed each written pilot's families at commit: about 0.6 ms of the
 * database's CPU per creation or vote, half of what the whole write costs it (measured with the
 * refresh switched off: 630 against 439 creations a second on two cores). It now only notes the
 * pilot and its families in `report_pending`, in the writing transaction, and
 * `report_catch_up(max)` brings the facts of the noted pilots up to date, many at a time (the
 * rollup cells of a hundred new pilots of one programme are a handful of rows, not a hundred).
 *
 * Who catches up:
 * - the worker, every REPORT_CATCH_UP_MS (ReportCatchUp), in batches;
 * - every report, before it takes its snapshot, and for all pending pilots: a report therefore
 *   counts every write that was committed before it was asked for, as before, whether the worker
 *   runs or not.
 *
 * Catch-ups take one advisory lock, so they run one after another and never refresh a pilot twice
 * at once (the per-pilot lock of the trigger is gone with the trigger's refresh): a report's waits
 * for it, a worker's batch skips its round when another catch-up holds it. The check for pending
 * rows comes before the lock, so a report finds nothing to do without waiting for it.
 */
export class ReportRefreshQueued1763778000000 implements MigrationInterface {
  name = 'ReportRefreshQueued1763778000000';

  async up(q: QueryRunner): Promise<void> {
    // A row per (written pilot, transaction), taken oldest first; no foreign key: a deleted
    // pilot's note stays valid (its refresh removes its facts).
    await q.query(`
      CREATE TABLE report_pending (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        pilot_id uuid NOT NULL,
        families text NOT NULL CHECK (families ~ '^[PRS]{1,3}$'),
        noted_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Emptied many times a minute: vacuumed by what it has removed, not by its (small) size.
    await q.query(`ALTER TABLE report_pending SET (autovacuum_vacuum_threshold = 5000, autovacuum_vacuum_scale_factor = 0)`);
    await q.query(QUEUED_TOUCH);
    await q.query(`
      CREATE FUNCTION report_catch_up(max_rows integer) RETURNS integer LANGUAGE plpgsql
      SET plan_cache_mode = force_generic_plan SET enable_seqscan = off AS $$
      DECLARE
        taken integer;
        p uuid[];
        r uuid[];
        s uuid[];
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM report_pending) THEN RETURN 0; END IF;
        -- A batch (the worker's) gives way to a running catch-up; a whole one (a report's) waits.
        IF max_rows IS NULL THEN
          PERFORM pg_advisory_xact_lock(hashtext('labgate.report-catch-up'));
        ELSIF NOT pg_try_advisory_xact_lock(hashtext('labgate.report-catch-up')) THEN
          RETURN 0;
        END IF;
        -- LIMIT NULL takes them all.
        WITH gone AS (DELETE FROM report_pending WHERE id = ANY(ARRAY(SELECT id FROM report_pending ORDER BY id LIMIT max_rows)) RETURNING pilot_id, families)
        SELECT count(*)::int,
               array_agg(DISTINCT pilot_id) FILTER (WHERE strpos(families, 'P') > 0),
               array_agg(DISTINCT pilot_id) FILTER (WHERE strpos(families, 'R') > 0),
               array_agg(DISTINCT pilot_id) FILTER (WHERE strpos(families, 'S') > 0)
          INTO taken, p, r, s FROM gone;
        -- Each family on its own pilots; the families' metrics are disjoint.
        IF p IS NOT NULL THEN PERFORM report_refresh(p, pg_backend_pid(), 'P'); END IF;
        IF r IS NOT NULL THEN PERFORM report_refresh(r, pg_backend_pid(), 'R'); END IF;
        IF s IS NOT NULL THEN PERFORM report_refresh(s, pg_backend_pid(), 'S'); END IF;
        RETURN taken;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(FAMILY_TOUCH);
    await q.query(`SELECT report_catch_up(NULL)`);
    await q.query(`DROP FUNCTION report_catch_up(integer)`);
    await q.query(`DROP TABLE report_pending`);
  }
}

/** `report_touch()` of ReportRefreshByFamily, with the refresh at commit replaced by a note. */
const QUEUED_TOUCH = replaceOnce(
  replaceOnce(
    FAMILY_TOUCH,
    `        PERFORM pg_advisory_xact_lock(hashtext('labgate.report:' || pilot::text));
        PERFORM report_refresh(ARRAY[pilot], pg_backend_pid(), todo);`,
    `        INSERT INTO report_pending (pilot_id, families) VALUES (pilot, todo);`,
  ),
  ` SET plan_cache_mode = force_generic_plan SET enable_seqscan = off AS $$`,
  ` AS $$`,
);

function replaceOnce(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`ReportRefreshQueued: expected exactly one ${JSON.stringify(from.trim().slice(0, 60))}`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}
