/**
 * The dashboard in a real browser (Debian's headless Chromium driven by playwright-core): the
 * page asks for the token once, a file is uploaded through the form, its header's columns are
 * offered for the group-by, the job is started, its bar reaches 100% in the list, and its page
 * shows the result table, equal to processSerial. No script error and no CSP violation on the way.
 * A failed job's bar is red on its page as in the list, and times show their date. A failed job's
 * Retry button queues it again and opens the new job's page. The upload is the browser's own
 * multipart (FormData), stored as the file's bytes. Jobs and a result's rows are paged: older jobs
 * by the API's cursor, rows by limit and offset, never the whole result.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { count, processSerial, sum } from 'chunkmill';
import { generate } from '../../support/generate.ts';
import { startTestServer, TOKEN, waitForJob, type TestServer } from '../helpers/server.ts';
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
  // The browser sent a multipart form: what is stored is the file, without boundary or part headers.
  expect(readFileSync(join(t.data, 'uploads/orders.csv')).equals(readFileSync(file))).toBe(true);
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

test('pages through older jobs by the cursor, and through a result a page of rows at a time', {
  timeout: 90_000,
}, async () => {
  const lines = ['k,v'];
  for (let i = 0; i < 2500; i++) lines.push(`${i},${i % 5}`);
  writeFileSync(join(t.data, 'many-keys.csv'), `${lines.join('\n')}\n`);
  const { body: big } = await t.json<{ id: string }>('POST', '/api/jobs', {
    spec: { input: 'many-keys.csv', aggregate: { groupBy: ['k'], measures: { n: { kind: 'count' } } } },
  });
  await waitForJob(t, big.id, ['succeeded']);
  // Held queued (a day's delay), so the list has more than two pages of 50.
  for (let i = 0; i < 110; i++)
    await t.json('POST', '/api/jobs', {
      spec: { input: 'many-keys.csv', aggregate: { measures: { n: { kind: 'count' } } } },
      delay: 86_400_000,
    });
  const { body: all } = await t.json<{ jobs: unknown[]; counts: Record<string, number> }>('GET', '/api/jobs?limit=200');
  const total = all.jobs.length;
  expect(total).toBeGreaterThan(100);

  const page = await browser.newPage();
  const resultCalls: string[] = [];
  page.on('request', (r) => {
    if (/\/api\/jobs\/[^/]+\/result/.test(r.url())) resultCalls.push(r.url());
  });
  await page.goto(t.url);
  await page.locator('#token-dialog[open]').waitFor();
  await page.fill('#token-input', TOKEN);
  await page.click('#token-form button[type=submit]');
  const ids = () =>
    page
      .locator('#jobs tbody tr')
      .evaluateAll((trs) => trs.map((tr) => (tr as unknown as { dataset: { job: string } }).dataset.job));
  const pager = page.locator('nav[aria-label="Job pages"]');
  await pager.locator('.where', { hasText: 'page 1' }).waitFor();
  const first = await ids();
  expect(first).toHaveLength(50);
  await pager.locator('button.next').click();
  await pager.locator('.where', { hasText: 'page 2' }).waitFor();
  const second = await ids();
  expect(second).toHaveLength(50);
  expect(Math.max(...second.map(Number))).toBeLessThan(Math.min(...first.map(Number))); // older, none repeated
  await pager.locator('button.next').click();
  await pager.locator('.where', { hasText: 'page 3' }).waitFor();
  // The pager's text and the rows change in one step: what shows "page 3" shows its rows.
  expect(await ids()).toHaveLength(total - 100);
  expect(await pager.locator('button.next').isDisabled()).toBe(true);
  expect([...first, ...second, ...(await ids())].sort()).toEqual(
    [...new Set([...first, ...second, ...(await ids())])].sort(),
  );
  await pager.locator('button.previous').click();
  await pager.locator('.where', { hasText: 'page 2' }).waitFor();
  expect(await ids()).toEqual(second);

  // The result: 2,500 rows, shown 1,000 at a time.
  await page.goto(`${t.url}/#/jobs/${big.id}`);
  const rows = page.locator('#result tbody tr');
  const results = page.locator('nav[aria-label="Result pages"]');
  await results.locator('.where', { hasText: 'rows 1–1,000 of 2,500' }).waitFor();
  expect(await rows.count()).toBe(1000);
  expect(await rows.first().locator('td').first().textContent()).toBe('0');
  await results.locator('button.next').click();
  await results.locator('.where', { hasText: 'rows 1,001–2,000 of 2,500' }).waitFor();
  expect(await rows.first().locator('td').first().textContent()).toBe('1000');
  await results.locator('button.next').click();
  await results.locator('.where', { hasText: 'rows 2,001–2,500 of 2,500' }).waitFor();
  expect(await rows.count()).toBe(500);
  expect(await rows.last().locator('td').first().textContent()).toBe('2499');
  expect(await results.locator('button.next').isDisabled()).toBe(true);
  await results.locator('button.previous').click();
  await results.locator('.where', { hasText: 'rows 1,001–2,000' }).waitFor();
  // Every read of the result was a page: the whole of it was never downloaded.
  expect(resultCalls.length).toBeGreaterThanOrEqual(4);
  for (const url of resultCalls) expect(url).toMatch(/[?&]limit=1000&offset=\d+$/);
  await page.close();
});
