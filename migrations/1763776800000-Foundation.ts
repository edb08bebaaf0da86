import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Agencies, users and their API tokens, programmes, pilots with their spend, the per-pilot audit
 * chain and idempotency records. Written by hand: the CHECK constraints are the last line of
 * defence for the money and stage rules the services enforce first.
 */
export class Foundation1763776800000 implements MigrationInterface {
  name = 'Foundation1763776800000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);

    await q.query(`
      CREATE TABLE agencies (
        code        text PRIMARY KEY CHECK (code ~ '^[A-Z][A-Z0-9-]{1,15}$'),
        name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        created_at  timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`
      INSERT INTO agencies (code, name) VALUES
        ('EUROPOL',  'European Union Agency for Law Enforcement Cooperation'),
        ('FRONTEX',  'European Border and Coast Guard Agency'),
        ('EUROJUST', 'European Union Agency for Criminal Justice Cooperation'),
        ('CEPOL',    'European Union Agency for Law Enforcement Training'),
        ('EULISA',   'European Union Agency for the Operational Management of Large-Scale IT Systems in the Area of Freedom, Security and Justice'),
        ('EUAA',     'European Union Agency for Asylum'),
        ('EUDA',     'European Union Drugs Agency'),
        ('ENISA',    'European Union Agency for Cybersecurity'),
        ('EDPS',     'European Data Protection Supervisor'),
        ('DGHOME',   'European Commission, Directorate-General for Migration and Home Affairs'),
        ('JRC',      'European Commission, Joint Research Centre')`);

    await q.query(`
      CREATE TABLE users (
        id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name         text NOT NULL,
        email        text NOT NULL,
        agency_code  text NOT NULL REFERENCES agencies (code),
        roles        text[] NOT NULL CHECK (
                       cardinality(roles) > 0
                       AND roles <@ ARRAY['lead','reviewer','dpo','chair','funder','admin']::text[]),
        created_at   timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX users_email_key ON users (lower(email))`);
    await q.query(`CREATE INDEX users_keyset ON users (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX users_agency_roles ON users (agency_code) INCLUDE (roles)`);

    await q.query(`
      CREATE TABLE api_tokens (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        token_hash  bytea NOT NULL UNIQUE,
        label       text NOT NULL DEFAULT 'default',
        created_at  timestamptz(3) NOT NULL DEFAULT now(),
        revoked_at  timestamptz(3)
      )`);

    await q.query(`
      CREATE TABLE programmes (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name             text NOT NULL,
        owner_id         uuid NOT NULL REFERENCES users (id),
        envelope_cents   bigint NOT NULL CHECK (envelope_cents >= 0),
        committed_cents  bigint NOT NULL DEFAULT 0,
        spent_cents      bigint NOT NULL DEFAULT 0,
        created_at       timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT programmes_committed_within_envelope CHECK (committed_cents BETWEEN 0 AND envelope_cents),
        CONSTRAINT programmes_spent_within_committed CHECK (spent_cents BETWEEN 0 AND committed_cents)
      )`);
    await q.query(`CREATE INDEX programmes_keyset ON programmes (created_at DESC, id DESC)`);

    await q.query(`
      CREATE TABLE pilots (
        id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code                    text NOT NULL UNIQUE,
        title                   text NOT NULL,
        summary                 text NOT NULL,
        domain                  text NOT NULL CHECK (domain IN ('ai','blockchain','drones','quantum','biometrics','cyber','data-space','other')),
        lead_agency             text NOT NULL REFERENCES agencies (code),
        lead_id                 uuid NOT NULL REFERENCES users (id),
        partner_agencies        text[] NOT NULL DEFAULT '{}',
        programme_id            uuid NOT NULL REFERENCES programmes (id),
        stage                   text NOT NULL DEFAULT 'proposal' CHECK (stage IN ('proposal','funded','testing','accelerated','abandoned')),
        trl_current             smallint NOT NULL CHECK (trl_current BETWEEN 1 AND 9),
        trl_target              smallint NOT NULL CHECK (trl_target BETWEEN 1 AND 9),
        trl_initial             smallint NOT NULL CHECK (trl_initial BETWEEN 1 AND 9),
        budget_requested_cents  bigint NOT NULL CHECK (budget_requested_cents >= 0),
        committed_cents         bigint NOT NULL DEFAULT 0,
        spent_cents             bigint NOT NULL DEFAULT 0,
        personal_data           boolean NOT NULL,
        dpia_ref                text,
        sensitivity             text NOT NULL CHECK (sensitivity IN ('public','limited','restricted')),
        heilmeier               jsonb NOT NULL,
        lessons_learned         text,
        stage_entered_at        timestamptz(3) NOT NULL DEFAULT now(),
        abandoned_at            timestamptz(3),
        version                 int NOT NULL DEFAULT 1,
        created_at              timestamptz(3) NOT NULL DEFAULT now(),
        updated_at              timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT pilots_spent_within_committed CHECK (spent_cents >= 0 AND spent_cents <= committed_cents),
        CONSTRAINT pilots_dpia_when_personal CHECK (NOT personal_data OR dpia_ref IS NOT NULL),
        CONSTRAINT pilots_lessons_when_abandoned CHECK (stage <> 'abandoned' OR lessons_learned IS NOT NULL)
      )`);
    // Keyset order is (created_at DESC, id DESC); each list filter gets an index in that order.
    await q.query(`CREATE INDEX pilots_keyset ON pilots (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX pilots_stage_keyset ON pilots (stage, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX pilots_domain_keyset ON pilots (domain, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX pilots_lead_agency_keyset ON pilots (lead_agency, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX pilots_programme_keyset ON pilots (programme_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX pilots_partner_agencies ON pilots USING gin (partner_agencies)`);
    await q.query(`CREATE INDEX pilots_lead_id ON pilots (lead_id)`);
    await q.query(`CREATE INDEX pilots_text_search ON pilots USING gin ((code || ' ' || title || ' ' || summary) gin_trgm_ops)`);

    await q.query(`
      CREATE TABLE expenditures (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        pilot_id      uuid NOT NULL REFERENCES pilots (id),
        amount_cents  bigint NOT NULL CHECK (amount_cents > 0),
        description   text NOT NULL,
        spent_on      date NOT NULL,
        reported_by   uuid NOT NULL REFERENCES users (id),
        created_at    timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX expenditures_pilot_keyset ON expenditures (pilot_id, created_at DESC, id DESC)`);

    await q.query(`
      CREATE TABLE audit_events (
        pilot_id   uuid NOT NULL REFERENCES pilots (id),
        seq        int NOT NULL CHECK (seq > 0),
        actor      text NOT NULL,
        action     text NOT NULL,
        payload    jsonb NOT NULL,
        at         timestamptz(3) NOT NULL,
        prev_hash  char(64) NOT NULL,
        hash       char(64) NOT NULL,
        PRIMARY KEY (pilot_id, seq)
      )`);
    // Append-only: the chain of custody must not be rewritten by the application or by mistake.
    await q.query(`
      CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`);
    await q.query(`
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()`);

    await q.query(`
      CREATE TABLE idempotency_keys (
        user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        key               text NOT NULL,
        fingerprint       char(64) NOT NULL,
        state             text NOT NULL CHECK (state IN ('running','done')),
        response_status   int,
        response_body     jsonb,
        response_headers  jsonb,
        created_at        timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, key)
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_keys`);
    await q.query(`DROP TABLE audit_events`);
    await q.query(`DROP FUNCTION audit_events_append_only()`);
    await q.query(`DROP TABLE expenditures`);
    await q.query(`DROP TABLE pilots`);
    await q.query(`DO $$ DECLARE s text; BEGIN
      FOR s IN SELECT sequencename FROM pg_sequences WHERE sequencename LIKE 'pilot_code_%' LOOP EXECUTE format('DROP SEQUENCE %I', s); END LOOP;
    END $$`);
    await q.query(`DROP TABLE programmes`);
    await q.query(`DROP TABLE api_tokens`);
    await q.query(`DROP TABLE users`);
    await q.query(`DROP TABLE agencies`);
  }
}
