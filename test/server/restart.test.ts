/**
 * The server as a real process, stopped twice mid-job on one store: SIGTERM (exit 0: the job is
 * handed back with its checkpoint, the event stream ends with `end: shutdown` after the
 * `queued` state), then kill -9 (the stream just drops; the lease runs out). A client that
 * reconnects to each new server with its Last-Event-ID ends with `done`, and the job finishes
 * once with the result an uninterrupted run gives.
 */
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { processSerial } from 'chunkmill';
import { generate } from '../../support/generate.ts';
import { gate } from '../helpers/gate.ts';
import { tempDir } from '../helpers/tmp.ts';
import { startServeChild, TASKS_DIR, TOKEN, type ServeChild } from '../helpers/server.ts';
import { readSse, type SseMessage } from '../helpers/sse.ts';

const tmp = tempDir();

test('SIGTERM then kill -9 mid-job: each restart resumes it; a reconnected stream ends with done', {
  timeout: 120_000,
}, async () => {
  await generate(join(tmp.dir, 'sales.csv'), 'sales', { rows: 60_000, seed: 8 });
  const args = ['--store', join(tmp.dir, 'jobs.db'), '--data-dir', tmp.dir, '--tasks-dir', TASKS_DIR];
  const start = () => startServeChild([...args, '--workers', '2', '--concurrency', '1', '--lease-ms', '1000']);
  const headers = (after?: number) => ({
    authorization: `Bearer ${TOKEN}`,
    ...(after === undefined ? {} : { 'last-event-id': String(after) }),
  });
  const stream = (s: ServeChild, id: string, after?: number) =>
    fetch(`${s.url}/api/jobs/${id}/events`, { headers: headers(after) });
  const chunks = (events: SseMessage[]) => events.filter((e) => e.event === 'chunk').length;
  const lastId = (events: SseMessage[]) => events.filter((e) => e.id !== null).at(-1)!.id!;
  const states = (events: SseMessage[]) =>
    events.filter((e) => e.event === 'state').map((e) => (e.data.data as { state: string }).state);

  let server = await start();
  // Held after chunk 10 while the first server runs it, and after chunk 20 while the second does:
  // neither can finish the job before the test stops it, however late the test sees its chunks.
  const held = gate(join(tmp.dir, 'restart.gate'), 10);
  const params = { column: 'amount', msPerChunk: 20, gate: held.path };
  const posted = await fetch(`${server.url}/api/jobs`, {
    method: 'POST',
    headers: { ...headers(), 'content-type': 'application/json' },
    body: JSON.stringify({ spec: { input: 'sales.csv', task: 'slow-sum', params, chunkSize: 65_536 } }),
  });
  const { id } = (await posted.json()) as { id: string };

  // 1. SIGTERM once some chunks are done; the stream goes on to the hand-back and the shutdown end.
  // Once only: more events (progress) can arrive while five chunks are still the count, and a
  // second SIGTERM is the operator's "exit now" (130), not what this step tests.
  let termed = false;
  const first = await readSse(await stream(server, id), (_e, seen) => {
    if (!termed && chunks(seen) === 5) {
      termed = true;
      server.child.kill('SIGTERM');
    }
    return false;
  });
  expect(await server.exited).toBe(0);
  expect(first.events.at(-1)).toMatchObject({ event: 'end', data: { reason: 'shutdown' } });
  expect(states(first.events)).toEqual(['queued', 'running', 'queued']);

  // 2. A new server resumes it; kill -9 after more chunks: the stream drops without an end.
  held.release(20);
  server = await start();
  let killed = false;
  const second = await readSse(await stream(server, id, lastId(first.events)), (_e, seen) => {
    if (!killed && chunks(seen) === 5) {
      killed = true;
      server.child.kill('SIGKILL');
    }
    return false;
  });
  expect(await server.exited).toBe('SIGKILL');
  expect(second.dropped).toBe(true);
  expect(second.events.some((e) => e.event === 'end')).toBe(false);
  expect(states(second.events)).toEqual(['running']);

  // 3. The next server takes the job over once its lease expires; the client reconnects and sees the end.
  held.open();
  server = await start();
  const third = await readSse(await stream(server, id, lastId(second.events)));
  expect(third.events.slice(-3).map((e) => e.event)).toEqual(['done', 'state', 'end']);
  expect(third.events.at(-1)).toMatchObject({ data: { reason: 'finished' } });
  expect(states(third.events)).toEqual(['running', 'succeeded']);
  const seen = [...first.events, ...second.events, ...third.events].filter((e) => e.id !== null).map((e) => e.id!);
  expect(new Set(seen).size).toBe(seen.length); // nothing twice across the reconnects

  const result = (await (await fetch(`${server.url}/api/jobs/${id}/result`, { headers: headers() })).json()) as {
    value: unknown;
    stats: { chunksResumed: number };
  };
  const serial = await processSerial({
    input: join(tmp.dir, 'sales.csv'),
    task: `${TASKS_DIR}slow-sum.mjs`,
    params: { column: 'amount' },
  });
  expect(result.value).toEqual(serial.value);
  expect(result.stats.chunksResumed).toBeGreaterThanOrEqual(5);
  const record = (await (await fetch(`${server.url}/api/jobs/${id}`, { headers: headers() })).json()) as {
    attempts: number;
  };
  expect(record.attempts).toBe(2); // the graceful stop gave its attempt back; the kill did not
  server.child.kill('SIGTERM');
  expect(await server.exited).toBe(0);
});
