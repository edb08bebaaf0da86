import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@labgate/persistence';
import { MIGRATIONS } from './list';

const MIGRATION_LOCK = 7_100_002;

/**
 * Runs pending migrations, each in its own transaction, under an advisory lock so that two
 * processes starting together do not both apply them. Returns the names applied.
 */
export async function runMigrations(databaseUrl: string): Promise<string[]> {
  const options = dataSourceOptions({ databaseUrl }, 'labgate-migrate');
  // One connection: the advisory lock and the migrations must share a session.
  const ds = new DataSource({ ...options, migrations: MIGRATIONS, migrationsTransactionMode: 'each', extra: { ...(options.extra as object), max: 1 } } as typeof options);
  await ds.initialize();
  try {
    await ds.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await ds.runMigrations({ transaction: 'each' });
    await ds.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    return applied.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}
