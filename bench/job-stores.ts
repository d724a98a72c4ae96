/**
 * The stores and engines bench/jobs.ts measures: each setup is one store (SQLite, a file; or
 * PostgreSQL, a schema of its own) with a queue and 1 or 2 engines on it, all in this process.
 * PostgreSQL is a throwaway cluster of the bench's own (support/postgres-server.ts: initdb on
 * this machine, default settings: every durable commit waits for its fsync), unless a
 * postgres:// URL is given. Two engines split the threads one would have, as two hosts of half
 * the size would: the figures compare the store's cost, not more threads.
 */
import { join } from 'node:path';
import { createEngine, openQueue, type Engine, type Queue } from 'chunkmill';
import { startPostgres, type PostgresServer } from '../support/postgres-server.ts';

export interface Setup {
  label: string;
  queue: Queue;
  engines: Engine[];
  /** Resolves when an engine has stored the job's outcome, with that time (performance.now()). */
  until(id: string): Promise<number>;
  close(): Promise<void>;
}

export interface StoreChoice {
  kind: 'sqlite' | 'postgres';
  /** A postgres:// URL given on the command line (else a cluster of the bench's own). */
  url?: string;
  /** URL parameters for the bench's own cluster: `postgres?options=-c%20synchronous_commit%3Doff`. */
  params?: string;
}

/** `--store sqlite,postgres[?params]` or a URL: the stores to measure. */
export function parseStores(text: string): StoreChoice[] {
  return text.split(',').map((s) => {
    if (s === 'sqlite') return { kind: s };
    if (s.startsWith('postgres?') || s === 'postgres') return { kind: 'postgres', params: s.slice('postgres?'.length) };
    if (/^postgres(ql)?:\/\//.test(s)) return { kind: 'postgres', url: s };
    throw new Error(`--store: expected sqlite, postgres[?params] or a postgres:// URL, got ${JSON.stringify(s)}`);
  });
}

let cluster: Promise<PostgresServer> | null = null;

/** A fresh store of the kind, a queue on it and `engines` engines sharing `workers` threads. */
export async function openSetup(choice: StoreChoice, engines: number, workers: number, dir: string): Promise<Setup> {
  const variant = choice.params ? ` (${decodeURIComponent(choice.params)})` : '';
  const label = `${choice.kind}${variant}, ${engines} engine${engines > 1 ? 's' : ''}`;
  const name = `bench_${choice.kind}_${engines}_${Date.now() % 100_000}`;
  let store: string;
  if (choice.kind === 'sqlite') store = join(dir, `${name}.db`);
  else {
    if (choice.url === undefined) cluster ??= startPostgres();
    const base = choice.url ?? `${(await cluster!).url()}${choice.params ? `?${choice.params}` : ''}`;
    store = `${base}${base.includes('?') ? '&' : '?'}schema=${name}`;
  }
  const queue = openQueue(store);
  const list: Engine[] = [];
  for (let i = 0; i < engines; i++)
    list.push(await createEngine({ store, workers: Math.max(1, Math.floor(workers / engines)), concurrency: 2 }));
  // A job may end before its add() has resolved (it is visible from its commit on): kept here.
  const ended = new Map<string, number>();
  const waiting = new Map<string, (at: number) => void>();
  for (const e of list)
    e.on('ended', (id) => {
      const at = performance.now();
      const wake = waiting.get(id);
      if (wake === undefined) ended.set(id, at);
      else {
        waiting.delete(id);
        wake(at);
      }
    });
  return {
    label,
    queue,
    engines: list,
    until(id) {
      const at = ended.get(id);
      if (at !== undefined) {
        ended.delete(id);
        return Promise.resolve(at);
      }
      return new Promise<number>((resolve) => waiting.set(id, resolve));
    },
    async close() {
      await Promise.all(list.map((e) => e.close()));
      await queue.close();
    },
  };
}

/** Stops the bench's own PostgreSQL, if it started one. */
export async function stopStores(): Promise<void> {
  if (cluster !== null) await (await cluster).stop();
}
