export { MIGRATIONS } from './list';
export { runMigrations } from './run';
export { BACKFILL_COMMITS, BACKFILL_RELEASES, BACKFILL_STAGE_INTERVALS } from './1763777200000-PortfolioHistory';
