// The data source for the TypeORM CLI (`npx typeorm migration:show -d dist/migrations/data-source.js`).
// It reads the same validated configuration as the apps, never raw process.env.
import { loadConfig } from '@labgate/config';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@labgate/persistence';
import { MIGRATIONS } from './list';

export default new DataSource({ ...dataSourceOptions(loadConfig(), 'labgate-cli'), migrations: MIGRATIONS, migrationsTransactionMode: 'each' });
