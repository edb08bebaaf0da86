export { MIGRATIONS } from './list';
export { runMigrations } from './run';
