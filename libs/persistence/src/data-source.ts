import { DataSource, DataSourceOptions } from 'typeorm';
import type { AppConfig } from '@labgate/config';
import { ENTITIES } from './entities';
import { prepareStatements } from './prepared-statements';

/** The one description of the database connection: used by the apps, the CLI and the tests. */
export function dataSourceOptions(config: Pick<AppConfig, 'databaseUrl'>, applicationName = 'labgate'): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.databaseUrl,
    entities: ENTITIES,
    // Migrations live above this library (migrations/) and are added by their runner and the CLI.
    migrations: [],
    synchronize: false,
    applicationName,
    // Idle connections are kept five minutes (node-pg closes them after 10 s by default): a new
    // session costs its backend's start and its first plans.
    extra: { max: 20, connectionTimeoutMillis: 5000, idleTimeoutMillis: 300_000 },
  };
}

export function createDataSource(config: Pick<AppConfig, 'databaseUrl'>, applicationName?: string): DataSource {
  return new DataSource(dataSourceOptions(config, applicationName));
}

/**
 * Run on every new connection of the apps' pools, before its first query: plans the report-facts
 * refresh that the database's commit trigger runs (PL/pgSQL caches plans per session). Otherwise
 * the first write of each session would plan it at commit, for tens of milliseconds, while
 * holding its row locks (a programme's, for a go decision).
 */
export const CONNECTION_WARM_UP =
  // With the settings report_touch() runs it under: a session keeps the plans made here.
  `SET plan_cache_mode = force_generic_plan; SET enable_seqscan = off; SELECT report_refresh('{}'::uuid[], 0); RESET enable_seqscan; RESET plan_cache_mode`;

interface PgPool {
  on(event: 'connect', listener: (client: { query(sql: string): Promise<unknown> } & Parameters<typeof prepareStatements>[0]) => void): void;
}

/**
 * The API's and the worker's data source: initialised, each new pooled connection warmed up (see
 * CONNECTION_WARM_UP) and its parameterised statements prepared (see prepared-statements.ts).
 */
export async function initializeAppDataSource(options: DataSourceOptions): Promise<DataSource> {
  const dataSource = await new DataSource(options).initialize();
  const pool = (dataSource.driver as unknown as { master: PgPool }).master;
  // Before the migration that creates the function, the warm-up fails harmlessly.
  pool.on('connect', (client) => {
    void client.query(CONNECTION_WARM_UP).catch(() => undefined);
    prepareStatements(client);
  });
  return dataSource;
}
