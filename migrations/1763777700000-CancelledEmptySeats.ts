import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A seat nobody held (`unassigned`, after every eligible reviewer declined) could not be
 * cancelled: the check wanted a reviewer on every seat but an unassigned one, so withdrawing a
 * pilot, or deciding its review, while such a seat waited for the chair failed with a 500. A
 * cancelled seat may now be empty too.
 */
export class CancelledEmptySeats1763777700000 implements MigrationInterface {
  name = 'CancelledEmptySeats1763777700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE assignments DROP CONSTRAINT assignments_reviewer_when_assigned`);
    await q.query(
      `ALTER TABLE assignments ADD CONSTRAINT assignments_reviewer_when_assigned CHECK (status IN ('unassigned', 'cancelled') OR reviewer_id IS NOT NULL)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM assignments WHERE status = 'cancelled' AND reviewer_id IS NULL`);
    await q.query(`ALTER TABLE assignments DROP CONSTRAINT assignments_reviewer_when_assigned`);
    await q.query(`ALTER TABLE assignments ADD CONSTRAINT assignments_reviewer_when_assigned CHECK (status = 'unassigned' OR reviewer_id IS NOT NULL)`);
  }
}
