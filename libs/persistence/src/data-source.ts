import { Client, type ClientConfig } from 'pg';
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
 * The pool's connection class: each connection's parameterised statements prepared (see
 * prepared-statements.ts) from its creation. Given to the pool as its `Client` (node-postgres's
 * pool option, passed through TypeORM's `extra`), so it covers every connection, the one TypeORM
 * opens while it initialises included: a listener on the pool's 'connect' event, added once
 * initialize() returned, missed that one, and the pool went on handing it out, its statements
 * parsed, planned and described anew on every execution.
 */
class PreparedClient extends Client {
  constructor(config?: ClientConfig) {
    super(config);
    prepareStatements(this as unknown as Parameters<typeof prepareStatements>[0]);
  }
}

/** The API's and the worker's data source: initialised, every pooled connection's statements prepared. */
export async function initializeAppDataSource(options: DataSourceOptions): Promise<DataSource> {
  if (options.type !== 'postgres') throw new Error(`LabGate runs on PostgreSQL, not ${options.type}`);
  return new DataSource({ ...options, extra: { ...(options.extra as Record<string, unknown> | undefined), Client: PreparedClient } }).initialize();
}
