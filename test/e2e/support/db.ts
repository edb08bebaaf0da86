import { Pool } from 'pg';

/** Direct SQL on the run's database, for arranging and checking what the API cannot show. */
export class TestDb {
  private readonly pool: Pool;

  constructor(databaseUrl = process.env.DATABASE_URL) {
    this.pool = new Pool({ connectionString: databaseUrl, max: 4 });
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows are whatever the test's SQL selects
  async query<T = any>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool.query(sql, params)).rows as T[];
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
  async transaction<T>(fn: (tx: { query: <R = any>(sql: string, params?: unknown[]) => Promise<R[]> }) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn({ query: async (sql, params = []) => (await client.query(sql, params)).rows });
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK');
      throw err;
    } finally {
      client.release();
    }
  }

  /**
   * Runs `fn` in one REPEATABLE READ snapshot taken right after a catch-up of the report facts
   * (what every report does first), with the pilots whose writes were noted since and not yet
   * caught up (the worker's own writes meanwhile): their stored facts may lag their rows, so a
   * check of the stored facts against report_facts_of leaves them out, or tries again.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
  async caughtUp<T>(fn: (tx: { query: <R = any>(sql: string, params?: unknown[]) => Promise<R[]> }, pending: Set<string>) => Promise<T>): Promise<T> {
    await this.query('SELECT report_catch_up(NULL)');
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
      const tx = { query: async <R = any>(sql: string, params: unknown[] = []): Promise<R[]> => (await client.query(sql, params)).rows as R[] };
      const pending = new Set((await tx.query<{ pilot_id: string }>('SELECT DISTINCT pilot_id FROM report_pending')).map((r) => r.pilot_id));
      return await fn(tx, pending);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  }

  /**
   * The money of one programme three ways, as strings of cents: its committed total, the sum of
   * its pilots' commitments, and the sum of its ledger's commit movements. They must agree.
   */
  async ledger(programmeId: string): Promise<{ programme: string; pilots: string; movements: string }> {
    const [row] = await this.query(
      `SELECT pr.committed_cents::bigint AS programme, (SELECT sum(committed_cents) FROM pilots WHERE programme_id = pr.id)::bigint AS pilots,
              (SELECT sum(cents) FROM ledger_movements WHERE programme_id = pr.id AND kind = 'commit')::bigint AS movements
         FROM programmes pr WHERE pr.id = $1`,
      [programmeId],
    );
    return row;
  }

  /** How many (person, event, review) notifications of these pilots exist more than once. */
  async duplicateNotifications(pilotIds: string[], event?: string): Promise<number> {
    const [{ n }] = await this.query(
      `SELECT count(*)::int AS n FROM (SELECT user_id, event, gate_review_id FROM notifications
        WHERE pilot_id = ANY($1) AND ($2::text IS NULL OR event = $2) GROUP BY 1, 2, 3 HAVING count(*) > 1) d`,
      [pilotIds, event ?? null],
    );
    return n;
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}
