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

interface PgPool {
  on(event: 'connect', listener: (client: Parameters<typeof prepareStatements>[0]) => void): void;
}

/**
 * The API's and the worker's data source: initialised, and each new pooled connection's
 * parameterised statements prepared (see prepared-statements.ts).
 */
export async function initializeAppDataSource(options: DataSourceOptions): Promise<DataSource> {
  const dataSource = await new DataSource(options).initialize();
  const pool = (dataSource.driver as unknown as { master: PgPool }).master;
  pool.on('connect', (client) => prepareStatements(client));
  return dataSource;
}
