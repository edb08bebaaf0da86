import { spawn } from 'node:child_process';
import path from 'node:path';
import { startApi, TestApi } from './support/api';
import { DIST_ROOT } from '../support/processes';

describe('npm run demo', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  it('fills a running LabGate with the demo portfolio through the public API', async () => {
    const child = spawn(process.execPath, [path.join(DIST_ROOT, 'scripts/demo.js')], {
      env: { ...process.env, LABGATE_URL: api.url, LABGATE_ADMIN_TOKEN: api.adminToken },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(output).not.toMatch(/^demo:/m);
    expect(code).toBe(0);
    const codes = [...new Set(output.match(/^JIL-\d{4}-\d{4,}/gm) ?? [])];
    expect(codes).toHaveLength(6);
    const [{ n }] = await api.db.query('SELECT count(*)::int AS n FROM pilots WHERE code = ANY($1)', [codes]);
    expect(n).toBe(6);
    expect(output).toMatch(/fund gate: escalated/);
    expect(output).toMatch(/decided by the chair: fund/);
    expect(output).toMatch(/test gate: abandon/);
    expect(output).toMatch(/Demo clock applied: 2025-12-01 to today/);

    // The year tells its story in the funders' report, now and as of 30 June.
    const programmeId = output.match(/^Programme ([0-9a-f-]{36})\./m)![1];
    const admin = { Authorization: `Bearer ${api.adminToken}` };
    const now = (await api.http.get('/v1/reports/portfolio').query({ programmeId }).set(admin)).body;
    expect(now.pilots.byStage).toEqual({ proposal: 1, funded: 1, testing: 1, accelerated: 1, abandoned: 2 });
    expect(now.failFast.abandoned).toBe(2);
    expect(now.failFast.lessons).toHaveLength(2);
    expect(now.failFast.releasedAtAbandonCents).toBeGreaterThan(0);
    expect(now.decisions.escalations).toBe(1);
    expect(now.decisions.dataProtectionVetoes).toBe(1);
    expect(now.money.burn.map((b: { month: string }) => b.month)).toEqual(['2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11']);
    expect(now.timing.medianDaysInStage.proposal).toBeGreaterThan(20);
    expect(now.timing.medianReviewTurnaroundDays).toBeGreaterThan(5);
    const june = (await api.http.get('/v1/reports/portfolio').query({ programmeId, asOf: '2026-06-30' }).set(admin)).body;
    expect(june.pilots).toEqual(expect.objectContaining({ total: 5, byStage: { proposal: 0, funded: 3, testing: 1, accelerated: 0, abandoned: 1 } }));
    expect(june.funnel[0]).toEqual(expect.objectContaining({ gate: 'fund', entered: 5, go: 5, revise: 2, escalated: 1, medianRounds: 1 }));
  }, 120000);
});
