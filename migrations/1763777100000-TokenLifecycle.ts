import { MigrationInterface, QueryRunner } from 'typeorm';

/** Tokens that expire, users that are deactivated (their tokens stop working at once). */
export class TokenLifecycle1763777100000 implements MigrationInterface {
  name = 'TokenLifecycle1763777100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz(3)`);
    await q.query(`ALTER TABLE users ADD COLUMN deactivated_at timestamptz(3)`);
    await q.query(`CREATE INDEX api_tokens_user_live ON api_tokens (user_id) WHERE revoked_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX api_tokens_user_live`);
    await q.query(`ALTER TABLE users DROP COLUMN deactivated_at`);
    await q.query(`ALTER TABLE api_tokens DROP COLUMN expires_at`);
  }
}
