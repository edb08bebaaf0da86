import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The queued review workflow: gate policies, gate reviews with their seats (assignments) and votes,
 * the transactional outbox, in-app notifications, webhook subscriptions and deliveries, and the
 * Merkle seals of the audit chains.
 */
export class ReviewWorkflow1763776900000 implements MigrationInterface {
  name = 'ReviewWorkflow1763776900000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE gate_policies (
        gate        text PRIMARY KEY CHECK (gate IN ('fund','test','accelerate')),
        policy      jsonb NOT NULL,
        updated_at  timestamptz(3) NOT NULL DEFAULT now(),
        updated_by  uuid REFERENCES users (id)
      )`);
    const defaults = JSON.stringify({
      slaHours: 240,
      reminderHoursBeforeDue: 48,
      quorum: 1,
      rule: 'majority',
      vetoSeats: ['data-protection', 'funding'],
      thresholds: { excellence: 3, impact: 3, implementation: 3, total: 10 },
      maxRounds: 2,
    });
    await q.query(
      `INSERT INTO gate_policies (gate, policy) VALUES ('fund', $1), ('test', $1), ('accelerate', $1)`,
      [defaults],
    );

    await q.query(`
      CREATE TABLE gate_reviews (
        id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        pilot_id            uuid NOT NULL REFERENCES pilots (id),
        gate                text NOT NULL CHECK (gate IN ('fund','test','accelerate')),
        round               int NOT NULL CHECK (round > 0),
        status              text NOT NULL CHECK (status IN ('open','escalated','decided','cancelled')),
        policy              jsonb NOT NULL,
        evidence            jsonb NOT NULL,
        tranche_cents       bigint NOT NULL CHECK (tranche_cents >= 0),
        submitted_by        uuid NOT NULL REFERENCES users (id),
        opened_at           timestamptz(3) NOT NULL DEFAULT now(),
        due_at              timestamptz(3) NOT NULL,
        seats_assigned_at   timestamptz(3),
        timer_job_ids       uuid[] NOT NULL DEFAULT '{}',
        tally               jsonb,
        escalation_reason   text,
        escalated_at        timestamptz(3),
        decision_outcome    text CHECK (decision_outcome IN ('fund','test','accelerate','revise','abandon')),
        decision_rationale  text,
        decided_by          text,
        decided_at          timestamptz(3),
        cancelled_at        timestamptz(3),
        UNIQUE (pilot_id, gate, round),
        CONSTRAINT gate_reviews_decided_has_decision CHECK (status <> 'decided' OR decision_outcome IS NOT NULL)
      )`);
    // At most one open (or escalated) review per pilot, whatever the application does.
    await q.query(`CREATE UNIQUE INDEX gate_reviews_one_open ON gate_reviews (pilot_id) WHERE status IN ('open','escalated')`);
    await q.query(`CREATE INDEX gate_reviews_pilot ON gate_reviews (pilot_id, opened_at)`);
    await q.query(`CREATE INDEX gate_reviews_status_due ON gate_reviews (status, due_at)`);

    await q.query(`
      CREATE TABLE assignments (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        gate_review_id   uuid NOT NULL REFERENCES gate_reviews (id),
        pilot_id         uuid NOT NULL REFERENCES pilots (id),
        seat             text NOT NULL,
        reviewer_id      uuid REFERENCES users (id),
        status           text NOT NULL CHECK (status IN ('unassigned','pending','voted','declined','cancelled')),
        decline_reason   text,
        due_at           timestamptz(3) NOT NULL,
        created_at       timestamptz(3) NOT NULL DEFAULT now(),
        updated_at       timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT assignments_reviewer_when_assigned CHECK (status = 'unassigned' OR reviewer_id IS NOT NULL)
      )`);
    // One live holder per seat; declined rows stay as history (and keep the decliner off the seat).
    await q.query(`CREATE UNIQUE INDEX assignments_one_live_per_seat ON assignments (gate_review_id, seat) WHERE status <> 'declined'`);
    await q.query(`CREATE INDEX assignments_reviewer_inbox ON assignments (reviewer_id, status, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX assignments_pilot_reviewer ON assignments (pilot_id, reviewer_id)`);

    await q.query(`
      CREATE TABLE votes (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        gate_review_id   uuid NOT NULL REFERENCES gate_reviews (id),
        assignment_id    uuid NOT NULL UNIQUE REFERENCES assignments (id),
        seat             text NOT NULL,
        reviewer_id      uuid NOT NULL REFERENCES users (id),
        recommendation   text NOT NULL CHECK (recommendation IN ('fund','test','accelerate','revise','abandon')),
        excellence       numeric(2,1) NOT NULL CHECK (excellence BETWEEN 0 AND 5),
        impact           numeric(2,1) NOT NULL CHECK (impact BETWEEN 0 AND 5),
        implementation   numeric(2,1) NOT NULL CHECK (implementation BETWEEN 0 AND 5),
        rationale        text NOT NULL,
        created_at       timestamptz(3) NOT NULL DEFAULT now(),
        UNIQUE (gate_review_id, seat)
      )`);

    await q.query(`
      CREATE TABLE outbox (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        job_name    text NOT NULL,
        payload     jsonb NOT NULL,
        run_at      timestamptz(3),
        created_at  timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
        sent_at     timestamptz(3)
      )`);
    await q.query(`CREATE INDEX outbox_pending ON outbox (created_at) WHERE sent_at IS NULL`);

    await q.query(`
      CREATE TABLE notifications (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id         uuid NOT NULL REFERENCES users (id),
        event           text NOT NULL,
        pilot_id        uuid REFERENCES pilots (id),
        gate_review_id  uuid REFERENCES gate_reviews (id),
        data            jsonb NOT NULL DEFAULT '{}',
        source_id       uuid NOT NULL,
        created_at      timestamptz(3) NOT NULL DEFAULT now(),
        UNIQUE (user_id, source_id)
      )`);
    await q.query(`CREATE INDEX notifications_inbox ON notifications (user_id, created_at DESC, id DESC)`);

    await q.query(`
      CREATE TABLE webhooks (
        id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        agency_code  text NOT NULL REFERENCES agencies (code),
        url          text NOT NULL,
        events       text[] NOT NULL CHECK (cardinality(events) > 0),
        secret       text NOT NULL,
        created_by   uuid NOT NULL REFERENCES users (id),
        created_at   timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        webhook_id   uuid NOT NULL REFERENCES webhooks (id),
        event_id     uuid NOT NULL,
        event        text NOT NULL,
        body         text NOT NULL,
        status       text NOT NULL CHECK (status IN ('pending','delivered','failed')),
        attempts     int NOT NULL DEFAULT 0,
        last_status  int,
        last_error   text,
        created_at   timestamptz(3) NOT NULL DEFAULT now(),
        finished_at  timestamptz(3),
        UNIQUE (webhook_id, event_id)
      )`);
    await q.query(`CREATE INDEX webhook_deliveries_status ON webhook_deliveries (status, created_at DESC)`);

    await q.query(`
      CREATE TABLE chain_seals (
        id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        root       char(64) NOT NULL,
        chains     int NOT NULL,
        heads      jsonb NOT NULL,
        sealed_at  timestamptz(3) NOT NULL DEFAULT now()
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const table of ['chain_seals', 'webhook_deliveries', 'webhooks', 'notifications', 'outbox', 'votes', 'assignments', 'gate_reviews', 'gate_policies']) {
      await q.query(`DROP TABLE ${table}`);
    }

  }
}
