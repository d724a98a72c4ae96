/**
 * The README's picture of the dashboard mid-job (docs/img/dashboard.png): a real server on a
 * temporary store and data dir, a few finished jobs and one running, a real headless Chromium.
 * `npm run build` first; then `npx tsx support/screenshot.ts [out.png] [--job <id>]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from 'chunkmill/server';
import { generate } from './generate.ts';

const out = process.argv[2] ?? fileURLToPath(new URL('../docs/img/dashboard.png', import.meta.url));
const jobPage = process.argv.includes('--job');
const dir = mkdtempSync(join(tmpdir(), 'chunkmill-shot-'));
const token = 'screenshot-token-0123456789';
try {
  await generate(join(dir, 'sales.csv'), 'sales', { rows: 400_000, seed: 3 });
  await generate(join(dir, 'sales-small.csv'), 'sales', { rows: 20_000, seed: 4 });
  const server = await startServer({
    store: join(dir, 'jobs.db'),
    dataDir: dir,
    tasksDir: fileURLToPath(new URL('../fixtures/tasks/', import.meta.url)),
    port: 0,
    token,
    workers: 2,
    concurrency: 2,
    logLevel: 'silent',
  });
  const post = (body: unknown) =>
    fetch(`${server.url}/api/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((r) => r.json() as Promise<{ id: string }>);
  const measures = { count: { kind: 'count' }, sum_amount: { kind: 'sum', column: 'amount' } };
  await post({
    name: 'revenue by region',
    spec: { input: 'sales-small.csv', aggregate: { groupBy: ['region'], measures } },
  });
  await post({
    spec: {
      input: 'sales-small.csv',
      aggregate: { groupBy: ['product'], measures: { mean_amount: { kind: 'mean', column: 'amount' } } },
    },
  });
  await post({
    name: 'bad column',
    spec: { input: 'sales-small.csv', aggregate: { measures: { s: { kind: 'sum', column: 'note' } } } },
  });
  await new Promise((r) => setTimeout(r, 1500));
  const slow = await post({
    name: 'slow checksum',
    spec: { input: 'sales.csv', task: 'slow-sum', params: { column: 'amount', msPerChunk: 150 }, chunkSize: 256 << 10 },
  });
  await post({
    name: 'revenue by product and region',
    spec: { input: 'sales.csv', aggregate: { groupBy: ['product', 'region'], measures } },
  });

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1200, height: 860 } });
  await page.goto(server.url + (jobPage ? `/#/jobs/${slow.id}` : '/'));
  await page.fill('#token-input', token);
  await page.click('#token-form button');
  const bar = jobPage ? '.job-view .bar' : `tr[data-job="${slow.id}"] .bar`;
  for (const until = Date.now() + 120_000; Number(await page.locator(bar).getAttribute('aria-valuenow')) < 40; ) {
    if (Date.now() > until) throw new Error('the job did not get to 40%');
    await page.waitForTimeout(100);
  }
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
  await browser.close();
  await server.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
