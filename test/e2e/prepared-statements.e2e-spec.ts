import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { dataSourceOptions, initializeAppDataSource, prepareStatements } from '@labgate/persistence';

/**
 * Named statements are described once per connection (prepared-statements.ts): from the second
 * execution on, no Describe goes out and no row description comes back, and the rows are parsed
 * with the shape the first description gave.
 */
describe('prepared statements: one row description per statement and connection', () => {
  const table = `ps_test_${randomUUID().replace(/-/g, '')}`;
  const clients: Client[] = [];

  /** A connection as the apps' pools set them up, with a count of the row descriptions it received. */
  async function connect(): Promise<{ client: Client; descriptions: () => number }> {
    const client = new Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    clients.push(client);
    prepareStatements(client as unknown as Parameters<typeof prepareStatements>[0]);
    let received = 0;
    (client as unknown as { connection: NodeJS.EventEmitter }).connection.on('rowDescription', () => received++);
    return { client, descriptions: () => received };
  }

  beforeAll(async () => {
    const { client } = await connect();
    await client.query(`CREATE TABLE ${table} (id int PRIMARY KEY, title text, tags text[], doc jsonb, at timestamptz, note text)`);
    await client.query(
      `INSERT INTO ${table} VALUES (1, 'Counter-drone', '{frontex,europol}', '{"trl": 4}', '2026-12-07T01:02:03.456Z', NULL),
                                   (2, 'Deepfake detection', '{}', '{"trl": 6}', '2026-12-06T00:00:00Z', 'kept')`,
    );
  });
  afterAll(async () => {
    await clients[0]!.query(`DROP TABLE IF EXISTS ${table}`);
    await Promise.all(clients.map((c) => c.end()));
  });

  it('describes a statement on its first execution only, and parses every later row the same', async () => {
    const { client, descriptions } = await connect();
    const text = `SELECT id, title, tags, doc, at, note FROM ${table} WHERE id = $1`;
    const first = await client.query(text, [1]);
    const again = await client.query(text, [1]);
    const other = await client.query(text, [2]);
    expect(descriptions()).toBe(1);
    expect(again.rows).toEqual(first.rows);
    expect(first.rows[0]).toEqual({ id: 1, title: 'Counter-drone', tags: ['frontex', 'europol'], doc: { trl: 4 }, at: new Date('2026-12-07T01:02:03.456Z'), note: null });
    expect(other.rows[0]).toEqual({ id: 2, title: 'Deepfake detection', tags: [], doc: { trl: 6 }, at: new Date('2026-12-06T00:00:00Z'), note: 'kept' });
    expect(again.fields.map((f) => f.name)).toEqual(['id', 'title', 'tags', 'doc', 'at', 'note']);
    expect(other.rowCount).toBe(1);
    // Each row is its own object: a caller changing one does not change the next.
    (again.rows[0] as { title: string }).title = 'changed';
    expect((await client.query(text, [1])).rows[0].title).toBe('Counter-drone');
    expect(descriptions()).toBe(1);
  });

  it('keeps the shapes per connection: another connection describes the statement itself', async () => {
    const text = `SELECT title FROM ${table} WHERE id = $1`;
    const a = await connect();
    const b = await connect();
    await a.client.query(text, [1]);
    await a.client.query(text, [2]);
    expect(a.descriptions()).toBe(1);
    expect((await b.client.query(text, [2])).rows).toEqual([{ title: 'Deepfake detection' }]);
    expect(b.descriptions()).toBe(1);
  });

  it('answers pipelined executions sent before the first description arrived', async () => {
    const { client, descriptions } = await connect();
    (client as unknown as { pipeline: boolean }).pipeline = true;
    const text = `SELECT id, title FROM ${table} WHERE id = $1`;
    const results = await Promise.all([client.query(text, [1]), client.query(text, [2]), client.query(text, [3])]);
    expect(results.map((r) => r.rows)).toEqual([[{ id: 1, title: 'Counter-drone' }], [{ id: 2, title: 'Deepfake detection' }], []]);
    // All three were on the wire before the first answer: each was described.
    expect(descriptions()).toBe(3);
    const later = await Promise.all([client.query(text, [2]), client.query(text, [1])]);
    expect(later.map((r) => r.rows[0].title)).toEqual(['Deepfake detection', 'Counter-drone']);
    expect(descriptions()).toBe(3);
    (client as unknown as { pipeline: boolean }).pipeline = false;
  });

  it("rejects with Postgres's error on a described statement, and the connection goes on", async () => {
    const { client, descriptions } = await connect();
    const text = `SELECT id / $1::int AS q FROM ${table} WHERE id = 1`;
    expect((await client.query(text, [1])).rows).toEqual([{ q: 1 }]);
    await expect(client.query(text, [0])).rejects.toMatchObject({ code: '22012' });
    expect((await client.query(text, [1])).rows).toEqual([{ q: 1 }]);
    expect(descriptions()).toBe(1);
  });

  it('calls a callback when the caller gives one', async () => {
    const { client } = await connect();
    const text = `SELECT title FROM ${table} WHERE id = $1`;
    for (const id of [1, 2]) {
      const rows = await new Promise<unknown[]>((resolve, reject) => {
        (client.query as unknown as (t: string, v: unknown[], cb: (err: Error | null, r: { rows: unknown[] }) => void) => void)(text, [id], (err, r) =>
          err ? reject(err) : resolve(r.rows),
        );
      });
      expect(rows).toHaveLength(1);
    }
  });

  it('never parses rows with a stale shape: Postgres refuses a statement whose result type changed', async () => {
    const { client, descriptions } = await connect();
    const text = `SELECT * FROM ${table} WHERE id = $1`;
    expect(Object.keys((await client.query(text, [1])).rows[0])).toEqual(['id', 'title', 'tags', 'doc', 'at', 'note']);
    const other = await connect();
    await other.client.query(`ALTER TABLE ${table} ADD COLUMN extra int DEFAULT 7`);
    try {
      await expect(client.query(text, [1])).rejects.toMatchObject({ code: '0A000', message: 'cached plan must not change result type' });
    } finally {
      await other.client.query(`ALTER TABLE ${table} DROP COLUMN extra`);
    }
    expect(descriptions()).toBe(1);
  });

  it("prepares every connection of the apps' pools, the one TypeORM opened while it initialised included", async () => {
    const ds = await initializeAppDataSource(dataSourceOptions({ databaseUrl: process.env.DATABASE_URL! }, 'labgate-prepared-test'));
    try {
      const pool = (ds.driver as unknown as { master: { connect(): Promise<Client & { release(): void }>; totalCount: number } }).master;
      // The connection initialize() opened is the pool's only one, idle: the next query gets it.
      expect(pool.totalCount).toBe(1);
      const client = await pool.connect();
      try {
        await client.query(`SELECT title FROM ${table} WHERE id = $1`, [1]);
        const { rows } = await client.query(`SELECT statement FROM pg_prepared_statements`);
        expect(rows).toEqual([{ statement: `SELECT title FROM ${table} WHERE id = $1` }]);
      } finally {
        client.release();
      }
    } finally {
      await ds.destroy();
    }
  });
});
