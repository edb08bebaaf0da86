import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Standard Webhooks: secrets are server-made (`whsec_…`), may be encrypted at rest, and rotate
 * with an overlap (the previous secret keeps signing until it expires); subscriptions can be
 * deleted (kept for their deliveries' history).
 */
export class WebhookSecrets1763777300000 implements MigrationInterface {
  name = 'WebhookSecrets1763777300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE webhooks ADD COLUMN previous_secret text, ADD COLUMN previous_secret_expires_at timestamptz(3), ADD COLUMN deleted_at timestamptz(3)`);
    await q.query(`ALTER TABLE webhooks ADD CONSTRAINT webhooks_previous_secret_expires CHECK ((previous_secret IS NULL) = (previous_secret_expires_at IS NULL))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE webhooks DROP CONSTRAINT webhooks_previous_secret_expires`);
    await q.query(`ALTER TABLE webhooks DROP COLUMN deleted_at, DROP COLUMN previous_secret_expires_at, DROP COLUMN previous_secret`);
  }
}
