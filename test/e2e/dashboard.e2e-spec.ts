/// <reference lib="dom" />
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { LOG_DIR } from '../support/processes';
import { startApi, TestApi } from './support/api';
import { Cast, createCast, proposePilot, seated, settled, submit, voteAll } from './support/workflow';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const euros = (cents: number) => new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR', maximumFractionDigits: 2 }).format(cents / 100);

/**
 * The funders' dashboard in a real browser (Debian's Chromium, headless): a funder enters a
 * token, picks the programme and an "as of" date, sees the API's figures, downloads the CSV;
 * a bad token and a lead's token show their errors on the page.
 */
describe('dashboard at /reports (Chromium)', () => {
  let api: TestApi;
  let cast: Cast;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (.ci/run does), or set CHROMIUM_PATH`);
    api = await startApi();
    cast = await createCast(api);
    const funded = await proposePilot(api, cast, { title: 'JIT custody ledger' });
    const review = await seated(api, cast, await submit(api, cast, funded.id, 12_345_600));
    await voteAll(api, cast, review, () => ({ recommendation: 'fund' }));
    await settled(api, cast, review.id);
    await api.http.post(`/v1/pilots/${funded.id}/expenditures`).set(cast.lead.auth).send({ amountCents: 2_000_050, description: 'Ledger nodes', spentOn: '2026-11-03' });
    const killed = await proposePilot(api, cast, { title: 'Counter-drone RF sensing', domain: 'drones' });
    await api.http.post(`/v1/pilots/${killed.id}/withdrawal`).set(cast.lead.auth).send({ lessonsLearned: 'RF alone misses autonomous drones.' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--headless'] });
    page = await browser.newPage({ acceptDownloads: true, viewport: { width: 1280, height: 1800 } });
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  async function portfolio(asOf: string) {
    const res = await api.http.get('/v1/reports/portfolio').query({ programmeId: cast.programmeId, asOf }).set(cast.funder.auth);
    expect(res.status).toBe(200);
    return res.body;
  }

  async function signIn(token: string): Promise<void> {
    await page.goto(`${api.url}/reports`);
    await page.fill('#token', token);
    await page.click('#login button[type=submit]');
  }

  it('serves the page and its scripts itself (no CDN), with a strict CSP', async () => {
    const res = await api.http.get('/reports');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.text).not.toMatch(/https?:\/\//);
    expect((await api.http.get('/reports/assets/dashboard.js')).headers['content-type']).toMatch(/^text\/javascript/);
    expect((await api.http.get('/reports/assets/..%2Fpackage.json')).status).toBe(404);
  });

  it('shows the API’s figures for a programme as of a date, and downloads the CSV', async () => {
    // The whole portfolio, which the page shows on sign-in, is held back 1.5 s, so it is still on
    // its way when the funder asks for one programme, and arrives after that programme's report:
    // the page must keep showing what was asked for last.
    const WHOLE = /\/v1\/reports\/portfolio\?(?!.*programmeId)/;
    let wholeArrived!: () => void;
    const whole = new Promise<void>((resolve) => (wholeArrived = resolve));
    await page.route(WHOLE, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await route.continue();
    });
    page.on('requestfinished', (request) => {
      if (WHOLE.test(request.url())) wholeArrived();
    });
    await signIn(cast.funder.token);
    await page.waitForSelector('#filters:not([hidden])');
    expect(page.url()).toBe(`${api.url}/reports`);
    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect(await page.evaluate(() => sessionStorage.getItem('labgate.token'))).toBe(cast.funder.token);

    const today = new Date().toISOString().slice(0, 10);
    await page.selectOption('#programme', cast.programmeId);
    await page.fill('#asOf', today);
    // Today's date asks for the day so far: every report the page or the test reads for it is as
    // of its own moment (and cites the latest seal, which the worker renews every 2 s here), so
    // the page's figures are compared with the report the page itself received.
    await page.evaluate(() => delete document.body.dataset.loaded);
    const [received] = await Promise.all([
      page.waitForResponse((r) => /\/v1\/reports\/portfolio\?.*programmeId/.test(r.url()) && r.request().method() === 'GET'),
      page.click('#filters button[type=submit]'),
    ]);
    expect(received.status()).toBe(200);
    const expected = await received.json();
    expect(new URL(received.url()).searchParams.get('asOf')).toBe(today);
    const asked = await portfolio(today);
    expect({ ...asked, asOf: undefined, digest: undefined, sealRoot: undefined }).toEqual({ ...expected, asOf: undefined, digest: undefined, sealRoot: undefined });
    await page.waitForFunction((digest) => document.body.dataset.loaded === digest, expected.digest);
    await whole;
    await page.waitForTimeout(1_000);
    expect(await page.evaluate(() => document.body.dataset.loaded)).toBe(expected.digest);
    await page.unroute(WHOLE);

    const text = (figure: string) => page.textContent(`.figures [data-figure="${figure}"]`);
    expect(await text('pilots.total')).toBe(String(expected.pilots.total));
    expect(expected.pilots.total).toBe(2);
    for (const key of ['envelopeCents', 'committedCents', 'spentCents', 'releasedCents', 'remainingCents']) {
      expect(await text(`money.${key}`)).toBe(euros(expected.money[key]));
    }
    expect(await text('money.committedCents')).toBe('€123,456.00');
    expect(await text('failFast.abandoned')).toBe('1');
    const fund = await page.$$eval('#funnel tr[data-gate="fund"] td', (tds) => tds.map((td) => td.textContent));
    expect(fund).toEqual(['fund', '1', '1', '0', '0', '0', '100 %', '1']);
    expect(await page.$$eval('#kills tbody tr td:nth-child(5)', (tds) => tds.map((td) => td.textContent))).toEqual(['RF alone misses autonomous drones.']);
    expect(await page.$$eval('figure[data-chart] svg title', (titles) => titles.map((t) => t.textContent))).toEqual([
      'Gate funnel', 'Envelope waterfall', 'Pilots by stage', 'Median days in stage', 'Kill economics',
    ]);
    expect(await page.textContent('footer [data-figure="digest"]')).toBe(expected.digest);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#csv')]);
    const csvPath = path.join(LOG_DIR, `dashboard-${process.pid}.csv`);
    await download.saveAs(csvPath);
    const apiCsv = await api.http.get('/v1/reports/portfolio').query({ programmeId: cast.programmeId, asOf: today, format: 'csv' }).set(cast.funder.auth);
    expect(readFileSync(csvPath, 'utf8')).toBe(apiCsv.text);
    expect(download.suggestedFilename()).toBe(`labgate-portfolio-${today}.csv`);

    mkdirSync(LOG_DIR, { recursive: true });
    await page.screenshot({ path: path.join(LOG_DIR, 'dashboard.png'), fullPage: true });
  });

  it('shows a refused token and a lead’s 403 on the page', async () => {
    await page.evaluate(() => sessionStorage.clear());
    await signIn('lg_not-a-real-token');
    await page.waitForSelector('#error:not([hidden])');
    expect(await page.textContent('#error')).toMatch(/token was not accepted/);

    await signIn(cast.lead.token);
    await page.waitForFunction(() => /funders, chairs and admins/.test(document.getElementById('error')!.textContent ?? ''));
    expect(await page.isHidden('#report')).toBe(true);
  });
});
