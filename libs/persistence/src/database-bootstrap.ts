import { Client } from 'pg';

/** The database name and a URL to the server's maintenance database, for creating it when missing. */
export function splitDatabaseUrl(databaseUrl: string): { database: string; maintenanceUrl: string; address: string } {
  const url = new URL(databaseUrl);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const maintenance = new URL(databaseUrl);
  maintenance.pathname = '/postgres';
  return { database, maintenanceUrl: maintenance.toString(), address: `${url.hostname}:${url.port || '5432'}` };
}

const COMPOSE_HINT = 'docker compose -f docker/compose.yml up -d postgres redis';

/** A dependency that cannot be reached: the message says which, where, and how to start one. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
}

function describeConnectError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e.code ? `${e.code}${e.message ? `: ${e.message}` : ''}` : String(e.message ?? err);
}

/** Creates the configured database when it does not exist yet (the server must be reachable). */
export async function ensureDatabase(databaseUrl: string): Promise<{ created: boolean }> {
  const { database, maintenanceUrl, address } = splitDatabaseUrl(databaseUrl);
  const client = new Client({ connectionString: maintenanceUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (err) {
    throw new UnreachableError(
      `PostgreSQL is not reachable at ${address} (${describeConnectError(err)}). ` +
        `Start one, e.g. \`${COMPOSE_HINT}\`, or set DATABASE_URL.`,
    );
  }
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount) return { created: false };
    // Identifiers cannot be bound as parameters; the config regex already limits the name to [A-Za-z0-9_-].
    await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
    return { created: true };
  } catch (err) {
    // Two processes may race to create it; the loser finds it there.
    if ((err as { code?: string }).code === '42P04') return { created: false };
    throw err;
  } finally {
    await client.end();
  }
}

export async function dropDatabase(databaseUrl: string): Promise<void> {
  const { database, maintenanceUrl } = splitDatabaseUrl(databaseUrl);
  const client = new Client({ connectionString: maintenanceUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${database.replace(/"/g, '""')}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

export const START_DEPENDENCIES_HINT = COMPOSE_HINT;
