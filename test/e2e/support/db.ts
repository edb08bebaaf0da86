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

  end(): Promise<void> {
    return this.pool.end();
  }
}
