import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { dataSourceOptions, insertAtCommit, OutboxRepository, setTxMemo, Transactor, txMemo } from '@labgate/persistence';

/**
 * Rows a transaction appends and never reads back (audit links, outbox rows) are written in one
 * statement just before it commits: they commit with it or not at all, and a batch too large for
 * one statement is written in parts.
 */
describe('write batch: rows inserted at commit', () => {
  let ds: DataSource;
  let tx: Transactor;
  let outbox: OutboxRepository;
  const job = `test.batch.${randomUUID()}`;
  const count = async (name = job): Promise<number> => Number((await ds.query('SELECT count(*)::int AS n FROM outbox WHERE job_name = $1', [name]))[0].n);

  beforeAll(async () => {
    ds = await new DataSource({ ...dataSourceOptions({ databaseUrl: process.env.DATABASE_URL! }, 'labgate-batch-test'), migrations: [] }).initialize();
    tx = new Transactor(ds);
    outbox = new OutboxRepository(ds);
  });
  afterAll(async () => {
    await ds.query('DELETE FROM outbox WHERE job_name LIKE $1', [`${job}%`]);
    await ds.destroy();
  });

  it('writes the rows when the transaction commits, not before', async () => {
    const name = `${job}.commit`;
    const seenInside = await tx.run(async (t) => {
      const id = await outbox.insert(t, name, { n: 1 }, null);
      await outbox.insert(t, name, { n: 2 }, new Date('2026-12-03T00:00:00Z'));
      const inside = Number((await t.query('SELECT count(*)::int AS n FROM outbox WHERE job_name = $1', [name]))[0].n);
      return { id, inside };
    });
    expect(seenInside.inside).toBe(0);
    const rows: Array<{ id: string; payload: { n: number }; run_at: Date | null }> = await ds.query('SELECT id, payload, run_at FROM outbox WHERE job_name = $1 ORDER BY payload->>\'n\'', [name]);
    expect(rows.map((r) => r.payload.n)).toEqual([1, 2]);
    expect(rows[0]!.id).toBe(seenInside.id);
    expect(rows[1]!.run_at?.toISOString()).toBe('2026-12-03T00:00:00.000Z');
  });

  it('writes nothing when the transaction fails after queueing rows', async () => {
    const name = `${job}.rollback`;
    await expect(
      tx.run(async (t) => {
        await outbox.insert(t, name, { n: 1 }, null);
        throw new Error('the command failed after its outbox row');
      }),
    ).rejects.toThrow('the command failed');
    expect(await count(name)).toBe(0);
  });

  it('fails the whole transaction when a deferred row is refused', async () => {
    const name = `${job}.refused`;
    const id = randomUUID();
    await expect(
      tx.run(async (t) => {
        await insertAtCommit(t, 'outbox', ['id', 'job_name', 'payload', 'run_at'], [id, name, '{}', null]);
        // The same primary key twice: the statement at commit is refused, and with it everything.
        await insertAtCommit(t, 'outbox', ['id', 'job_name', 'payload', 'run_at'], [id, name, '{}', null]);
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(await count(name)).toBe(0);
  });

  it('inserts at once outside a transaction opened by Transactor.run', async () => {
    const name = `${job}.direct`;
    await outbox.insert(ds.manager, name, { n: 1 }, null);
    expect(await count(name)).toBe(1);
  });

  it('writes a batch too large for one statement in parts, every row once', async () => {
    const name = `${job}.large`;
    const rows = 6_000; // four parameters each: more than one statement takes
    await tx.run(async (t) => {
      for (let i = 0; i < rows; i++) await outbox.insert(t, name, { i }, null);
    });
    const [{ n, distinct }] = await ds.query('SELECT count(*)::int AS n, count(DISTINCT payload->>\'i\')::int AS distinct FROM outbox WHERE job_name = $1', [name]);
    expect({ n, distinct }).toEqual({ n: rows, distinct: rows });
  });

  it('keeps a memo for one transaction only', async () => {
    const first = await tx.run(async (t) => {
      setTxMemo(t, 'k', 42);
      return txMemo<number>(t, 'k');
    });
    const second = await tx.run(async (t) => txMemo<number>(t, 'k'));
    expect(first).toBe(42);
    expect(second).toBeUndefined();
    expect(txMemo(ds.manager, 'k')).toBeUndefined();
  });

});
