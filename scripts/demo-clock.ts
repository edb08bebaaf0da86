import { Client } from 'pg';

/**
 * The demo clock's back-dating step, applied once after the demo drove its year through the
 * API: every timestamp of the demo's own rows is mapped piecewise-linearly from the real time
 * of the run onto the story dates the steps stand for. Due dates keep their distance to the
 * opening of their review. The audit chain is left as recorded (its hashes cover the times).
 */
export async function applyDemoClock(databaseUrl: string, clock: Array<{ real: Date; story: string }>, pilotIds: string[], programmeId: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(`CREATE TEMP TABLE demo_clock ON COMMIT DROP AS
      SELECT k::int, real, story FROM unnest($1::timestamptz[], $2::timestamptz[]) WITH ORDINALITY AS c (real, story, k)`, [
      clock.map((c) => c.real.toISOString()),
      clock.map((c) => new Date(c.story).toISOString()),
    ]);
    // t inside [real_k, real_k+1) → story_k + (t − real_k) · (story span / real span).
    await client.query(`CREATE FUNCTION pg_temp.demo_time(t timestamptz) RETURNS timestamptz LANGUAGE sql STABLE AS $$
      SELECT CASE WHEN t IS NULL THEN NULL ELSE COALESCE(
        (SELECT c.story + (t - c.real) * (extract(epoch FROM n.story - c.story) / greatest(extract(epoch FROM n.real - c.real), 0.001))
           FROM demo_clock c JOIN demo_clock n ON n.k = c.k + 1 WHERE t >= c.real AND t < n.real),
        t) END
    $$`);
    const ids = [pilotIds];
    await client.query(`UPDATE programmes SET created_at = pg_temp.demo_time(created_at) WHERE id = $1`, [programmeId]);
    await client.query(
      `UPDATE pilots SET created_at = pg_temp.demo_time(created_at), updated_at = pg_temp.demo_time(updated_at),
              stage_entered_at = pg_temp.demo_time(stage_entered_at), abandoned_at = pg_temp.demo_time(abandoned_at)
        WHERE id = ANY($1)`,
      ids,
    );
    await client.query(`UPDATE stage_intervals SET entered_at = pg_temp.demo_time(entered_at), left_at = pg_temp.demo_time(left_at) WHERE pilot_id = ANY($1)`, ids);
    await client.query(`UPDATE ledger_movements SET at = pg_temp.demo_time(at) WHERE pilot_id = ANY($1)`, ids);
    await client.query(`UPDATE expenditures SET created_at = pg_temp.demo_time(created_at) WHERE pilot_id = ANY($1)`, ids);
    await client.query(
      `UPDATE gate_reviews SET opened_at = pg_temp.demo_time(opened_at), due_at = pg_temp.demo_time(opened_at) + (due_at - opened_at),
              seats_assigned_at = pg_temp.demo_time(seats_assigned_at), escalated_at = pg_temp.demo_time(escalated_at),
              decided_at = pg_temp.demo_time(decided_at), cancelled_at = pg_temp.demo_time(cancelled_at)
        WHERE pilot_id = ANY($1)`,
      ids,
    );
    await client.query(
      `UPDATE assignments a SET created_at = pg_temp.demo_time(a.created_at), updated_at = pg_temp.demo_time(a.updated_at), due_at = r.due_at
         FROM gate_reviews r WHERE r.id = a.gate_review_id AND a.pilot_id = ANY($1)`,
      ids,
    );
    await client.query(`UPDATE votes v SET created_at = pg_temp.demo_time(v.created_at) FROM gate_reviews r WHERE r.id = v.gate_review_id AND r.pilot_id = ANY($1)`, ids);
    await client.query(`UPDATE notifications SET created_at = pg_temp.demo_time(created_at) WHERE pilot_id = ANY($1)`, ids);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
}
