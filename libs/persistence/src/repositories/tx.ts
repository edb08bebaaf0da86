import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';

/** A transaction's handle: every repository method that writes, or reads under a lock, takes one. */
export type Tx = EntityManager;

/** One transaction per command (STYLE rule 6): services open it here and hand it to repositories. */
@Injectable()
export class Transactor {
  constructor(private readonly db: DataSource) {}

  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  /** The manager outside any transaction, for reads that need no lock. */
  get none(): Tx {
    return this.db.manager;
  }
}

/**
 * Rows of an UPDATE/DELETE … RETURNING. TypeORM's postgres driver answers those with
 * [rows, affectedCount] rather than rows, unlike SELECT and INSERT.
 */
export async function updateReturning<T>(tx: Tx, sql: string, params: unknown[]): Promise<T[]> {
  const result: unknown = await tx.query(sql, params);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return result as T[];
}

interface PgClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/**
 * A read on the hot path as a named prepared statement: Postgres parses and plans it once per
 * connection. The connection comes from the driver's public `obtainMasterConnection`; for
 * single statements outside a transaction only.
 */
export async function preparedQuery<T>(db: DataSource, text: string, values: unknown[]): Promise<T[]> {
  const driver = db.driver as unknown as { obtainMasterConnection(): Promise<[PgClient, (err?: unknown) => void]> };
  const [client, release] = await driver.obtainMasterConnection();
  const name = `lg_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
  try {
    const result = await client.query({ name, text, values });
    release();
    return result.rows as T[];
  } catch (err) {
    release(err);
    throw err;
  }
}
