import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The transparency log (DESIGN §4b): one leaf per audit event in append order across all pilots
 * (indexes given by the sealer, one at a time), the signed checkpoints, and the signing key when
 * it is generated rather than configured. Append-only, like the audit chain.
 */
export class TransparencyLog1763777400000 implements MigrationInterface {
  name = 'TransparencyLog1763777400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tlog_leaves (
        idx       bigint PRIMARY KEY CHECK (idx >= 0),
        pilot_id  uuid NOT NULL,
        seq       int NOT NULL,
        hash      char(64) NOT NULL,
        UNIQUE (pilot_id, seq),
        FOREIGN KEY (pilot_id, seq) REFERENCES audit_events (pilot_id, seq)
      )`);
    await q.query(`
      CREATE TABLE tlog_checkpoints (
        size        bigint PRIMARY KEY CHECK (size > 0),
        root        char(64) NOT NULL,
        note        text NOT NULL,
        created_at  timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE tlog_keys (
        id           smallint PRIMARY KEY CHECK (id = 1),
        origin       text NOT NULL,
        private_key  text NOT NULL,
        created_at   timestamptz(3) NOT NULL DEFAULT now()
      )`);
    for (const table of ['tlog_leaves', 'tlog_checkpoints']) {
      await q.query(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE tlog_keys`);
    await q.query(`DROP TABLE tlog_checkpoints`);
    await q.query(`DROP TABLE tlog_leaves`);
  }
}
