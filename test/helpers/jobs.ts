/** Stores, engine child processes and job waits for the job queue tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { JobRecord, JobStore, Queue } from 'chunkmill';
import { expect } from 'vitest';
import { settle } from './events.ts';

const ENGINE_CHILD = fileURLToPath(new URL('./engine-child.mjs', import.meta.url));

export interface EngineChild {
  child: ChildProcess;
  /** Lines it printed so far. */
  lines: string[];
  exited: Promise<NodeJS.Signals | number | null>;
}

/** Starts an engine in a child process and waits until it polls the store (pollInterval 0: the default). */
export async function startEngineChild(
  store: string,
  { workers = 2, concurrency = 2, leaseMs = 15_000, pollInterval = 0 } = {},
): Promise<EngineChild> {
  const args = [ENGINE_CHILD, store, String(workers), String(concurrency), String(leaseMs)];
  if (pollInterval > 0) args.push(String(pollInterval));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let buffer = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buffer += d;
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    lines.push(...parts);
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  while (!lines.includes('ready')) {
    if (child.exitCode !== null) throw new Error(`the engine child exited with ${child.exitCode}`);
    await settle(10);
  }
  return { child, lines, exited };
}

/**
 * Kills an engine child with SIGKILL once the store holds `entries` journal entries of job `id`
 * (the engine must live till then), and checks it died by the signal.
 */
export async function killWhenJournaled(engine: EngineChild, store: JobStore, id: string, entries = 8): Promise<void> {
  while ((await storedJournalEntries(store, id)) < entries) {
    expect(engine.child.exitCode).toBe(null);
    await settle(10);
  }
  engine.child.kill('SIGKILL');
  expect(await engine.exited).toBe('SIGKILL');
}

/** Polls the store until the job is in one of `states`. */
export async function waitForState(queue: Queue, id: string, states: string[], ms = 60_000): Promise<JobRecord> {
  const until = Date.now() + ms;
  for (;;) {
    const job = await queue.get(id);
    if (job !== null && states.includes(job.state)) return job;
    if (Date.now() > until) throw new Error(`job ${id} is ${job?.state}, not ${states.join('|')}, after ${ms} ms`);
    await settle(20);
  }
}

/** The store's three files, for a fresh store per test. */
export function storeFiles(path: string): string[] {
  return [path, `${path}-wal`, `${path}-shm`];
}

/** Chunks a checkpoint journal holds so far (its first line is the key). */
export function journalEntries(journal: string): number {
  return existsSync(journal) ? countEntries(readFileSync(journal, 'utf8')) : 0;
}

/**
 * Chunks the store's journal of job `id` holds so far, read through the JobStore interface as any
 * engine would (reading needs no lease: the owner name is only for writes).
 */
export async function storedJournalEntries(store: JobStore, id: string): Promise<number> {
  const bytes = await store.journal('reader', id).read();
  return bytes === null ? 0 : countEntries(Buffer.from(bytes).toString('latin1'));
}

/** Whether the store holds a journal for job `id`. */
export async function hasStoredJournal(store: JobStore, id: string): Promise<boolean> {
  return (await store.journal('reader', id).read()) !== null;
}

function countEntries(text: string): number {
  return text.split('\n').filter((l) => l !== '').length - 1;
}
