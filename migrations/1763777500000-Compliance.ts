import { MigrationInterface, QueryRunner } from 'typeorm';

/** A pilot's compliance references (AI Act class, FRIA, real-world testing plan, accreditation). */
export class Compliance1763777500000 implements MigrationInterface {
  name = 'Compliance1763777500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE pilots ADD COLUMN compliance jsonb NOT NULL DEFAULT '{}'`);
    await q.query(`ALTER TABLE pilots ADD CONSTRAINT pilots_not_prohibited CHECK (compliance->>'aiActClass' IS DISTINCT FROM 'prohibited')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE pilots DROP CONSTRAINT pilots_not_prohibited`);
    await q.query(`ALTER TABLE pilots DROP COLUMN compliance`);
  }
}
