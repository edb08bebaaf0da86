import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';

interface PgPool {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/**
 * A read on the hot path, straight on the driver's pool as a named prepared statement: Postgres
 * parses and plans it once per connection, and TypeORM's query-runner bookkeeping is skipped.
 * Same connection pool, same types; for single statements outside a transaction only.
 */
export async function preparedQuery<T>(db: DataSource, text: string, values: unknown[]): Promise<T[]> {
  const pool = (db.driver as unknown as { master: PgPool }).master;
  const name = `lg_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
  const result = await pool.query({ name, text, values });
  return result.rows as T[];
}
