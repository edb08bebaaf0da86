import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Report aggregates ("refresh report aggregates", DESIGN §3), so the funders' report at a
 * hundred thousand pilots and a million votes reads thousands of rows, not millions.
 *
 * - `report_facts`: every event a report figure counts, one narrow row each, with the pilot's
 *   programme, domain and lead agency copied in (no join to filter): a stage entered (+1) and left
 *   (−1, with the TRL gain), days spent in a stage, commitments and releases, spend (keyed by the
 *   day spent), reviews entered (round 1), decided (go by round, revise, abandon), escalated, their
 *   turnaround, vetoes and score sums of decided reviews, seats held, votes and declines (keyed by
 *   the holder's agency), missed deadlines, and overdue seats (+1 a microsecond after the due time,
 *   −1 when the vote, the decline or the end of the review came).
 * - `report_rollups`: the same facts summed per programme × domain × lead agency × metric × key,
 *   at three grains: all time (`a`), calendar month (`m`, UTC) and, for the two metrics dated by a
 *   due time that may lie in the future, day (`d`). Each database session adds to rows of its own
 *   `slot` (its backend pid), so concurrent writers never wait for each other; a maintenance job
 *   folds the slots into slot 0.
 *
 * Facts are a function of the current rows (`report_facts_of`), and `report_refresh` brings a
 * pilot's stored facts to that function's value, adding the difference to the rollups. A deferred
 * trigger on every table the facts come from refreshes each touched pilot once, at commit, in the
 * writing transaction, under a per-pilot advisory lock. Bulk loaders set
 * `labgate.report_refresh = off` and refresh the pilots they wrote themselves.
 */
export class ReportFacts1763777800000 implements MigrationInterface {
  name = 'ReportFacts1763777800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE report_facts (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        pilot_id     uuid NOT NULL,
        programme_id uuid NOT NULL,
        domain       text NOT NULL,
        lead_agency  text NOT NULL,
        at           timestamptz NOT NULL,
        metric       text NOT NULL,
        key          text NOT NULL,
        n            integer NOT NULL,
        v            bigint NOT NULL,
        v2           bigint NOT NULL
      )`);
    await q.query(`CREATE INDEX report_facts_pilot ON report_facts (pilot_id)`);
    await q.query(`CREATE INDEX report_facts_at ON report_facts (at) INCLUDE (metric, key, n, v, v2, programme_id, domain, lead_agency)`);
    await q.query(`CREATE INDEX report_facts_due ON report_facts (at) INCLUDE (metric, key, n, v, v2, programme_id, domain, lead_agency) WHERE metric IN ('missed', 'overdue')`);
    await q.query(`CREATE INDEX report_facts_kills ON report_facts (at) INCLUDE (pilot_id, key, v2, programme_id, domain, lead_agency) WHERE metric = 'kill'`);
    // Durations in order, for medians by offset (no sort) and the kills' list.
    await q.query(
      `CREATE INDEX report_facts_ranked ON report_facts (metric, key, v) INCLUDE (at, v2, programme_id, domain, lead_agency, pilot_id) WHERE metric IN ('stage.days', 'turnaround', 'kill')`,
    );
    // The same, narrow, for walks over every programme; and kills in duration order across stages.
    await q.query(`CREATE INDEX report_facts_walk ON report_facts (metric, key, v) INCLUDE (at) WHERE metric IN ('stage.days', 'turnaround')`);
    await q.query(`CREATE INDEX report_facts_kill_walk ON report_facts (v) INCLUDE (at, programme_id, domain, lead_agency) WHERE metric = 'kill'`);
    await q.query(
      `CREATE INDEX report_facts_ranked_programme ON report_facts (metric, key, programme_id, v) INCLUDE (at, domain, lead_agency) WHERE metric IN ('stage.days', 'turnaround', 'kill')`,
    );
    await q.query(`
      CREATE TABLE report_rollups (
        grain        char(1) NOT NULL CHECK (grain IN ('a', 'm', 'd')),
        bucket       date NOT NULL,
        metric       text NOT NULL,
        key          text NOT NULL,
        programme_id uuid NOT NULL,
        domain       text NOT NULL,
        lead_agency  text NOT NULL,
        slot         integer NOT NULL,
        n            bigint NOT NULL,
        v            bigint NOT NULL,
        v2           bigint NOT NULL,
        PRIMARY KEY (grain, bucket, metric, key, programme_id, domain, lead_agency, slot)
      ) WITH (fillfactor = 80)`);

    // The figures dated by a due time are summed by month and day up to a moment: their own small
    // index. Not covering the sums: an index on n, v or v2 (even a partial one) would make every
    // update of a rollup row a non-HOT update, growing the primary key by one entry per write on
    // the few rows every write updates.
    await q.query(`CREATE INDEX report_rollups_due ON report_rollups (metric, grain, bucket) WHERE metric IN ('missed', 'overdue')`);
    await q.query(`CREATE FUNCTION report_ms(d interval) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT (extract(epoch FROM d) * 1000)::bigint $$`);

    // Every fact of the given pilots, from their current rows.
    // PL/pgSQL, not SQL: a session plans these statements once, not on every call. Every source is
    // filtered by the pilot ids itself, so the generic plan reads it by index whatever its size.
    await q.query(REPORT_FACTS_OF);

    // Brings the stored facts of the given pilots to report_facts_of and adds the difference to
    // the rollups of one slot. Returns how many facts were added or removed.
    await q.query(REPORT_REFRESH);

    // At commit, once per pilot and transaction, under the pilot's advisory lock. Generic plans: a
    // refresh of one pilot is planned once per session (a custom plan costs more than the refresh).
    // Without sequential scans: a session keeps its generic plan until the tables are analysed
    // again, and a plan made while they were small (a new install, an API started on an empty
    // database) would scan the growing report_facts on every write (measured: 4.8 ms of database
    // CPU per vote instead of about 1).
    await q.query(REPORT_TOUCH);
    for (const [table, columns] of Object.entries(SOURCES)) {
      await q.query(
        `CREATE CONSTRAINT TRIGGER report_touch AFTER INSERT OR UPDATE OF ${columns.join(', ')} OR DELETE ON ${table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION report_touch()`,
      );
    }

    // Pilots that exist already: their facts, into slot 0.
    await q.query(`SELECT report_refresh(array_agg(id), 0) FROM pilots`);
    await q.query(`ANALYZE report_facts`);
    await q.query(`ANALYZE report_rollups`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of Object.keys(SOURCES)) await q.query(`DROP TRIGGER report_touch ON ${table}`);
    await q.query(`DROP FUNCTION report_touch()`);
    await q.query(`DROP FUNCTION report_refresh(uuid[], integer)`);
    await q.query(`DROP FUNCTION report_facts_of(uuid[])`);
    await q.query(`DROP FUNCTION report_ms(interval)`);
    await q.query(`DROP TABLE report_rollups`);
    await q.query(`DROP TABLE report_facts`);
  }
}

// The three functions as this migration made them, for the down() of the ones that replace them.

/** Every fact of the given pilots, from their current rows. */
export const REPORT_FACTS_OF = `
      CREATE FUNCTION report_facts_of(ids uuid[])
      RETURNS TABLE (pilot_id uuid, programme_id uuid, domain text, lead_agency text, at timestamptz, metric text, key text, n integer, v bigint, v2 bigint)
      LANGUAGE plpgsql STABLE AS $$
      #variable_conflict use_column
      BEGIN
        RETURN QUERY
        WITH p AS (SELECT id, programme_id, domain, lead_agency, trl_initial, created_at FROM pilots WHERE id = ANY(ids)),
        i AS (SELECT i.*, p.trl_initial, p.created_at AS pilot_created_at FROM stage_intervals i JOIN p ON p.id = i.pilot_id WHERE i.pilot_id = ANY(ids)),
        r AS (SELECT r.* FROM gate_reviews r WHERE r.pilot_id = ANY(ids)),
        seats AS (
          SELECT a.pilot_id, a.status, a.created_at, a.updated_at, a.due_at, COALESCE(u.agency_code, '') AS agency, v.created_at AS voted_at,
                 LEAST(v.created_at, CASE WHEN a.status IN ('declined', 'cancelled') THEN a.updated_at END,
                       r.decided_at, r.cancelled_at, r.escalated_at) AS ended_at
            FROM assignments a JOIN r ON r.id = a.gate_review_id JOIN users u ON u.id = a.reviewer_id
            LEFT JOIN LATERAL (SELECT created_at FROM votes WHERE votes.assignment_id = a.id) v ON TRUE
           WHERE a.pilot_id = ANY(ids)
        ),
        decided_votes AS (
          SELECT r.pilot_id, r.decided_at, s.*
            FROM r CROSS JOIN LATERAL (
              SELECT count(*) FILTER (WHERE v.seat = 'data-protection' AND v.recommendation <> r.gate AND r.policy->'vetoSeats' ? 'data-protection')::int AS vetoes,
                     count(*)::int AS votes,
                     sum(v.excellence * 10)::bigint AS ex, sum((v.excellence * 10) ^ 2)::bigint AS ex2,
                     sum(v.impact * 10)::bigint AS im, sum((v.impact * 10) ^ 2)::bigint AS im2,
                     sum(v.implementation * 10)::bigint AS it, sum((v.implementation * 10) ^ 2)::bigint AS it2
                FROM votes v WHERE v.gate_review_id = r.id) s
           WHERE r.decided_at IS NOT NULL AND s.votes > 0
        ),
        f (pilot_id, at, metric, key, n, v, v2) AS (
          SELECT pilot_id, entered_at, 'stage', stage, 1, (trl - trl_initial)::bigint, 0::bigint FROM i
          UNION ALL SELECT pilot_id, left_at, 'stage', stage, -1, -(trl - trl_initial)::bigint, 0 FROM i WHERE left_at IS NOT NULL
          UNION ALL SELECT pilot_id, left_at, 'stage.days', stage, 1, report_ms(left_at - entered_at), 0 FROM i WHERE left_at IS NOT NULL
          UNION ALL SELECT i.pilot_id, i.left_at, 'kill', i.stage, 1, report_ms(i.left_at - i.pilot_created_at),
                           (SELECT COALESCE(sum(e.amount_cents), 0) FROM expenditures e WHERE e.pilot_id = i.pilot_id AND e.created_at <= i.left_at)::bigint
                      FROM i WHERE i.left_how = 'abandoned'
          UNION ALL SELECT i.pilot_id, i.left_at, 'kill.' || k.kind, i.stage, 1, COALESCE(sum(m.cents), 0)::bigint, 0
                      FROM i CROSS JOIN (VALUES ('commit'), ('release')) k (kind)
                      LEFT JOIN ledger_movements m ON m.pilot_id = i.pilot_id AND m.pilot_id = ANY(ids) AND m.kind = k.kind AND m.at <= i.left_at
                     WHERE i.left_how = 'abandoned' GROUP BY i.pilot_id, i.left_at, i.stage, k.kind
          UNION ALL SELECT m.pilot_id, m.at, m.kind, '', 1, m.cents, 0 FROM ledger_movements m WHERE m.pilot_id = ANY(ids)
          UNION ALL SELECT e.pilot_id, e.created_at, 'spend', to_char(e.spent_on, 'YYYY-MM-DD'), 1, e.amount_cents, 0 FROM expenditures e WHERE e.pilot_id = ANY(ids)
          UNION ALL SELECT pilot_id, opened_at, 'entered', gate, 1, 0, 0 FROM r WHERE round = 1
          UNION ALL SELECT pilot_id, decided_at, 'go', gate || ':' || round, 1, round, 0 FROM r WHERE decision_outcome = gate AND decided_at IS NOT NULL
          UNION ALL SELECT pilot_id, decided_at, decision_outcome, gate, 1, 0, 0 FROM r WHERE decision_outcome IN ('revise', 'abandon') AND decided_at IS NOT NULL
          UNION ALL SELECT pilot_id, escalated_at, 'escalated', gate, 1, 0, 0 FROM r WHERE escalated_at IS NOT NULL
          UNION ALL SELECT pilot_id, decided_at, 'turnaround', '', 1, report_ms(decided_at - opened_at), 0 FROM r WHERE decided_at IS NOT NULL
          UNION ALL SELECT pilot_id, decided_at, 'veto', '', vetoes, 0, 0 FROM decided_votes WHERE vetoes > 0
          UNION ALL SELECT pilot_id, decided_at, 'score', c.key, votes, c.s, c.s2
                      FROM decided_votes, LATERAL (VALUES ('excellence', ex, ex2), ('impact', im, im2), ('implementation', it, it2)) c (key, s, s2)
          UNION ALL SELECT pilot_id, created_at, 'seat', agency, 1, 0, 0 FROM seats
          UNION ALL SELECT pilot_id, voted_at, 'vote', agency, 1, 0, 0 FROM seats WHERE voted_at IS NOT NULL
          UNION ALL SELECT pilot_id, updated_at, 'decline', agency, 1, 0, 0 FROM seats WHERE status = 'declined'
          UNION ALL SELECT pilot_id, due_at, 'missed', '', 1, 0, 0 FROM seats
                     WHERE NOT (status IN ('declined', 'cancelled') AND updated_at <= due_at) AND (voted_at IS NULL OR voted_at > due_at)
          UNION ALL SELECT pilot_id, due_at + interval '1 microsecond', 'overdue', '', 1, 0, 0 FROM seats WHERE ended_at IS NULL OR ended_at > due_at
          UNION ALL SELECT pilot_id, ended_at, 'overdue', '', -1, 0, 0 FROM seats WHERE ended_at > due_at
        )
        SELECT f.pilot_id, p.programme_id, p.domain, p.lead_agency, f.at, f.metric, f.key, f.n, f.v, f.v2 FROM f JOIN p ON p.id = f.pilot_id;
      END $$`;

/** Brings the stored facts of the given pilots to report_facts_of, adding the difference to one slot's rollups. */
export const REPORT_REFRESH = `
      CREATE FUNCTION report_refresh(ids uuid[], slot integer) RETURNS integer LANGUAGE plpgsql AS $$
      #variable_conflict use_column
      DECLARE
        changed integer;
      BEGIN
        WITH fresh AS (
          SELECT f.*, row_number() OVER (PARTITION BY f.pilot_id, f.at, f.metric, f.key, f.n, f.v, f.v2, f.programme_id, f.domain, f.lead_agency) AS rn
            FROM report_facts_of(ids) f
        ), stored AS (
          SELECT s.*, row_number() OVER (PARTITION BY s.pilot_id, s.at, s.metric, s.key, s.n, s.v, s.v2, s.programme_id, s.domain, s.lead_agency ORDER BY s.id) AS rn
            FROM report_facts s WHERE s.pilot_id = ANY(ids)
        ), removed AS (
          SELECT s.* FROM stored s
           WHERE NOT EXISTS (SELECT 1 FROM fresh f WHERE (f.pilot_id, f.at, f.metric, f.key, f.n, f.v, f.v2, f.programme_id, f.domain, f.lead_agency, f.rn)
                                                       = (s.pilot_id, s.at, s.metric, s.key, s.n, s.v, s.v2, s.programme_id, s.domain, s.lead_agency, s.rn))
        ), added AS (
          SELECT f.* FROM fresh f
           WHERE NOT EXISTS (SELECT 1 FROM stored s WHERE (f.pilot_id, f.at, f.metric, f.key, f.n, f.v, f.v2, f.programme_id, f.domain, f.lead_agency, f.rn)
                                                        = (s.pilot_id, s.at, s.metric, s.key, s.n, s.v, s.v2, s.programme_id, s.domain, s.lead_agency, s.rn))
        ), gone AS (
          -- By an array of ids: an index lookup per id whatever the plan (a semi join planned
          -- while the table was small walked the whole table on every write).
          DELETE FROM report_facts WHERE id = ANY(ARRAY(SELECT id FROM removed)) RETURNING 1
        ), put AS (
          INSERT INTO report_facts (pilot_id, programme_id, domain, lead_agency, at, metric, key, n, v, v2)
          SELECT pilot_id, programme_id, domain, lead_agency, at, metric, key, n, v, v2 FROM added RETURNING 1
        ), delta AS (
          SELECT programme_id, domain, lead_agency, at, metric, key, n, v, v2 FROM added
          UNION ALL SELECT programme_id, domain, lead_agency, at, metric, key, -n, -v, -v2 FROM removed
        ), cells AS (
          SELECT g.grain, g.bucket, d.metric, CASE WHEN d.metric = 'spend' THEN left(d.key, 7) ELSE d.key END AS key,
                 d.programme_id, d.domain, d.lead_agency, sum(d.n)::bigint AS n, sum(d.v)::bigint AS v, sum(d.v2)::bigint AS v2
            FROM delta d
           CROSS JOIN LATERAL (VALUES ('a', DATE '0001-01-01'), ('m', date_trunc('month', d.at AT TIME ZONE 'UTC')::date), ('d', (d.at AT TIME ZONE 'UTC')::date)) g (grain, bucket)
           WHERE (g.grain = 'm' OR (g.grain = 'a' AND d.metric NOT IN ('missed', 'overdue')) OR (g.grain = 'd' AND d.metric IN ('missed', 'overdue')))
           GROUP BY 1, 2, 3, 4, 5, 6, 7
        ), summed AS (
          INSERT INTO report_rollups AS r (grain, bucket, metric, key, programme_id, domain, lead_agency, slot, n, v, v2)
          SELECT grain, bucket, metric, key, programme_id, domain, lead_agency, $2, n, v, v2 FROM cells
           WHERE n <> 0 OR v <> 0 OR v2 <> 0
           ORDER BY grain, bucket, metric, key, programme_id, domain, lead_agency
          ON CONFLICT (grain, bucket, metric, key, programme_id, domain, lead_agency, slot)
          DO UPDATE SET n = r.n + EXCLUDED.n, v = r.v + EXCLUDED.v, v2 = r.v2 + EXCLUDED.v2
          RETURNING 1
        )
        SELECT ((SELECT count(*) FROM gone) + (SELECT count(*) FROM put) + 0 * (SELECT count(*) FROM summed))::integer INTO changed;
        RETURN changed;
      END $$`;

/** The commit trigger's function: one refresh per touched pilot and transaction. */
export const REPORT_TOUCH = `
      CREATE FUNCTION report_touch() RETURNS trigger LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan SET enable_seqscan = off AS $$
      DECLARE
        pilot uuid;
        done text;
      BEGIN
        IF current_setting('labgate.report_refresh', true) = 'off' THEN RETURN NULL; END IF;
        IF TG_TABLE_NAME = 'votes' THEN
          SELECT r.pilot_id INTO pilot FROM gate_reviews r
           WHERE r.id = CASE WHEN TG_OP = 'DELETE' THEN OLD.gate_review_id ELSE NEW.gate_review_id END;
        ELSIF TG_TABLE_NAME = 'pilots' THEN
          pilot := CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END;
        ELSE
          pilot := CASE WHEN TG_OP = 'DELETE' THEN OLD.pilot_id ELSE NEW.pilot_id END;
        END IF;
        IF pilot IS NULL THEN RETURN NULL; END IF;
        done := COALESCE(current_setting('labgate.report_refreshed', true), '');
        IF strpos(done, pilot::text) > 0 THEN RETURN NULL; END IF;
        PERFORM set_config('labgate.report_refreshed', done || pilot::text || ' ', true);
        PERFORM pg_advisory_xact_lock(hashtext('labgate.report:' || pilot::text));
        PERFORM report_refresh(ARRAY[pilot], pg_backend_pid());
        RETURN NULL;
      END $$`;

/**
 * Every table a report fact comes from, and the columns the facts read: an update of any other
 * column (a review's tally, a pilot's title) does not refresh the pilot's facts.
 */
export const SOURCES: Record<string, string[]> = {
  pilots: ['programme_id', 'domain', 'lead_agency', 'trl_initial', 'created_at'],
  stage_intervals: ['pilot_id', 'stage', 'entered_at', 'left_at', 'left_how', 'trl'],
  ledger_movements: ['pilot_id', 'kind', 'cents', 'at'],
  expenditures: ['pilot_id', 'created_at', 'spent_on', 'amount_cents'],
  gate_reviews: ['pilot_id', 'gate', 'round', 'policy', 'opened_at', 'decided_at', 'decision_outcome', 'escalated_at', 'cancelled_at'],
  assignments: ['pilot_id', 'gate_review_id', 'reviewer_id', 'status', 'due_at', 'created_at', 'updated_at'],
  votes: ['gate_review_id', 'assignment_id', 'seat', 'recommendation', 'excellence', 'impact', 'implementation', 'created_at'],
};
