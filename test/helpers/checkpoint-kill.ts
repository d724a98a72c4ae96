/**
 * A checkpointed job killed with SIGKILL part-way: test/helpers/checkpoint-child.mjs runs
 * fixtures/tasks/slow-sum.mjs over `input` (20 ms a chunk, 64 KiB chunks, 2 workers) in its own
 * process, held by a gate after 10 chunks; once its journal has 8 entries it is killed. Checks that
 * it died by the signal and unfinished, and returns the gate (to open before the resume, whose
 * options must be the child's) and the journal's entries at the kill (8 to 10). killJournaledChild
 * is the kill itself, for another child (test/cluster/coordinator-resume.test.ts: a cluster job).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { settle } from './events.ts';
import { type Gate, gate } from './gate.ts';
import { journalEntries } from './jobs.ts';

const CHILD = fileURLToPath(new URL('./checkpoint-child.mjs', import.meta.url));

export async function killPartWay(
  input: string,
  journal: string,
  gatePath: string,
): Promise<{ held: Gate; before: number }> {
  // Held after 10 chunks until the kill: unfinished then, however late this process sees the
  // journal's eighth entry.
  const held = gate(gatePath, 10);
  const before = await killJournaledChild(CHILD, [input, journal, '20'], journal, held, 8);
  expect(before).toBeLessThanOrEqual(10);
  return { held, before };
}

/**
 * Runs `node child ...args held.path` (a checkpointed job of its own, held by the gate), kills it
 * with SIGKILL once `journal` has `killAt` entries, checks that it died by the signal before it
 * printed its result, and returns the journal's entries at the kill.
 */
export async function killJournaledChild(
  child: string,
  args: string[],
  journal: string,
  held: Gate,
  killAt: number,
): Promise<number> {
  const proc = spawn(process.execPath, [child, ...args, held.path], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  proc.stdout.on('data', (d: Buffer) => (output += d));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_code, signal) => resolve(signal)));
  while (journalEntries(journal) < killAt && proc.exitCode === null) await settle(20);
  proc.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  expect(output).toBe(''); // it did not finish
  const before = journalEntries(journal);
  expect(before).toBeGreaterThanOrEqual(killAt);
  return before;
}
