import { DataSource, DataSourceOptions } from 'typeorm';
import type { AppConfig } from '@labgate/config';
import { ENTITIES } from './entities';

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
    extra: { max: 20, connectionTimeoutMillis: 5000 },
  };
}

export function createDataSource(config: Pick<AppConfig, 'databaseUrl'>, applicationName?: string): DataSource {
  return new DataSource(dataSourceOptions(config, applicationName));
}
