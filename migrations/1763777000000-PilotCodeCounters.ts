import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Pilot codes (JIL-YYYY-NNNN) numbered from a counter row per year, taken in a statement of its
 * own so the row lock lasts one statement, not the whole proposal. Replaces the per-year
 * sequences the API used to create at run time (no DDL outside migrations).
 */
export class PilotCodeCounters1763777000000 implements MigrationInterface {
  name = 'PilotCodeCounters1763777000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE pilot_code_counters (year int PRIMARY KEY CHECK (year BETWEEN 2000 AND 9999), last int NOT NULL CHECK (last >= 0))`);
    await q.query(`
      INSERT INTO pilot_code_counters (year, last)
      SELECT split_part(code, '-', 2)::int, max(split_part(code, '-', 3)::int) FROM pilots GROUP BY 1`);
    await q.query(`
      DO $$ DECLARE s record; BEGIN
        FOR s IN SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' AND sequencename ~ '^pilot_code_[0-9]{4}$' LOOP
          EXECUTE format('DROP SEQUENCE %I', s.sequencename);
        END LOOP;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE pilot_code_counters');
  }
}
