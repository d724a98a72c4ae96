/**
 * The dashboard in a real browser (Debian's headless Chromium driven by playwright-core): the
 * page asks for the token once, a file is uploaded through the form, its header's columns are
 * offered for the group-by, the job is started, its bar reaches 100% in the list, and its page
 * shows the result table, equal to processSerial. No script error and no CSP violation on the way.
 * A failed job's bar is red on its page as in the list, and times show their date. A failed job's
 * Retry button queues it again and opens the new job's page.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { count, processSerial, sum } from 'chunkmill';
import { generate } from '../../support/generate.ts';
import { startTestServer, TOKEN, type TestServer } from '../helpers/server.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
let t: TestServer;
let browser: Browser;

beforeAll(async () => {
  t = await startTestServer();
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
}, 60_000);
afterAll(() => browser?.close());

test('upload, start a job from the form, watch its bar reach 100%, read its result table', {
  timeout: 90_000,
}, async () => {
  const file = join(tmp.dir, 'orders.csv');
  await generate(file, 'sales', { rows: 30_000, seed: 11 });
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => {
    // The first calls' 401s are how the page learns that it needs a token.
    if (m.type() === 'error' && !/status of 401/.test(m.text())) problems.push(m.text());
  });

  await page.goto(t.url);
  await page.locator('#token-dialog[open]').waitFor();
  await page.fill('#token-input', TOKEN);
  await page.click('#token-form button[type=submit]');

  await page.setInputFiles('input[name=upload]', file);
  await page.getByRole('status').filter({ hasText: 'uploaded uploads/orders.csv' }).waitFor();
  expect(await page.locator('select[name=file]').inputValue()).toBe('uploads/orders.csv');
  const offered = await page
    .locator('#group-by input[type=checkbox]')
    .evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));
  expect(offered).toEqual(['order_id', 'date', 'region', 'product', 'quantity', 'amount', 'note']);
  await page.check('#group-by input[value=region]');
  await page.click('text=+ measure');
  await page.locator('.measure').nth(1).locator('select.column').selectOption('amount');
  await page.click('button[type=submit]:has-text("Start job")');

  const row = page.locator('#jobs tbody tr').first();
  await row.locator('.bar[aria-valuenow="100"]').waitFor({ timeout: 60_000 });
  await row.locator('.badge.succeeded').waitFor();
  await page.locator('#counts [data-state=succeeded] b').filter({ hasText: '1' }).waitFor();

  await row.locator('td a').first().click();
  const table = page.locator('#result');
  await table.waitFor();
  const header = await table.locator('thead th').allTextContents();
  const cells = await table
    .locator('tbody tr')
    .evaluateAll((trs) =>
      trs.map((tr) =>
        Array.from(
          (tr as unknown as { children: ArrayLike<{ textContent: string }> }).children,
          (td) => td.textContent,
        ),
      ),
    );
  const expected = await processSerial({
    input: file,
    aggregate: { groupBy: ['region'], measures: { count: count(), sum_amount: sum('amount') } },
  });
  expect(header).toEqual(['region', 'count', 'sum_amount']);
  expect(cells).toEqual(expected.rows.map((r) => [r.region, String(r.count), String(r.sum_amount)]));

  // The token is kept for the tab: a reload asks no more.
  await page.reload();
  await table.waitFor();
  expect(await page.locator('#token-dialog[open]').count()).toBe(0);
  expect(problems).toEqual([]);
});

test("a failed job's bar is red on its page as in the list; times show the date", { timeout: 60_000 }, async () => {
  writeFileSync(join(t.data, 'open-quote.csv'), '"never closed,a\n');
  const { body } = await t.json<{ id: string }>('POST', '/api/jobs', {
    spec: { input: 'open-quote.csv', aggregate: { measures: { n: { kind: 'count' } } } },
  });
  const page = await browser.newPage();
  await page.goto(t.url);
  await page.locator('#token-dialog[open]').waitFor();
  await page.fill('#token-input', TOKEN);
  await page.click('#token-form button[type=submit]');
  const fillColour = (scope: import('playwright-core').Locator) =>
    scope
      .locator('.bar .fill')
      .evaluate(
        (el) =>
          (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el)
            .backgroundColor,
      );
  const row = page.locator(`#jobs tbody tr[data-job="${body.id}"]`);
  await row.locator('.badge.failed').waitFor({ timeout: 30_000 });
  const red = await fillColour(row);
  expect(red).toBe('rgb(208, 52, 44)'); // --failed
  // The list's time cell and the page's facts: a date and a time, never a time alone.
  const stamp = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
  expect(await row.locator('td').last().textContent()).toMatch(stamp);

  await row.locator('td a').first().click();
  await page.locator('.job-view .badge.failed').waitFor();
  expect(await fillColour(page.locator('.job-view'))).toBe(red);
  expect(await page.locator('.facts dt:has-text("Created") + dd').textContent()).toMatch(stamp);
  await page.close();
});

test("a failed job's Retry button queues it again and opens the new job's page, which runs", {
  timeout: 60_000,
}, async () => {
  const file = join(t.data, 'retry-me.csv');
  writeFileSync(file, '"never closed,a\n');
  const { body } = await t.json<{ id: string }>('POST', '/api/jobs', {
    spec: { input: 'retry-me.csv', aggregate: { measures: { n: { kind: 'count' } } } },
  });
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${t.url}/#/jobs/${body.id}`);
  await page.locator('#token-dialog[open]').waitFor();
  await page.fill('#token-input', TOKEN);
  await page.click('#token-form button[type=submit]');
  await page.locator('.job-view .badge.failed').waitFor({ timeout: 30_000 });
  writeFileSync(file, 'region,amount\nnorth,1\n'); // what made it fail is fixed: the retry succeeds

  await page.click('#retry');
  await page.waitForURL((url) => url.hash !== `#/jobs/${body.id}`);
  const retried = /^#\/jobs\/(\d+)$/.exec(new URL(page.url()).hash)?.[1];
  expect(retried).toBeDefined();
  await page.locator('.job-view .badge.succeeded').waitFor({ timeout: 30_000 });
  await page
    .locator(`.job-view a[href="#/jobs/${body.id}"]`)
    .filter({ hasText: `job ${body.id}` })
    .waitFor();
  expect(await page.locator('#retry').count()).toBe(0); // a succeeded job offers no retry
  expect((await t.json('GET', `/api/jobs/${body.id}`)).body).toMatchObject({ state: 'failed' });
  expect((await t.json('GET', `/api/jobs/${retried}`)).body).toMatchObject({ state: 'succeeded' });
  expect(problems).toEqual([]);
  await page.close();
});
