/// <reference lib="dom" />
/**
 * `node dist/scripts/dashboard-screenshot.js TOKEN PROGRAMME_ID [OUT]`: opens the funders'
 * dashboard of a running LabGate (LABGATE_URL) in headless Chromium (CHROMIUM_PATH, default
 * Debian's /usr/bin/chromium), signs in with TOKEN, picks the programme and saves a full-page
 * screenshot (default docs/dashboard.png). Used for the README's picture of the demo portfolio.
 */
import { chromium } from 'playwright-core';

async function main(): Promise<void> {
  const [token, programmeId, out = 'docs/dashboard.png'] = process.argv.slice(2);
  if (!token || !programmeId) throw new Error('usage: dashboard-screenshot TOKEN PROGRAMME_ID [OUT]');
  const url = (process.env.LABGATE_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--headless'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(`${url}/reports`);
    await page.fill('#token', token);
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#filters:not([hidden])');
    await page.selectOption('#programme', programmeId);
    await page.click('#filters button[type=submit]');
    await page.waitForFunction(() => document.querySelectorAll('figure[data-chart] svg').length === 5 && document.body.dataset.loaded);
    await page.screenshot({ path: out, fullPage: true });
    console.log(`saved ${out}`);
  } finally {
    await browser.close();
  }
}

main().catch((err: unknown) => {
  console.error(`dashboard-screenshot: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
