import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { faultPoint } from './fault-points';

/** A transaction's handle: every repository method that writes, or reads under a lock, takes one. */
export type Tx = EntityManager;

/** Work that must commit with a command's effect (the Idempotency-Key's stored response). */
export type CommitHook = (tx: Tx, result: unknown) => Promise<void>;

/**
 * What a transaction knows of the work that opened it, handed to Transactor.run: the request's
 * or job's correlation id, which follows the work into the outbox rows it writes, and for a
 * command sent with an Idempotency-Key the hook that stores its response. The first transaction
 * that commits runs the hook (and clears it), so the effect and its record commit together or
 * not at all. Passed explicitly rather than through an AsyncLocalStorage, whose promise hooks
 * would tax every request of the process.
 */
export interface WorkContext {
  readonly correlationId?: string;
  commitHook?: CommitHook;
}

/**
 * Rows a transaction appends and never reads back (audit links, outbox rows), kept until it is
 * about to commit and then written in one statement: one round trip for all of them instead of
 * one each. Also what the transaction learnt on the way that later statements would otherwise
 * read again (the head of a pilot's audit chain after an append).
 */
class WriteBatch {
  constructor(readonly context: WorkContext | undefined) {}
  /** By target, `table (columns)`: rows of parameter values. */
  readonly inserts = new Map<string, unknown[][]>();
  readonly memo = new Map<string, unknown>();
  /** Statements sent just before the rows, in order (see statementAtCommit). */
  readonly statements: Array<{ text: string; values: unknown[] }> = [];
  parameters = 0;
}

/** Far below Postgres's 65,535 parameters per statement: a batch this large is written at once. */
const MAX_BATCH_PARAMETERS = 20_000;

const batches = new WeakMap<Tx, WriteBatch>();

/**
 * Inserts a row when `tx` commits, with every other deferred row, in one statement; at once when
 * `tx` is not a transaction opened by Transactor.run (nothing would write it later). For rows the
 * transaction does not read back: a query in the same transaction does not see them before commit.
 */
export async function insertAtCommit(tx: Tx, table: string, columns: readonly string[], values: unknown[]): Promise<void> {
  const batch = batches.get(tx);
  // Outside Transactor.run: a batch of this one row, written now.
  const into = batch ?? new WriteBatch(undefined);
  const target = `${table} (${columns.join(', ')})`;
  const rows = into.inserts.get(target);
  if (rows) rows.push(values);
  else into.inserts.set(target, [values]);
  into.parameters += values.length;
  if (!batch || into.parameters >= MAX_BATCH_PARAMETERS) await flush(tx, into);
}

/**
 * Runs a statement when `tx` commits, sent with the batched rows and COMMIT (in the order of the
 * calls, before the rows still batched; a batch grown past MAX_BATCH_PARAMETERS wrote its rows
 * earlier); at once when `tx` is not a transaction opened by Transactor.run. For a
 * write whose outcome the transaction neither reads back nor needs to decide anything (its
 * checks were made under the locks the transaction holds): if it fails, the transaction fails
 * with its error and nothing of it commits.
 */
export async function statementAtCommit(tx: Tx, text: string, values: unknown[]): Promise<void> {
  const batch = batches.get(tx);
  if (batch) batch.statements.push({ text, values });
  else await tx.query(text, values);
}

/** A value remembered for the rest of `tx` (undefined outside Transactor.run, or when never set). */
export function txMemo<T>(tx: Tx, key: string): T | undefined {
  return batches.get(tx)?.memo.get(key) as T | undefined;
}

export function setTxMemo(tx: Tx, key: string, value: unknown): void {
  batches.get(tx)?.memo.set(key, value);
}

/** The correlation id of the work that opened `tx` (undefined outside Transactor.run, or when it gave none). */
export function txCorrelationId(tx: Tx): string | undefined {
  return batches.get(tx)?.context?.correlationId;
}

/** The batch's rows as one statement (undefined when it holds none); empties the batch. */
function batchStatement(batch: WriteBatch): { text: string; values: unknown[] } | undefined {
  if (batch.inserts.size === 0) return undefined;
  const values: unknown[] = [];
  const parts = [...batch.inserts].map(([target, rows], i) => {
    const tuples = rows.map((row) => `(${row.map((value) => `$${values.push(value)}`).join(', ')})`);
    return `w${i} AS (INSERT INTO ${target} VALUES ${tuples.join(', ')})`;
  });
  batch.inserts.clear();
  batch.parameters = 0;
  return { text: `WITH ${parts.join(', ')} SELECT 1`, values };
}

async function flush(tx: Tx, batch: WriteBatch): Promise<void> {
  const statement = batchStatement(batch);
  if (statement) await tx.query(statement.text, statement.values);
}

/**
 * node-postgres's client as a transaction drives it: `pipeline` is its pipeline mode (pg ≥ 8.23),
 * `connection.stream` the socket it writes its messages to.
 */
interface PipelinedClient {
  pipeline: boolean;
  query(text: string, values?: unknown[]): Promise<unknown>;
  end(): Promise<void>;
  connection?: { stream?: { cork?: () => void; uncork?: () => void } };
}

/**
 * Holds back the client's socket writes so the messages of several queries leave in one system
 * call (node-postgres writes each query separately: one write for a query without parameters,
 * one for the messages of one with them); the function it returns sends them. Each query the
 * database reads separately is a wake-up of its process too.
 */
function holdWrites(client: PipelinedClient): () => void {
  const stream = client.connection?.stream;
  if (!stream?.cork || !stream.uncork) return () => undefined;
  stream.cork();
  let held = true;
  return () => {
    if (held) stream.uncork!();
    held = false;
  };
}

/** A query's outcome kept without an unhandled rejection, for a pipelined query awaited later. */
function settled(query: Promise<unknown>): Promise<{ error?: unknown }> {
  return query.then(
    () => ({}),
    (error: unknown) => ({ error }),
  );
}

/** One transaction per command (STYLE rule 6): services open it here and hand it to repositories. */
@Injectable()
export class Transactor {
  constructor(private readonly db: DataSource) {}

  /**
   * `context`: the work's correlation id and commit hook; leave it out only for work no request or
   * job asked for.
   *
   * The transaction's connection runs in node-postgres's pipeline mode while it is held: BEGIN goes
   * out without waiting for its answer, in one socket write with what `work` sends before the
   * event loop next polls (its first statement, unless it waits for something else first), and
   * the statements left for the commit, the batched rows and COMMIT go out together in one write,
   * so a command waits for two round trips fewer (three with a statement at commit). Order on the
   * wire is the order of the calls. If the batch fails, the transaction is aborted and Postgres
   * answers the COMMIT with a rollback; the batch's error is what the caller gets. The connection
   * leaves pipeline mode before it goes back to the pool (the CSV export's cursor needs a plain
   * one), and a connection whose transaction did not end cleanly is discarded instead.
   */
  async run<T>(work: (tx: Tx) => Promise<T>, context?: WorkContext): Promise<T> {
    const runner = this.db.createQueryRunner('master') as PostgresQueryRunner;
    let client: PipelinedClient;
    try {
      client = (await runner.connect()) as PipelinedClient;
    } catch (err) {
      await runner.release();
      throw err;
    }
    client.pipeline = true;
    const sendBegin = holdWrites(client);
    const begun = settled(client.query('START TRANSACTION'));
    setImmediate(sendBegin);
    let clean = false;
    try {
      const tx = runner.manager;
      const batch = new WriteBatch(context);
      batches.set(tx, batch);
      const result = await work(tx);
      const hook = context?.commitHook;
      if (hook) {
        context.commitHook = undefined;
        await hook(tx, result);
      }
      // A crash here, with the effect and its record written but not committed, loses both.
      if (hook) faultPoint('before-commit-with-record');
      const send = holdWrites(client);
      const statements: Array<Promise<{ error?: unknown }>> = [];
      let committed: Promise<{ error?: unknown }>;
      try {
        for (const s of batch.statements) statements.push(settled(client.query(s.text, s.values)));
        const rows = batchStatement(batch);
        if (rows) statements.push(settled(client.query(rows.text, rows.values)));
        committed = settled(client.query('COMMIT'));
      } finally {
        send();
      }
      // In the order they were sent: the first error is the cause, later ones its consequence.
      const outcomes = [await begun];
      for (const statement of statements) outcomes.push(await statement);
      outcomes.push(await committed);
      clean = true;
      const failed = outcomes.find((outcome) => 'error' in outcome);
      if (failed) throw failed.error;
      return result;
    } catch (err) {
      if (!clean) {
        // Anything still in flight is answered first (pipeline order); the rollback ends the transaction.
        clean = !('error' in (await settled(client.query('ROLLBACK'))));
        await begun;
      }
      throw err;
    } finally {
      if (clean) client.pipeline = false;
      // Ended first, the pool drops it on release rather than hand it out again.
      else void client.end().catch(() => undefined);
      await runner.release();
    }
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
  query(text: string, values: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * A read on the hot path without TypeORM: the pooled connection's query, which makes it a named
 * prepared statement (prepared-statements.ts), so Postgres parses and plans it once per connection
 * and describes its rows once. The connection comes from the driver's public
 * `obtainMasterConnection`; for single statements outside a transaction only.
 */
export async function preparedQuery<T>(db: DataSource, text: string, values: unknown[]): Promise<T[]> {
  const driver = db.driver as unknown as { obtainMasterConnection(): Promise<[PgClient, (err?: unknown) => void]> };
  const [client, release] = await driver.obtainMasterConnection();
  try {
    const result = await client.query(text, values);
    release();
    return result.rows as T[];
  } catch (err) {
    release(err);
    throw err;
  }
}
