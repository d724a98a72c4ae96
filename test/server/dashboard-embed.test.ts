/**
 * The dashboard mounted in a Fastify app under /jobs (chunkmillPlugin), in a real browser (Debian's
 * headless Chromium driven by playwright-core): /jobs sends the browser to /jobs/, whose scripts,
 * styles and API calls all resolve under the path; a 20 MB upload shows its progress as it goes
 * (XMLHttpRequest's upload events: "uploading big.csv: 4.2 MB of 20 MB"); a job started from the
 * form runs to the end; the chosen file is removed (after a confirm), from the disk and the list.
 * No script error and no CSP violation on the way.
 */
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { chunkmillPlugin } from 'chunkmill/server';
import { TOKEN } from '../helpers/server.ts';

const data = realpathSync(mkdtempSync(join(tmpdir(), 'chunkmill-dash-embed-')));
const outside = mkdtempSync(join(tmpdir(), 'chunkmill-dash-embed-store-'));
let app: FastifyInstance;
let base = '';
let browser: Browser;

beforeAll(async () => {
  app = Fastify();
  await app.register(chunkmillPlugin, {
    prefix: '/jobs',
    store: join(outside, 'jobs.db'),
    dataDir: data,
    token: TOKEN,
    workers: 2,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
  rmSync(data, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

test('under /jobs: upload with progress, a job to its end, remove the file', { timeout: 90_000 }, async () => {
  const file = join(outside, 'big.csv');
  writeFileSync(file, `region,amount\n${'north,1\nsouth,2\n'.repeat(1_250_000)}`); // 20 MB
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => {
    // 401s: how the page learns it needs a token. /favicon.ico: the host app's own, which it has not.
    const url = m.location().url;
    if (m.type() === 'error' && !/status of 401/.test(m.text()) && !url.endsWith('/favicon.ico'))
      problems.push(`${m.text()} ${url}`);
  });

  await page.goto(`${base}/jobs`);
  expect(new URL(page.url()).pathname).toBe('/jobs/');
  await page.locator('#token-dialog[open]').waitFor();
  await page.fill('#token-input', TOKEN);
  await page.click('#token-form button[type=submit]');
  await page.locator('select[name=file]').waitFor();

  // What the upload's status says as it goes, and the progress bar's values.
  // (As the page's own script text: the tests are compiled without the DOM's types.)
  await page.evaluate(`{
    window.seen = [];
    const status = document.querySelector('.start-form [role=status]');
    const bar = document.querySelector('.start-form progress');
    new MutationObserver(() => window.seen.push(status.textContent + ' @' + bar.getAttribute('value'))).observe(
      document.querySelector('.start-form'),
      { subtree: true, childList: true, characterData: true, attributes: true },
    );
  }`);
  await page.setInputFiles('input[name=upload]', file);
  await page.getByRole('status').filter({ hasText: 'uploaded uploads/big.csv' }).waitFor({ timeout: 60_000 });
  const seen = (await page.evaluate('window.seen')) as string[];
  const progress = seen.filter((s) => /^uploading big\.csv: [\d.]+ [KM]?B of 20\.0 MB @/.test(s));
  expect(progress.length, seen.join('\n')).toBeGreaterThan(0);
  expect(existsSync(join(data, 'uploads/big.csv'))).toBe(true);

  // A job from the form, through the API under /jobs, followed live to its end.
  expect(await page.locator('select[name=file]').inputValue()).toBe('uploads/big.csv');
  await page.check('#group-by input[value=region]');
  await page.click('button[type=submit]:has-text("Start job")');
  const row = page.locator('#jobs tbody tr').first();
  await row.locator('.badge.succeeded').waitFor({ timeout: 60_000 });

  // Remove the file: confirmed, gone from the disk and from the list.
  page.once('dialog', (dialog) => void dialog.accept());
  await page.click('#remove-file');
  await page.getByRole('status').filter({ hasText: 'removed uploads/big.csv' }).waitFor();
  expect(existsSync(join(data, 'uploads/big.csv'))).toBe(false);
  const offered = await page.locator('select[name=file] option').allTextContents();
  expect(offered.join()).not.toContain('uploads/big.csv');
  expect(problems).toEqual([]);
});
