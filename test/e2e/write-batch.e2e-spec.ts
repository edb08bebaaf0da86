import { randomUUID } from 'node:crypto';
import { Socket } from 'node:net';
import { DataSource } from 'typeorm';
import { dataSourceOptions, insertAtCommit, OutboxRepository, PilotsRepository, setTxMemo, statementAtCommit, Transactor, txMemo } from '@labgate/persistence';

/**
 * The system calls that write to the database's sockets while `work` runs (a write of one buffer
 * or of several: what node's stream hands its socket when it flushes).
 */
async function socketWrites<T>(port: number, work: () => Promise<T>): Promise<{ result: T; writes: number }> {
  const proto = Socket.prototype as unknown as Record<'_write' | '_writev', (this: Socket, ...args: unknown[]) => unknown>;
  const original = { _write: proto._write, _writev: proto._writev };
  let writes = 0;
  for (const method of ['_write', '_writev'] as const) {
    proto[method] = function (this: Socket, ...args: unknown[]) {
      if (this.remotePort === port) writes++;
      return original[method].apply(this, args);
    };
  }
  try {
    const result = await work();
    return { result, writes };
  } finally {
    Object.assign(proto, original);
  }
}

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

  describe('the pipelined transaction (BEGIN sent with the first statement, the batch with COMMIT)', () => {
    type PoolClient = { pipeline: boolean };
    const idleClients = (): PoolClient[] => (ds.driver as unknown as { master: { _idle: Array<{ client: PoolClient }> } }).master._idle.map((i) => i.client);

    it('runs every statement of the work inside one transaction, BEGIN first', async () => {
      const ids = await tx.run(async (t) => {
        const [a] = await t.query('SELECT pg_current_xact_id()::text AS id, now() = statement_timestamp() AS fresh');
        await new Promise((resolve) => setTimeout(resolve, 5));
        const [b] = await t.query('SELECT pg_current_xact_id()::text AS id, now() = statement_timestamp() AS fresh');
        return [a, b] as Array<{ id: string; fresh: boolean }>;
      });
      // In autocommit each statement would get its own transaction id and now() would be its own start.
      expect(ids[0]!.id).toBe(ids[1]!.id);
      expect(ids[1]!.fresh).toBe(false);
    });

    it('rolls back what the work wrote itself when the batch sent with COMMIT is refused', async () => {
      const name = `${job}.direct-then-refused`;
      const id = randomUUID();
      await expect(
        tx.run(async (t) => {
          await t.query('INSERT INTO outbox (id, job_name, payload) VALUES ($1, $2, $3)', [randomUUID(), name, '{}']);
          await insertAtCommit(t, 'outbox', ['id', 'job_name', 'payload', 'run_at'], [id, name, '{}', null]);
          await insertAtCommit(t, 'outbox', ['id', 'job_name', 'payload', 'run_at'], [id, name, '{}', null]);
        }),
      ).rejects.toThrow(/duplicate key/);
      expect(await count(name)).toBe(0);
    });

    it('fails cleanly when the work throws before its first statement (BEGIN still unanswered)', async () => {
      await expect(tx.run(() => Promise.reject(new Error('refused before any statement')))).rejects.toThrow('refused before any statement');
      const name = `${job}.after-early-failure`;
      await tx.run((t) => outbox.insert(t, name, {}, null));
      expect(await count(name)).toBe(1);
    });

    it('gives connections back to the pool out of pipeline mode, so a cursor (the CSV export) still works', async () => {
      await Promise.all(Array.from({ length: 12 }, (_, i) => tx.run((t) => t.query('SELECT $1::int AS i', [i]))));
      expect(idleClients().length).toBeGreaterThan(0);
      expect(idleClients().every((c) => c.pipeline === false)).toBe(true);
      const runner = ds.createQueryRunner('slave');
      try {
        const stream = await runner.stream('SELECT g AS n FROM generate_series(1, 2500) AS g');
        let rows = 0;
        for await (const _row of stream) rows++;
        expect(rows).toBe(2500);
      } finally {
        await runner.release();
      }
    });

    it('discards a connection whose transaction was cut, and the next transaction gets a sound one', async () => {
      const name = `${job}.after-cut`;
      let pid = 0;
      await expect(
        tx.run(async (t) => {
          [{ pid }] = await t.query('SELECT pg_backend_pid() AS pid');
          await outbox.insert(t, name, { lost: true }, null);
          await t.query('SELECT pg_terminate_backend(pg_backend_pid())');
        }),
      ).rejects.toThrow();
      expect(pid).toBeGreaterThan(0);
      for (let i = 0; i < 4; i++) await tx.run((t) => outbox.insert(t, name, { i }, null));
      const rows: Array<{ payload: { lost?: boolean } }> = await ds.query('SELECT payload FROM outbox WHERE job_name = $1', [name]);
      expect(rows).toHaveLength(4);
      expect(rows.some((r) => r.payload.lost)).toBe(false);
    });

    it('sends BEGIN with the first statement, and the statements left for the commit, the rows and COMMIT in one write', async () => {
      const name = `${job}.writes`;
      const port = Number(new URL(process.env.DATABASE_URL!).port || 5432);
      // Warm: the pool's connection is open and the statement prepared, as on a busy API.
      const first = 'SELECT count(*)::int AS n FROM outbox WHERE job_name = $1';
      await tx.run((t) => t.query(first, [name]));
      const { result, writes } = await socketWrites(port, () =>
        tx.run(async (t) => {
          const [{ n }] = await t.query(first, [name]);
          await statementAtCommit(t, 'INSERT INTO outbox (id, job_name, payload) VALUES ($1, $2, $3)', [randomUUID(), name, '{}']);
          await insertAtCommit(t, 'outbox', ['id', 'job_name', 'payload', 'run_at'], [randomUUID(), name, '{}', null]);
          return n as number;
        }),
      );
      expect(result).toBe(0);
      // Unheld: BEGIN, the SELECT, the statement, the rows and COMMIT would be five.
      expect(writes).toBe(2);
      expect(await count(name)).toBe(2);
    });

    it('still sends BEGIN when the work waits for something else before its first statement', async () => {
      const name = `${job}.late-first`;
      await tx.run(async (t) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        // now() is when BEGIN ran: the 20 ms before, not with this statement.
        const [{ waited }] = await t.query(`SELECT statement_timestamp() - now() >= interval '15 ms' AS waited`);
        expect(waited).toBe(true);
        await outbox.insert(t, name, {}, null);
      });
      expect(await count(name)).toBe(1);
    });

    it('sends the statements left for the commit before the rows, in order, and commits them with the rest', async () => {
      const name = `${job}.at-commit`;
      const id = randomUUID();
      const inside = await tx.run(async (t) => {
        await statementAtCommit(t, 'INSERT INTO outbox (id, job_name, payload) VALUES ($1, $2, $3)', [id, name, '{"n":1}']);
        await statementAtCommit(t, `UPDATE outbox SET payload = '{"n":2}' WHERE id = $1`, [id]);
        await insertAtCommit(t, 'outbox', ['id', 'job_name', 'payload', 'run_at'], [randomUUID(), name, '{"n":3}', null]);
        return Number((await t.query('SELECT count(*)::int AS n FROM outbox WHERE job_name = $1', [name]))[0].n);
      });
      expect(inside).toBe(0);
      const rows: Array<{ payload: { n: number } }> = await ds.query(`SELECT payload FROM outbox WHERE job_name = $1 ORDER BY payload->>'n'`, [name]);
      expect(rows.map((r) => r.payload.n)).toEqual([2, 3]);
    });

    it('fails the whole transaction with the error of a refused statement left for the commit', async () => {
      const name = `${job}.at-commit-refused`;
      await expect(
        tx.run(async (t) => {
          await t.query('INSERT INTO outbox (id, job_name, payload) VALUES ($1, $2, $3)', [randomUUID(), name, '{}']);
          await statementAtCommit(t, 'INSERT INTO outbox (id, job_name, payload) VALUES ($1, $2, NULL)', [randomUUID(), name]);
          await insertAtCommit(t, 'outbox', ['id', 'job_name', 'payload', 'run_at'], [randomUUID(), name, '{}', null]);
        }),
      ).rejects.toThrow(/null value in column "payload"/);
      expect(await count(name)).toBe(0);
    });

    it('runs a statement left for the commit at once outside Transactor.run', async () => {
      const name = `${job}.at-commit-direct`;
      await statementAtCommit(ds.manager, 'INSERT INTO outbox (id, job_name, payload) VALUES ($1, $2, $3)', [randomUUID(), name, '{}']);
      expect(await count(name)).toBe(1);
    });
  });

  describe('the pilot code counter', () => {
    let single: DataSource;
    let pilots: PilotsRepository;
    const year = 9000 + Math.floor(Math.random() * 900);

    beforeAll(async () => {
      const options = dataSourceOptions({ databaseUrl: process.env.DATABASE_URL! }, 'labgate-code-test');
      single = await new DataSource({ ...options, migrations: [], extra: { ...(options.extra as object), max: 1 } }).initialize();
      pilots = new PilotsRepository(single);
    });
    afterAll(async () => {
      await single.query('DELETE FROM pilot_code_counters WHERE year = $1', [year]);
      await single.destroy();
    });

    it('hands out rising numbers, each once, under concurrent proposals', async () => {
      const numbers = await Promise.all(Array.from({ length: 40 }, () => new PilotsRepository(ds).nextCodeNumber(year)));
      expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(await pilots.nextCodeNumber(year)).toBe(41);
    });

    it('leaves the connection committing synchronously after its own unflushed commit', async () => {
      await pilots.nextCodeNumber(year);
      // One connection in this pool: the next statement runs on the session the counter used.
      const [{ synchronous_commit: setting }] = await single.query('SHOW synchronous_commit');
      expect(setting).toBe('on');
      const inTx = await new Transactor(single).run(async (t) => (await t.query('SHOW synchronous_commit'))[0].synchronous_commit as string);
      expect(inTx).toBe('on');
    });
  });
});
