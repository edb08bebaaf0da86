// The data source for the TypeORM CLI (`npx typeorm migration:show -d dist/migrations/data-source.js`).
// It reads the same validated configuration as the apps, never raw process.env.
import { loadConfig } from '@labgate/config';
import { createDataSource } from '@labgate/persistence';

export default createDataSource(loadConfig(), 'labgate-cli');
