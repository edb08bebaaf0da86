import { DataSource } from 'typeorm';
import { dataSourceOptions, ROW_TYPES } from '@labgate/persistence';

/**
 * The entities and the hand-written migrations describe the same schema: every table has an
 * entity, every column a property of the same type and nullability, and no column is left out.
 */
describe('schema: entities ↔ migrations', () => {
  let ds: DataSource;

  beforeAll(async () => {
    ds = new DataSource({ ...dataSourceOptions({ databaseUrl: process.env.DATABASE_URL! }, 'labgate-schema-test'), migrations: [] });
    await ds.initialize();
  });
  afterAll(() => ds.destroy());

  const PG_TYPE: Record<string, string> = {
    uuid: 'uuid',
    text: 'text',
    int: 'integer',
    smallint: 'smallint',
    bigint: 'bigint',
    boolean: 'boolean',
    jsonb: 'jsonb',
    timestamptz: 'timestamp with time zone',
    date: 'date',
    bytea: 'bytea',
    char: 'character',
    numeric: 'numeric',
  };

  it('maps every table and column, with matching types and nullability', async () => {
    const columns: Array<{ table_name: string; column_name: string; data_type: string; udt_name: string; is_nullable: string }> = await ds.query(
      `SELECT table_name, column_name, data_type, udt_name, is_nullable FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name NOT IN ('migrations')`,
    );
    const actual = new Map(columns.map((c) => [`${c.table_name}.${c.column_name}`, c]));
    const mapped = new Set<string>();
    const problems: string[] = [];
    for (const entity of ds.entityMetadatas) {
      for (const column of entity.columns) {
        const key = `${entity.tableName}.${column.databaseName}`;
        mapped.add(key);
        const db = actual.get(key);
        if (!db) {
          problems.push(`${key} is in an entity but not in the database`);
          continue;
        }
        const type = PG_TYPE[String(column.type)] ?? String(column.type);
        const dbType = db.data_type === 'ARRAY' ? db.udt_name.replace(/^_/, '') : db.data_type;
        const wanted = column.isArray ? (type === 'text' ? 'text' : type) : type;
        if (column.isArray ? !['text', 'uuid'].includes(dbType) || dbType !== wanted : dbType !== wanted) {
          problems.push(`${key}: entity ${column.isArray ? `${type}[]` : type}, database ${db.data_type === 'ARRAY' ? `${dbType}[]` : dbType}`);
        }
        if ((db.is_nullable === 'YES') !== column.isNullable) problems.push(`${key}: nullable ${column.isNullable} in the entity, ${db.is_nullable} in the database`);
      }
    }
    for (const key of actual.keys()) if (!mapped.has(key)) problems.push(`${key} is in the database but in no entity`);
    expect(problems).toEqual([]);
    expect(mapped.size).toBe(actual.size);
  });

  it("holds every repository row type to its table's columns", () => {
    const byTable = new Map(ds.entityMetadatas.map((e) => [e.tableName, new Set(e.columns.map((c) => c.databaseName))]));
    const problems = ROW_TYPES.flatMap(({ rowType, table, columns }) => {
      const known = byTable.get(table);
      if (!known) return [`${rowType}: no entity for table ${table}`];
      return columns.filter((c) => !known.has(c)).map((c) => `${rowType}.${c} is not a column of ${table}`);
    });
    expect(problems).toEqual([]);
    expect(ROW_TYPES.length).toBeGreaterThanOrEqual(14);
  });
});
