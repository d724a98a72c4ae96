/**
 * A PostgreSQL store that cannot be written gets a coded error, and nothing is left half-written:
 * a read-only database (default_transaction_read_only), a role that may only read, a database
 * made read-only while an engine runs a job (the job is not ended half-way, and ends once when
 * the database is writable again), and a disk that is full for real (a tablespace on a small
 * tmpfs: root only).
 */
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect, test } from 'vitest';
import { count, createEngine, openQueue, processSerial } from 'chunkmill';
import { generate } from '../../support/generate.ts';
import { rejectionOf } from '../helpers/errors.ts';
import { settle } from '../helpers/events.ts';
import { waitForState } from '../helpers/jobs.ts';
import { usePostgres } from '../helpers/postgres.ts';
import { tempDir } from '../helpers/tmp.ts';

const pgs = usePostgres();
const tmp = tempDir();
const spec = { input: '/data/sales.csv', aggregate: { measures: { n: count() } } };
const dbOf = (url: string) => new URL(url).pathname.slice(1);

/** Rows of the store's tables, to show that a failed call wrote nothing. */
async function tableRows(url: string, schema = 'chunkmill'): Promise<number[]> {
  const server = await pgs.server();
  const tables = ['jobs', 'job_events', 'job_rows', 'job_journals'];
  const { rows } = await server.sql(
    `SELECT ${tables.map((t) => `(SELECT count(*)::int FROM ${schema}.${t}) AS ${t}`).join(', ')}`,
    dbOf(url),
  );
  return tables.map((t) => rows[0][t] as number);
}

test('a read-only database or role: ERR_STORE_READ_ONLY naming the store; reads work; nothing written', async () => {
  const url = await pgs.database();
  const queue = openQueue(url);
  await queue.add(spec);
  await queue.close();
  const server = await pgs.server();
  const before = await tableRows(url);
  await server.sql(`ALTER DATABASE "${dbOf(url)}" SET default_transaction_read_only = on`);
  const readOnly = openQueue(url);
  expect((await readOnly.counts()).queued).toBe(1); // a read-only database opens, and reads
  // A server's readiness check (ping) says so at once, without retrying for the store's retryMs.
  const asked = performance.now();
  expect(await rejectionOf(readOnly.store.ping())).toMatchObject({ code: 'ERR_STORE_READ_ONLY' });
  expect(performance.now() - asked).toBeLessThan(5_000);
  const error = await rejectionOf(readOnly.add(spec));
  expect(error).toMatchObject({ code: 'ERR_STORE_READ_ONLY', file: readOnly.store.location });
  expect(error.message).toMatch(/cannot be written .*read-only transaction/);
  expect(await rejectionOf(readOnly.cancel('1'))).toMatchObject({ code: 'ERR_STORE_READ_ONLY' });
  await readOnly.close();
  await server.sql(`ALTER DATABASE "${dbOf(url)}" RESET default_transaction_read_only`);
  expect(await tableRows(url)).toEqual(before);
  const writable = openQueue(url);
  await writable.store.ping(); // writable again
  await writable.close();

  await server.sql(
    `CREATE ROLE reader LOGIN; GRANT USAGE ON SCHEMA chunkmill TO reader;
    GRANT SELECT ON ALL TABLES IN SCHEMA chunkmill TO reader`,
    dbOf(url),
  );
  const reader = openQueue(url.replace('postgres@', 'reader@'));
  expect((await reader.list()).jobs).toHaveLength(1);
  expect(await rejectionOf(reader.add(spec))).toMatchObject({ code: 'ERR_STORE_READ_ONLY' });
  await reader.close();
  expect(await tableRows(url)).toEqual(before);
});

test('the database turns read-only while a job runs: the job is not ended half-way, and ends once when it is writable', {
  timeout: 120_000,
}, async () => {
  const input = join(tmp.dir, 'sales.csv');
  await generate(input, 'sales', { rows: 30_000, seed: 5 });
  const task = new URL('../../fixtures/tasks/slow-sum.mjs', import.meta.url).href;
  const url = await pgs.database();
  const queue = openQueue(url);
  const engine = await createEngine({ store: url, workers: 2, leaseMs: 1_000 });
  const errors: string[] = [];
  engine.on('error', (e) => errors.push((e as { code?: string }).code ?? e.message));
  const job = await queue.add({ input, task, params: { column: 'amount', msPerChunk: 40 }, chunkSize: 32 << 10 });
  for await (const e of queue.watch(job.id)) if (e.type === 'chunk') break;
  const server = await pgs.server();
  const db = dbOf(url);
  await server.sql(`ALTER DATABASE "${db}" SET default_transaction_read_only = on`);
  await server.sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db}'`);
  await settle(3_000); // the run ends meanwhile; nothing of its end can be written
  const during = (await queue.get(job.id))!;
  expect(during.state).toBe('running');
  expect((await queue.store.events(job.id, 0, 10_000)).some((e) => e.type === 'done')).toBe(false);
  expect(errors).toContain('ERR_STORE_READ_ONLY');
  await server.sql(`ALTER DATABASE "${db}" RESET default_transaction_read_only`);
  await server.sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db}'`);
  const done = await waitForState(queue, job.id, ['succeeded', 'failed', 'cancelled']);
  await engine.close();
  expect(done.state).toBe('succeeded');
  const log = await queue.store.events(job.id, 0, 10_000);
  expect(log.filter((e) => e.type === 'done')).toHaveLength(1);
  expect(log.filter((e) => e.type === 'error')).toEqual([]);
  const serial = await processSerial({ input, task, params: { column: 'amount' } });
  expect(((await queue.result(job.id)) as { value: unknown }).value).toStrictEqual(serial.value);
  await queue.close();
});

test('a full disk, for real: ERR_STORE_FULL, and the call that failed left nothing', {
  timeout: 120_000,
}, async (ctx) => {
  if (process.getuid?.() !== 0) return ctx.skip(); // a tmpfs of its own takes root
  const mount = mkdtempSync(join(tmpdir(), 'chunkmill-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', mount]);
  } catch {
    rmSync(mount, { recursive: true, force: true });
    return ctx.skip(); // no mount here (a container without the capability)
  }
  const server = await pgs.server();
  try {
    const space = join(mount, 'space');
    mkdirSync(space);
    chownSync(space, Number(execFileSync('id', ['-u', 'postgres'])), Number(execFileSync('id', ['-g', 'postgres'])));
    await server.sql(`CREATE TABLESPACE small LOCATION '${space}'`);
    await server.sql('CREATE DATABASE full_disk TABLESPACE small');
    const url = server.url('full_disk');
    const queue = openQueue(url);
    let added = 0;
    let error: unknown = null;
    // Specs of random bytes (they do not compress) until the 6 MB disk is full.
    for (; error === null && added < 1_000; added++) {
      const params = { blob: randomBytes(96 << 10).toString('base64') };
      error = await queue.add({ input: '/data/x.csv', task: 'file:///t.mjs', params }).then(
        () => null,
        (e: unknown) => e,
      );
    }
    expect(error).toMatchObject({ code: 'ERR_STORE_FULL', file: queue.store.location });
    expect((error as Error).message).toMatch(/out of disk space .*nothing of this call was written/);
    const [jobs, events] = await tableRows(url);
    expect(jobs).toBe(added - 1); // every add that resolved, and not the one that failed
    expect(events).toBe(added - 1); // each with its `queued` event: none half-written
    expect((await queue.counts()).queued).toBe(added - 1);
    await queue.close();
  } finally {
    await server.sql('DROP DATABASE IF EXISTS full_disk').catch(() => {});
    await server.sql('DROP TABLESPACE IF EXISTS small').catch(() => {});
    execFileSync('umount', [mount]);
    rmSync(mount, { recursive: true, force: true });
  }
});
