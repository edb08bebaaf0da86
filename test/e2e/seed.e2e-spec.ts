import { spawn } from 'node:child_process';
import path from 'node:path';
import { dropDatabase, ensureDatabase } from '@labgate/persistence';
import { runMigrations } from '@labgate/migrations';
import { DIST_ROOT } from '../support/processes';
import { TestDb } from './support/db';

/** `npm run seed`: a synthetic portfolio whose history, money and spend agree with each other. */
describe('npm run seed', () => {
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `${url.pathname}_seed`;
  const databaseUrl = url.toString();
  let db: TestDb;

  beforeAll(async () => {
    await ensureDatabase(databaseUrl);
    await runMigrations(databaseUrl);
    db = new TestDb(databaseUrl);
  }, 60000);
  afterAll(async () => {
    await db?.end();
    await dropDatabase(databaseUrl);
  });

  it('bulk-inserts pilots, reviews, votes, intervals and spend that agree with each other', async () => {
    const child = spawn(process.execPath, [path.join(DIST_ROOT, 'scripts/seed.js'), '--pilots', '1200', '--votes', '12000'], {
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    expect(await new Promise<number | null>((resolve) => child.on('exit', resolve))).toBe(0);
    const seeded = output.match(/seeded (\d+) pilots, (\d+) reviews, (\d+) votes/);
    expect(seeded).not.toBeNull();
    expect(Number(seeded![1])).toBe(1200);
    expect(Number(seeded![3])).toBeGreaterThan(9000);
    expect(Number(seeded![3])).toBeLessThan(15000);

    const one = async (sql: string) => Number((await db.query(sql))[0].n);
    // Money: each pilot's balance is its movements; each programme's, its pilots'.
    expect(await one(`SELECT count(*) AS n FROM pilots p WHERE p.committed_cents <> (SELECT COALESCE(sum(CASE kind WHEN 'commit' THEN cents ELSE -cents END), 0) FROM ledger_movements m WHERE m.pilot_id = p.id)`)).toBe(0);
    expect(await one(`SELECT count(*) AS n FROM pilots p WHERE p.spent_cents <> (SELECT COALESCE(sum(amount_cents), 0) FROM expenditures e WHERE e.pilot_id = p.id)`)).toBe(0);
    expect(await one(`SELECT count(*) AS n FROM programmes pr WHERE pr.committed_cents <> (SELECT COALESCE(sum(committed_cents), 0) FROM pilots WHERE programme_id = pr.id)`)).toBe(0);
    // History: one current interval per pilot, in the pilot's stage; intervals contiguous; nothing in the future.
    expect(await one(`SELECT count(*) AS n FROM pilots p WHERE (SELECT count(*) FROM stage_intervals i WHERE i.pilot_id = p.id AND i.left_at IS NULL) <> 1`)).toBe(0);
    expect(await one(`SELECT count(*) AS n FROM pilots p JOIN stage_intervals i ON i.pilot_id = p.id AND i.left_at IS NULL WHERE i.stage <> p.stage`)).toBe(0);
    expect(await one(`SELECT count(*) AS n FROM stage_intervals i WHERE i.left_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM stage_intervals j WHERE j.pilot_id = i.pilot_id AND j.entered_at = i.left_at)`)).toBe(0);
    expect(await one(`SELECT count(*) AS n FROM stage_intervals WHERE entered_at > now() OR left_at > now()`)).toBe(0);
    // Spend never after a pilot died; every vote on a seat of its review.
    expect(await one(`SELECT count(*) AS n FROM expenditures e JOIN pilots p ON p.id = e.pilot_id WHERE p.abandoned_at < e.created_at`)).toBe(0);
    expect(await one(`SELECT count(*) AS n FROM votes v JOIN assignments a ON a.id = v.assignment_id WHERE a.gate_review_id <> v.gate_review_id`)).toBe(0);
    expect(await one(`SELECT count(DISTINCT stage) AS n FROM pilots`)).toBe(5);
  }, 120000);
});
