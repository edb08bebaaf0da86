import { Injectable } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { faultPoint } from './fault-points';

/** A transaction's handle: every repository method that writes, or reads under a lock, takes one. */
export type Tx = EntityManager;

/** Work that must commit with a command's effect (the Idempotency-Key's stored response). */
export type CommitHook = (tx: Tx, result: unknown) => Promise<void>;

const commitHooks = new AsyncLocalStorage<{ hook?: CommitHook }>();

/**
 * Runs `fn` so that the first transaction it commits also runs `hook` with the command's result,
 * inside that transaction: the effect and its record commit together or not at all.
 */
export function withCommitHook<T>(hook: CommitHook, fn: () => T): T {
  return commitHooks.run({ hook }, fn);
}

/** One transaction per command (STYLE rule 6): services open it here and hand it to repositories. */
@Injectable()
export class Transactor {
  constructor(private readonly db: DataSource) {}

  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) => {
      const result = await work(tx);
      const pending = commitHooks.getStore();
      const hook = pending?.hook;
      if (hook) {
        pending.hook = undefined;
        await hook(tx, result);
        // A crash here, with the effect and its record written but not committed, loses both.
        faultPoint('before-commit-with-record');
      }
      return result;
    });
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
