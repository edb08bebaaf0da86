/** `npm run migration:run`: create the database if needed and apply pending migrations. */
import { loadConfig } from '@labgate/config';
import { ensureDatabase } from '@labgate/persistence';
import { runMigrations } from '@labgate/migrations';

async function main(): Promise<void> {
  const config = loadConfig();
  await ensureDatabase(config.databaseUrl);
  const applied = await runMigrations(config.databaseUrl);
  console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Nothing to apply');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
