import { randomBytes } from 'node:crypto';
import { Pool, PoolClient } from 'pg';

export interface SeedOptions {
  pilots: number;
  votes: number;
  /** Pilots per transaction. */
  chunk?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface SeedResult {
  programmes: string[];
  pilots: number;
  reviews: number;
  votes: number;
  intervals: number;
  expenditures: number;
  seconds: number;
}

const PROGRAMMES = 20;
const LEADS = 100;
const REVIEWERS = 200;
const AGENCIES = ['EUROPOL', 'FRONTEX', 'EUROJUST', 'CEPOL', 'EULISA', 'EUAA', 'EUDA', 'ENISA', 'DGHOME', 'JRC'];
/** Reviews per pilot the plan below makes on average (gates passed, kills, 30 % revise rounds). */
const REVIEWS_PER_PILOT = 1.66;

/**
 * A synthetic portfolio for benchmarks, bulk-inserted in SQL (allowed here, and only here):
 * pilots spread over a year or two, each having passed 0–3 gates, a quarter of those that did not
 * reach `accelerated` killed at their next gate, 30 % of gate reviews preceded by a revise round;
 * with stage intervals, reviews, seats and votes, commits, releases and spend consistent with each
 * other and with the pilots' and programmes' balances. No audit events are made.
 */
export async function seedPortfolio(databaseUrl: string, options: SeedOptions): Promise<SeedResult> {
  const started = Date.now();
  const chunk = options.chunk ?? 5_000;
  const seats = Math.min(12, Math.max(3, Math.round(options.votes / Math.max(1, options.pilots) / REVIEWS_PER_PILOT)));
  const run = randomBytes(3).toString('hex');
  const pool = new Pool({ connectionString: databaseUrl, max: 1, application_name: 'labgate-seed' });
  const client = await pool.connect();
  try {
    const cast = await castOf(client, run);
    for (let from = 0; from < options.pilots; from += chunk) {
      const count = Math.min(chunk, options.pilots - from);
      await client.query('BEGIN');
      // Bulk rows: the per-row report trigger stands aside and the chunk's facts are added at once.
      await client.query(`SET LOCAL labgate.report_refresh = 'off'`);
      await seedChunk(client, { from, count, run, seats, ...cast });
      await client.query('SELECT report_refresh((SELECT array_agg(id) FROM plan), 0)');
      await client.query('COMMIT');
      options.onProgress?.(from + count, options.pilots);
    }
    await client.query(
      `UPDATE programmes pr SET committed_cents = t.committed, spent_cents = t.spent
         FROM (SELECT programme_id, sum(committed_cents) AS committed, sum(spent_cents) AS spent FROM pilots GROUP BY programme_id) t
        WHERE t.programme_id = pr.id AND pr.id = ANY($1)`,
      [cast.programmes],
    );
    await client.query('ANALYZE');
    // The report facts are read by index-only scans: mark their pages all-visible now, as autovacuum would later.
    await client.query('VACUUM (ANALYZE) report_facts, report_rollups');
    const count = async (sql: string) => Number((await client.query(sql, [cast.programmes])).rows[0].n);
    return {
      programmes: cast.programmes,
      pilots: await count('SELECT count(*) AS n FROM pilots WHERE programme_id = ANY($1)'),
      reviews: await count('SELECT count(*) AS n FROM gate_reviews r JOIN pilots p ON p.id = r.pilot_id WHERE p.programme_id = ANY($1)'),
      votes: await count('SELECT count(*) AS n FROM votes v JOIN gate_reviews r ON r.id = v.gate_review_id JOIN pilots p ON p.id = r.pilot_id WHERE p.programme_id = ANY($1)'),
      intervals: await count('SELECT count(*) AS n FROM stage_intervals i JOIN pilots p ON p.id = i.pilot_id WHERE p.programme_id = ANY($1)'),
      expenditures: await count('SELECT count(*) AS n FROM expenditures e JOIN pilots p ON p.id = e.pilot_id WHERE p.programme_id = ANY($1)'),
      seconds: (Date.now() - started) / 1000,
    };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
    await pool.end();
  }
}

interface SeedCast {
  programmes: string[];
  leads: string[];
  leadAgencies: string[];
  reviewers: string[];
}

async function castOf(client: PoolClient, run: string): Promise<SeedCast> {
  const users = async (count: number, role: string) =>
    (
      await client.query(
        `INSERT INTO users (name, email, agency_code, roles)
         SELECT 'Seed ' || $2 || ' ' || g, 'seed.' || $2 || '.' || g || '.' || $1 || '@seed.europa.eu', ($3::text[])[1 + g % cardinality($3::text[])], ARRAY[$2]
           FROM generate_series(1, $4::int) g
         RETURNING id, agency_code`,
        [run, role, AGENCIES, count],
      )
    ).rows as Array<{ id: string; agency_code: string }>;
  const leads = await users(LEADS, 'lead');
  const reviewers = await users(REVIEWERS, 'reviewer');
  const funders = await users(PROGRAMMES, 'funder');
  const programmes = (
    await client.query(
      `INSERT INTO programmes (name, owner_id, envelope_cents, created_at)
       SELECT 'Seeded envelope ' || $1 || ' #' || ordinality, owner, 1000000000000000, now() - interval '800 days'
         FROM unnest($2::uuid[]) WITH ORDINALITY AS o (owner, ordinality)
       RETURNING id`,
      [run, funders.map((f) => f.id)],
    )
  ).rows.map((r: { id: string }) => r.id);
  return { programmes, leads: leads.map((l) => l.id), leadAgencies: leads.map((l) => l.agency_code), reviewers: reviewers.map((r) => r.id) };
}

async function seedChunk(client: PoolClient, c: SeedCast & { from: number; count: number; run: string; seats: number }): Promise<void> {
  // The plan: one row per pilot with its fate; everything else is derived from it.
  await client.query(
    `CREATE TEMP TABLE plan ON COMMIT DROP AS
     SELECT n, gen_random_uuid() AS id,
            ($3::uuid[])[1 + n % cardinality($3::uuid[])] AS programme_id,
            ($4::uuid[])[1 + n % cardinality($4::uuid[])] AS lead_id,
            ($5::text[])[1 + n % cardinality($5::text[])] AS lead_agency,
            (ARRAY['ai','blockchain','drones','quantum','biometrics','cyber','data-space','other'])[1 + floor(random() * 8)::int] AS domain,
            CASE WHEN s < 0.5 THEN 'public' WHEN s < 0.85 THEN 'limited' ELSE 'restricted' END AS sensitivity,
            reached, reached < 3 AND random() < 0.25 AS abandoned,
            now() - make_interval(days => 365 + floor(random() * 365)::int) AS created,
            make_interval(days => 20 + floor(random() * 70)::int) AS step,
            2 + floor(random() * 3)::int AS trl0,
            (10 + floor(random() * 40)::bigint) * 100000 AS fund_tranche,
            (10 + floor(random() * 40)::bigint) * 100000 AS acc_tranche,
            random() * 0.8 AS burn
       FROM (SELECT n, random() AS s, CASE WHEN r < 0.35 THEN 0 WHEN r < 0.7 THEN 1 WHEN r < 0.9 THEN 2 ELSE 3 END AS reached
               FROM (SELECT g AS n, random() AS r FROM generate_series($1::int, $1::int + $2::int - 1) g) x) y`,
    [c.from, c.count, c.programmes, c.leads, c.leadAgencies],
  );
  await client.query(`ALTER TABLE plan ADD COLUMN committed bigint, ADD COLUMN spent bigint`);
  await client.query(
    `UPDATE plan SET committed = CASE WHEN reached >= 1 THEN fund_tranche ELSE 0 END + CASE WHEN reached >= 3 THEN acc_tranche ELSE 0 END`,
  );
  await client.query(`UPDATE plan SET spent = floor(committed * burn)`);

  const stage = `(ARRAY['proposal','funded','testing','accelerated'])`;
  await client.query(
    `INSERT INTO pilots (id, code, title, summary, domain, lead_agency, lead_id, partner_agencies, programme_id, stage,
                         trl_current, trl_target, trl_initial, budget_requested_cents, committed_cents, spent_cents,
                         personal_data, sensitivity, heilmeier, lessons_learned, stage_entered_at, abandoned_at, created_at, updated_at)
     SELECT id, 'SEED-' || $1 || '-' || n, 'Seeded pilot ' || n || ' (' || domain || ')', 'A synthetic pilot for benchmarks.', domain,
            lead_agency, lead_id, ARRAY['EUROJUST'], programme_id,
            CASE WHEN abandoned THEN 'abandoned' ELSE ${stage}[reached + 1] END,
            least(9, trl0 + reached), least(9, trl0 + 4), trl0, fund_tranche + acc_tranche + 1000000,
            CASE WHEN abandoned THEN spent ELSE committed END, spent, false, sensitivity,
            '{"objective":"Seeded.","currentPractice":"Seeded.","novelty":"Seeded.","impact":"Seeded.","risks":"Seeded.","cost":"Seeded.","schedule":"Seeded.","exams":[]}'::jsonb,
            CASE WHEN abandoned THEN 'Seeded lesson: the exams were not met at the ' || (ARRAY['fund','test','accelerate'])[reached + 1] || ' gate.' END,
            created + step * (reached + CASE WHEN abandoned THEN 1 ELSE 0 END),
            CASE WHEN abandoned THEN created + step * (reached + 1) END, created, created + step * (reached + 1)
       FROM plan`,
    [c.run],
  );
  await client.query(
    `INSERT INTO stage_intervals (pilot_id, stage, entered_at, left_at, left_how, trl)
     SELECT p.id, ${stage}[k + 1], p.created + p.step * k,
            CASE WHEN k < p.reached OR p.abandoned THEN p.created + p.step * (k + 1) END,
            CASE WHEN k < p.reached THEN 'go' WHEN p.abandoned THEN 'abandoned' END,
            least(9, p.trl0 + k)
       FROM plan p, generate_series(0, p.reached) k
     UNION ALL
     SELECT id, 'abandoned', created + step * (reached + 1), NULL, NULL, least(9, trl0 + reached) FROM plan WHERE abandoned`,
  );
  // Reviews: one go per gate passed, one abandon where the pilot was killed; 30 % get a revise round first.
  await client.query(
    `CREATE TEMP TABLE seed_reviews ON COMMIT DROP AS
     WITH decisive AS (
       SELECT p.*, k, (ARRAY['fund','test','accelerate'])[k + 1] AS gate,
              CASE WHEN k < p.reached THEN (ARRAY['fund','test','accelerate'])[k + 1] ELSE 'abandon' END AS outcome,
              p.created + p.step * (k + 1) AS decided, random() < 0.3 AS revised
         FROM plan p, generate_series(0, 2) k
        WHERE k < p.reached OR (k = p.reached AND p.abandoned)
     )
     SELECT gen_random_uuid() AS review_id, id AS pilot_id, lead_id, gate, CASE WHEN revised THEN 2 ELSE 1 END AS round, outcome, decided,
            decided - make_interval(days => 3 + floor(random() * 12)::int) AS opened,
            CASE WHEN outcome = gate AND gate = 'fund' THEN fund_tranche WHEN outcome = gate AND gate = 'accelerate' THEN acc_tranche ELSE 0 END AS tranche,
            least(9, trl0 + k + 1) AS trl
       FROM decisive
     UNION ALL
     SELECT gen_random_uuid(), id, lead_id, gate, 1, 'revise', decided - step / 2, decided - step / 2 - make_interval(days => 3 + floor(random() * 12)::int), 0, least(9, trl0 + k + 1)
       FROM decisive WHERE revised`,
  );
  await client.query(
    `INSERT INTO gate_reviews (id, pilot_id, gate, round, status, policy, evidence, tranche_cents, submitted_by, opened_at, due_at,
                               seats_assigned_at, decision_outcome, decision_rationale, decided_by, decided_at)
     SELECT review_id, pilot_id, gate, round, 'decided', (SELECT policy FROM gate_policies g WHERE g.gate = r.gate),
            jsonb_build_object('trl', trl, 'examResults', '[]'::jsonb, 'report', 'Seeded.'), tranche, lead_id, opened, opened + interval '10 days',
            opened, outcome, 'Seeded decision.', 'tally', decided
       FROM seed_reviews r`,
  );
  // Seats and their votes: the lead agency, the funding seat when the review asked for money, then experts.
  await client.query(
    `CREATE TEMP TABLE seed_seats ON COMMIT DROP AS
     SELECT gen_random_uuid() AS assignment_id, r.review_id, r.pilot_id, r.outcome, r.gate, r.opened, r.decided,
            CASE WHEN s = 1 THEN p.lead_agency WHEN s = 2 AND r.tranche > 0 THEN 'funding' ELSE 'EXPERT-' || s END AS seat,
            ($1::uuid[])[1 + (abs(hashtext(r.review_id::text)) + s) % cardinality($1::uuid[])] AS reviewer_id
       FROM seed_reviews r JOIN plan p ON p.id = r.pilot_id, generate_series(1, $2::int) s`,
    [c.reviewers, c.seats],
  );
  await client.query(
    `INSERT INTO assignments (id, gate_review_id, pilot_id, seat, reviewer_id, status, due_at, created_at, updated_at)
     SELECT assignment_id, review_id, pilot_id, seat, reviewer_id, 'voted', opened + interval '10 days', opened, decided FROM seed_seats`,
  );
  await client.query(
    `INSERT INTO votes (gate_review_id, assignment_id, seat, reviewer_id, recommendation, excellence, impact, implementation, rationale, created_at)
     SELECT review_id, assignment_id, seat, reviewer_id,
            CASE WHEN random() < 0.8 THEN outcome WHEN outcome = gate THEN 'revise' ELSE gate END,
            round((1 + random() * 4)::numeric, 1), round((1 + random() * 4)::numeric, 1), round((1 + random() * 4)::numeric, 1),
            'Seeded vote.', opened + (decided - opened) * random()
       FROM seed_seats`,
  );
  await client.query(
    `INSERT INTO ledger_movements (pilot_id, programme_id, kind, cents, at)
     SELECT r.pilot_id, p.programme_id, 'commit', r.tranche, r.decided FROM seed_reviews r JOIN plan p ON p.id = r.pilot_id WHERE r.tranche > 0
     UNION ALL
     SELECT id, programme_id, 'release', committed - spent, created + step * (reached + 1) FROM plan WHERE abandoned AND committed > spent`,
  );
  // Spend: three reports per pilot with money, between its fund decision and when it stopped.
  await client.query(
    `INSERT INTO expenditures (pilot_id, amount_cents, description, spent_on, reported_by, created_at)
     SELECT id, amount, 'Seeded work package ' || part, at::date, lead_id, at
       FROM (SELECT p.id, p.lead_id, part,
                    CASE WHEN part < 3 THEN p.spent / 3 ELSE p.spent - 2 * (p.spent / 3) END AS amount,
                    p.created + p.step + ((CASE WHEN p.abandoned THEN p.created + p.step * (p.reached + 1) ELSE now() - interval '1 day' END)
                                          - (p.created + p.step)) * (part / 4.0) AS at
               FROM plan p, generate_series(1, 3) part
              WHERE p.reached >= 1 AND p.spent >= 3) x
      WHERE amount > 0`,
  );
}
