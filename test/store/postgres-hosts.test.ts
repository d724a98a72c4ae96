/**
 * Several hosts on one PostgreSQL database, as processes: two engines, one killed with -9 while
 * it runs a job (the other finishes it from its checkpoint, exactly once, with the result of an
 * uninterrupted run); and two servers, a job posted to A and followed over SSE on B (B sees every
 * event once, in order, through to `done`), with a password in the store URL that neither
 * server's command line nor its log shows. And a repeat rule under three engines fires once a slot.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { count, createEngine, openQueue, processSerial } from 'chunkmill';
import { generate } from '../../support/generate.ts';
import { settle } from '../helpers/events.ts';
import { startEngineChild, storedJournalEntries, waitForState } from '../helpers/jobs.ts';
import { usePostgres } from '../helpers/postgres.ts';
import { startServeChild, TASKS_DIR, TOKEN, type ServeChild } from '../helpers/server.ts';
import { readSse, type SseMessage } from '../helpers/sse.ts';
import { tempDir } from '../helpers/tmp.ts';

const pgs = usePostgres();
const tmp = tempDir();
const task = `${TASKS_DIR}slow-sum.mjs`;
let input = '';
let expected: unknown;

beforeAll(async () => {
  input = join(tmp.dir, 'sales.csv');
  await generate(input, 'sales', { rows: 60_000, seed: 31 });
  expected = (await processSerial({ input, task, params: { column: 'amount' } })).value;
}, 60_000);

test('two engine processes: kill -9 the one running a job; the other finishes it from the checkpoint, once', {
  timeout: 120_000,
}, async () => {
  const url = await pgs.store('hosts');
  const queue = openQueue(url);
  const engines = [
    await startEngineChild(url, { workers: 2, concurrency: 1, leaseMs: 1_000 }),
    await startEngineChild(url, { workers: 2, concurrency: 1, leaseMs: 1_000 }),
  ];
  try {
    const job = await queue.add({ input, task, params: { column: 'amount', msPerChunk: 80 }, chunkSize: 64 << 10 });
    while ((await storedJournalEntries(queue.store, job.id)) < 8) await settle(10);
    const running = engines.find((e) => e.lines.includes(`claimed ${job.id}`))!;
    const other = engines.find((e) => e !== running)!;
    running.child.kill('SIGKILL');
    expect(await running.exited).toBe('SIGKILL');
    const done = await waitForState(queue, job.id, ['succeeded', 'failed'], 90_000);
    expect(done).toMatchObject({ state: 'succeeded', attempts: 2 });
    expect(other.lines).toContain(`claimed ${job.id}`);
    const result = (await queue.result(job.id)) as { value: unknown; stats: { chunksResumed: number } };
    expect(result.value).toStrictEqual(expected);
    expect(result.stats.chunksResumed).toBeGreaterThanOrEqual(7); // a line torn by the kill at most is redone
    const log = await queue.store.events(job.id, 0, 100_000);
    expect(log.filter((e) => e.type === 'done')).toHaveLength(1);
    const states = log.flatMap((e) => (e.type === 'state' ? [e.data] : []));
    expect(states.map((s) => s.state)).toEqual(['queued', 'running', 'running', 'succeeded']);
    expect(states[1]!.owner).not.toBe(states[2]!.owner);
    expect(states[2]!.reason).toMatch(/^recovered: the lease of .* expired$/);
  } finally {
    for (const e of engines) if (e.child.exitCode === null && e.child.signalCode === null) e.child.kill('SIGTERM');
    await Promise.all(engines.map((e) => e.exited));
    await queue.close();
  }
});

test('a job posted to server A, followed over SSE on server B: every event once, in order, through to done', {
  timeout: 120_000,
}, async () => {
  const password = 'n0t-f0r-ps-0r-logs';
  const url = (await pgs.store('servers')).replace('postgres@', `postgres:${password}@`); // trust auth: ignored
  const args = ['--store', url, '--data-dir', tmp.dir, '--tasks-dir', TASKS_DIR, '--workers', '1'];
  const servers: ServeChild[] = [];
  try {
    for (let i = 0; i < 2; i++)
      servers.push(await startServeChild([...args, '--concurrency', '1', '--log-level', 'info']));
    const [a, b] = servers as [ServeChild, ServeChild];
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const post = async () => {
      const spec = {
        input: 'sales.csv',
        task: 'slow-sum',
        params: { column: 'amount', msPerChunk: 30 },
        chunkSize: 96 << 10,
      };
      const response = await fetch(`${a.url}/api/jobs`, { method: 'POST', headers, body: JSON.stringify({ spec }) });
      return ((await response.json()) as { id: string }).id;
    };
    const ids = [await post(), await post(), await post()];
    const follow = (id: string) => fetch(`${b.url}/api/jobs/${id}/events`, { headers }).then((r) => readSse(r));
    const streams = await Promise.all(ids.map(follow));
    const owners = new Set<string>();
    for (const [i, id] of ids.entries()) {
      const { events } = streams[i]!;
      expect(events.at(-1)).toMatchObject({ event: 'end', data: { reason: 'finished' } });
      const logged = events.filter((e) => e.id !== null);
      const seen = logged.map((e) => e.id!);
      expect(seen).toEqual([...seen].sort((x, y) => x - y));
      expect(new Set(seen).size).toBe(seen.length);
      expect(logged.slice(-2).map((e) => e.event)).toEqual(['done', 'state']);
      expect(logged.filter((e) => e.event === 'done')).toHaveLength(1);
      // Everything the log holds (less the progress it drops at the end) reached B's stream.
      const whole = await fetch(`${b.url}/api/jobs/${id}/events`, { headers }).then((r) => readSse(r));
      const kept = (m: SseMessage[]) => m.filter((e) => e.id !== null && e.event !== 'progress').map((e) => e.id);
      expect(kept(logged)).toEqual(kept(whole.events));
      const running = logged.find((e) => e.event === 'state' && (e.data.data as { state: string }).state === 'running');
      owners.add((running!.data.data as { owner: string }).owner);
      const record = (await (await fetch(`${a.url}/api/jobs/${id}`, { headers })).json()) as Record<string, unknown>;
      expect(record).toMatchObject({ state: 'succeeded', attempts: 1 });
    }
    // A ran at least one of them: B followed an engine on another "host".
    expect([...owners].some((o) => o.includes(`:${a.child.pid}:`))).toBe(true);
    for (const s of servers) {
      expect(readFileSync(`/proc/${s.child.pid}/cmdline`, 'utf8')).not.toContain(password);
      expect(s.stderr()).not.toContain(password);
    }
  } finally {
    for (const s of servers) s.child.kill('SIGTERM');
    await Promise.all(servers.map((s) => s.exited));
  }
  for (const s of servers) expect(s.stderr()).not.toContain(password);
});

test('a repeat rule under three engines fires once per slot', { timeout: 60_000 }, async () => {
  const url = await pgs.store('rule');
  const queue = openQueue(url);
  const engines = await Promise.all([1, 2, 3].map(() => createEngine({ store: url, workers: 1, pollInterval: 5 })));
  const rule = await queue.add({ input, aggregate: { measures: { n: count() } } }, { repeat: { cron: '* * * * * *' } });
  await settle(3_500);
  await queue.removeRepeatRule(rule.id);
  await Promise.all(engines.map((e) => e.close()));
  const fired = (await queue.list({ limit: 100 })).jobs.filter((j) => j.scheduleId === rule.id);
  expect(fired.length).toBeGreaterThanOrEqual(2);
  expect(fired.length).toBeLessThanOrEqual(5);
  const seconds = fired.map((j) => Math.floor(j.createdAt / 1000));
  expect(new Set(seconds).size).toBe(seconds.length); // never two jobs for one slot
  await queue.close();
});
