/**
 * The dashboard's queue controls in a real browser (Debian's headless Chromium driven by
 * playwright-core), on 300 queued jobs: every job is reached by paging (six pages of 50, each job
 * once); the search finds jobs by a label (`userId=u-1`), by name, and by state; the pause toggle
 * pauses and resumes the store's queue; "Cancel all queued" cancels all 300 (after a confirm);
 * a cancelled job's Retry runs it again to success; a row's Remove removes one job, and "Remove
 * all cancelled" the rest. No script error on the way. A job whose worker thread dies once,
 * posted with a backoff, succeeds on its second attempt, and its page lists the failed one.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestServer, TASKS_DIR, TOKEN, waitForJob, type TestServer } from '../helpers/server.ts';

let t: TestServer;
let browser: Browser;
const ids: string[] = [];

beforeAll(async () => {
  t = await startTestServer({ tasksDir: TASKS_DIR });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  writeFileSync(join(t.data, 'small.csv'), 'region,amount\nnorth,1\nsouth,2\n');
  const spec = { input: 'small.csv', aggregate: { measures: { n: { kind: 'count' } } } };
  // Held queued (a day's delay): the list keeps all 300 while the test looks.
  for (let i = 0; i < 300; i++) {
    const meta = { userId: `u-${i % 3}` };
    const { body } = await t.json<{ id: string }>('POST', '/api/jobs', {
      spec,
      name: `batch ${i}`,
      meta,
      delay: 86_400_000,
    });
    ids.push(body.id);
  }
}, 120_000);
afterAll(() => browser?.close());

/** The page's document, as the functions that run in it see it (the tests' tsconfig has no DOM types). */
type Doc = { document: { querySelectorAll(selector: string): ArrayLike<{ textContent: string | null }> } };

const shown = (page: Page) =>
  page
    .locator('#jobs tbody tr')
    .evaluateAll((trs) => trs.map((tr) => (tr as unknown as { dataset: { job: string } }).dataset.job));

/** Waits until the list shows exactly `n` rows (it is read again after each action). */
async function rows(page: Page, n: number): Promise<string[]> {
  await page.waitForFunction(
    (want) => (globalThis as unknown as Doc).document.querySelectorAll('#jobs tbody tr').length === want,
    n,
  );
  return shown(page);
}

test('300 jobs: page through them all, search by label, name and state, pause, cancel all, retry, remove', {
  timeout: 120_000,
}, async () => {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 401/.test(m.text())) problems.push(m.text());
  });
  page.on('dialog', (d) => void d.accept()); // the bulk actions' confirm()
  await page.goto(t.url);
  await page.locator('#token-dialog[open]').waitFor();
  await page.fill('#token-input', TOKEN);
  await page.click('#token-form button[type=submit]');

  // Paging: six pages of 50, newest first, each job once.
  const pager = page.locator('nav[aria-label="Job pages"]');
  const seen: string[] = [];
  for (let n = 1; n <= 6; n++) {
    await pager.locator('.where', { hasText: `page ${n},` }).waitFor();
    const ids = await rows(page, 50);
    seen.push(...ids);
    if (n < 6) await pager.locator('button.next').click();
  }
  expect(await pager.locator('button.next').isDisabled()).toBe(true);
  expect(seen).toEqual([...ids].reverse());

  // Search: a label, then a name, then a state.
  const search = async (text: string, state = '') => {
    await page.fill('input[name=search]', text);
    await page.selectOption('select[name=state]', state);
    await page.click('form.search button[type=submit]');
  };
  await search('userId=u-1');
  await pager.locator('.where', { hasText: 'page 1,' }).waitFor();
  const labelled = await page.waitForFunction(() => {
    const all = (globalThis as unknown as Doc).document.querySelectorAll('#jobs tbody tr .label');
    const labels = Array.from(all, (e) => e.textContent);
    return labels.length === 50 && labels.every((l) => l === 'userId=u-1') ? labels.length : null;
  });
  expect(await labelled.jsonValue()).toBe(50);
  await search('batch 27');
  // batch 27 and batch 270 to 279, newest first.
  expect(await rows(page, 11)).toEqual([...ids.slice(270, 280)].reverse().concat(ids[27]!));
  await search('', 'failed');
  await page.locator('#jobs ~ p', { hasText: 'No job matches.' }).waitFor();

  // Pause and resume: the store's flag, as the API says it.
  await page.click('#pause-toggle');
  await page.locator('#pause-toggle', { hasText: 'Resume queue' }).waitFor();
  expect((await t.json('GET', '/api/queue')).body).toMatchObject({ paused: true });
  await page.click('#pause-toggle');
  await page.locator('#pause-toggle', { hasText: 'Pause queue' }).waitFor();
  expect((await t.json('GET', '/api/queue')).body).toMatchObject({ paused: false });

  // Cancel all queued: 300.
  await search('');
  await page.click('button.bulk:has-text("Cancel all queued")');
  await page.locator('#queue-note', { hasText: '300 queued jobs cancelled.' }).waitFor();
  await page.locator('#counts [data-state=cancelled] b').filter({ hasText: '300' }).waitFor();

  // Retry one from its page: a new job, which runs now (the retry is not delayed) and succeeds.
  await page.goto(`${t.url}/#/jobs/${ids[0]}`);
  await page.locator('.job-view .badge.cancelled').waitFor();
  await page.click('#retry');
  await page.waitForURL((url) => url.hash !== `#/jobs/${ids[0]}`);
  await page.locator('.job-view .badge.succeeded').waitFor({ timeout: 30_000 });

  // Remove one by its row's button, then every cancelled one at once.
  await page.goto(`${t.url}/#/`);
  await search('batch 299');
  await rows(page, 1);
  await page.click(`#jobs tbody tr[data-job="${ids[299]}"] button.remove`);
  await rows(page, 0);
  expect((await t.json('GET', `/api/jobs/${ids[299]}`)).status).toBe(404);
  await search('');
  await page.click('button.bulk:has-text("Remove all cancelled")');
  await page.locator('#queue-note', { hasText: '299 cancelled jobs removed.' }).waitFor();
  await page.locator('#counts [data-state=cancelled] b').filter({ hasText: /^0$/ }).waitFor();
  expect(await rows(page, 1)).toHaveLength(1); // the retried job, succeeded
  expect(problems).toEqual([]);
  await page.close();
});

test('a job retried after a transient fault: its page lists the failed attempt and its labels', {
  timeout: 60_000,
}, async () => {
  const spec = {
    input: 'small.csv',
    task: 'crash-once',
    params: { at: 'south', marker: join(t.outside, 'crashed') },
    retries: 0,
  };
  const backoff = { type: 'fixed', delayMs: 100 };
  const { body } = await t.json<{ id: string }>('POST', '/api/jobs', { spec, backoff, meta: { userId: 'u-9' } });
  expect(await waitForJob(t, body.id, ['succeeded', 'failed'])).toMatchObject({ state: 'succeeded', attempts: 2 });
  const page = await browser.newPage();
  await page.goto(`${t.url}/#/jobs/${body.id}`);
  await page.locator('#token-dialog[open]').waitFor();
  await page.fill('#token-input', TOKEN);
  await page.click('#token-form button[type=submit]');
  await page.locator('.job-view .badge.succeeded').waitFor();
  const attempt = page.locator('.job-view ul.attempts li');
  await attempt.waitFor();
  expect(await attempt.textContent()).toMatch(/^Attempt 1 failed: ERR_WORKER_EXITED .+; retried at \d{4}-\d{2}-\d{2} /);
  expect(await page.locator('.facts dt:has-text("Labels") + dd').textContent()).toBe('userId=u-9');
  await page.close();
});
