import { performance } from 'node:perf_hooks';
import { seedPortfolio } from '../../scripts/seed-portfolio';
import { residentMemory, sleep } from '../support/processes';
import { percentile } from './load';
import { fmt, Report } from './report';
import type { BenchStack } from './stack';

/**
 * The funders' report at portfolio scale (issue: 100,000 pilots, 1,000,000 votes): seeded in
 * bulk, then each report asked `samples` times in a row by an admin, as a funder's dashboard
 * would; p50/p95 of the programme report, the whole portfolio, an `asOf` report and each chart;
 * the CSV export's time and the API's peak resident memory while it streams.
 */
export async function reportBench(stack: BenchStack, adminToken: string, report: Report, options: { pilots: number; votes: number; samples: number }, progress: (m: string) => void): Promise<void> {
  progress(`reports: seeding ${fmt.count(options.pilots)} pilots and ${fmt.count(options.votes)} votes`);
  let last = 0;
  const seeded = await seedPortfolio(stack.databaseUrl, {
    pilots: options.pilots,
    votes: options.votes,
    onProgress: (done, total) => {
      if (done - last >= total / 10 || done === total) {
        progress(`reports: seeded ${fmt.count(done)} of ${fmt.count(total)} pilots`);
        last = done;
      }
    },
  });
  const api = stack.api!;
  const get = async (path: string): Promise<{ ms: number; bytes: number }> => {
    const t = performance.now();
    const res = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${adminToken}` } });
    const body = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200) throw new Error(`GET ${path} → ${res.status} ${body.toString('utf8').slice(0, 300)}`);
    return { ms: performance.now() - t, bytes: body.length };
  };
  const sample = async (path: string) => {
    await get(path); // warm
    const times: number[] = [];
    for (let i = 0; i < options.samples; i++) times.push((await get(path)).ms);
    return { p50: percentile(times, 0.5), p95: percentile(times, 0.95) };
  };

  const programme = seeded.programmes[0]!;
  const asOf = new Date(Date.now() - 180 * 86_400_000).toISOString().slice(0, 10);
  report.section(
    `Reports at ${fmt.count(seeded.pilots)} pilots, ${fmt.count(seeded.votes)} votes, ${fmt.count(seeded.reviews)} reviews (seeded in ${seeded.seconds.toFixed(0)} s; ${options.samples} sequential requests each)`,
  );
  progress('reports: programme report');
  const one = await sample(`/v1/reports/portfolio?programmeId=${programme}`);
  report.check('programme report p50 / p95', `${fmt.ms(one.p50)} / ${fmt.ms(one.p95)}`, 'p95 < 150 ms', one.p95 < 150);
  progress('reports: whole portfolio');
  const all = await sample('/v1/reports/portfolio');
  report.check('whole-portfolio report p50 / p95', `${fmt.ms(all.p50)} / ${fmt.ms(all.p95)}`, 'p95 < 150 ms', all.p95 < 150);
  progress('reports: as of six months ago');
  const past = await sample(`/v1/reports/portfolio?asOf=${asOf}`);
  report.check(`asOf=${asOf} report p50 / p95`, `${fmt.ms(past.p50)} / ${fmt.ms(past.p95)}`, 'p95 < 500 ms', past.p95 < 500);
  for (const chart of ['funnel', 'money', 'stages', 'timing', 'kills']) {
    progress(`reports: ${chart}.svg`);
    const c = await sample(`/v1/reports/portfolio/${chart}.svg?programmeId=${programme}`);
    report.info(`${chart}.svg (programme) p50 / p95`, `${fmt.ms(c.p50)} / ${fmt.ms(c.p95)}`);
  }
  progress('reports: CSV export of the whole portfolio');
  await sleep(500);
  const before = residentMemory(api.pid);
  const csv = await get('/v1/reports/portfolio?format=csv');
  const after = residentMemory(api.pid);
  report.info(`CSV export, ${fmt.count(seeded.pilots)} rows (${(csv.bytes / 1e6).toFixed(1)} MB)`, fmt.ms(csv.ms));
  report.info('API resident memory before / after the CSV (peak so far)', `${fmt.mb(before.rss)} / ${fmt.mb(after.rss)} (${fmt.mb(after.peak)})`);
}
