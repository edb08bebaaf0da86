/**
 * `npm run seed -- --pilots 100000 --votes 1000000`: a synthetic portfolio for benchmarks in the
 * database of DATABASE_URL (postgres://postgres@127.0.0.1:5432/labgate), bulk-inserted, with a
 * progress bar. Run the migrations first (`npm start` or `npm run migration:run`).
 */
import { parseArgs } from 'node:util';
import { Bar, Presets } from 'cli-progress';
import { seedPortfolio } from './seed-portfolio';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { pilots: { type: 'string', default: '100000' }, votes: { type: 'string', default: '1000000' } } });
  const pilots = Number(values.pilots);
  const votes = Number(values.votes);
  if (!Number.isSafeInteger(pilots) || pilots < 1 || !Number.isSafeInteger(votes) || votes < 0) throw new Error('--pilots and --votes take whole numbers');
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/labgate';
  const bar = new Bar({ format: 'seeding [{bar}] {percentage}% | {value}/{total} pilots | {duration_formatted}' }, Presets.shades_classic);
  bar.start(pilots, 0);
  const result = await seedPortfolio(databaseUrl, { pilots, votes, onProgress: (done) => bar.update(done) });
  bar.stop();
  console.log(
    `seeded ${result.pilots} pilots, ${result.reviews} reviews, ${result.votes} votes, ${result.intervals} stage intervals, ${result.expenditures} expenditures in ${result.seconds.toFixed(1)} s`,
  );
}

main().catch((err: unknown) => {
  console.error(`seed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
