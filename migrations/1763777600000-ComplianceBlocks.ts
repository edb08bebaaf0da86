import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When a pilot could not go to its next gate for lack of a compliance prerequisite, and for how
 * long: one row per stretch, opened and closed in the same transaction as the change (creation,
 * edit, stage change) that began or ended it, so the reports can count blocked pilots as of any
 * date. Existing pilots are examined by the service on their next change.
 */
export class ComplianceBlocks1763777600000 implements MigrationInterface {
  name = 'ComplianceBlocks1763777600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE compliance_blocks (
        id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        pilot_id  uuid NOT NULL REFERENCES pilots (id),
        gate      text NOT NULL CHECK (gate IN ('fund','test','accelerate')),
        missing   text[] NOT NULL CHECK (cardinality(missing) > 0),
        since     timestamptz(3) NOT NULL DEFAULT now(),
        until     timestamptz(3),
        CONSTRAINT compliance_blocks_ordered CHECK (until IS NULL OR until >= since)
      )`);
    await q.query(`CREATE UNIQUE INDEX compliance_blocks_open ON compliance_blocks (pilot_id) WHERE until IS NULL`);
    await q.query(`CREATE INDEX compliance_blocks_pilot ON compliance_blocks (pilot_id, since)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE compliance_blocks`);
  }
}
