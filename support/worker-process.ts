/**
 * `chunkmill worker` processes for cluster tests and benches: the built CLI (dist/, from
 * `npm run build`), started for real as child processes, their log lines collected as they come
 * so a caller can wait for one, and stopped or killed for real.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

/** fixtures/tasks: the test and bench workers load task modules from there, as their coordinators do. */
export const TASKS_DIR = fileURLToPath(new URL('../fixtures/tasks/', import.meta.url));

export interface WorkerProcess {
  name: string;
  child: ChildProcessWithoutNullStreams;
  /** Every stderr line so far. */
  lines: string[];
  /** The first line from line `from` on (so far or to come) that matches; rejects after `ms`. */
  waitFor(pattern: RegExp, ms?: number, from?: number): Promise<string>;
  /** Sends the signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface WorkerArgs {
  name: string;
  threads?: number;
  tasksDir?: string | null;
  lockDuration?: number;
  grace?: number;
  verbose?: boolean;
  /** Another build of the CLI (another chunkmill version). */
  cli?: string;
  /**
   * A command the worker runs under, its program and arguments before node's: e.g. `unshare
   * --mount` and a shell that mounts an empty tmpfs over a data folder, then execs node (the
   * worker keeps the process, so signals reach it).
   */
  launcher?: string[];
}

/** Starts a worker and waits for its "ready" line. */
export async function startWorker(url: string, args: WorkerArgs): Promise<WorkerProcess> {
  const argv = ['worker', '--redis', url, '--name', args.name, '--workers', String(args.threads ?? 1)];
  const tasksDir = args.tasksDir === undefined ? TASKS_DIR : args.tasksDir;
  if (tasksDir !== null) argv.push('--tasks-dir', tasksDir);
  if (args.lockDuration !== undefined) argv.push('--lock-duration', String(args.lockDuration));
  if (args.grace !== undefined) argv.push('--grace', String(args.grace));
  if (args.verbose) argv.push('--verbose');
  // No progress switch inherited from whoever runs this.
  const env = { ...process.env };
  delete env.CHUNKMILL_PROGRESS;
  const command = [...(args.launcher ?? []), process.execPath, args.cli ?? CLI, ...argv];
  const child = spawn(command[0]!, command.slice(1), { env });
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  let partial = '';
  child.stdout.resume();
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    partial += d;
    const complete = partial.split('\n');
    partial = complete.pop()!;
    for (const line of complete) {
      lines.push(line);
      for (const w of waiters.filter((w) => w.pattern.test(line))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const worker: WorkerProcess = {
    name: args.name,
    child,
    lines,
    waitFor(pattern, ms = 10_000, from = 0) {
      const seen = lines.slice(from).find((l) => pattern.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`worker ${args.name}: no line like ${pattern} within ${ms} ms:\n${lines.join('\n')}`)),
          ms,
        );
        waiters.push({
          pattern,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`worker ${args.name} exited before a line like ${pattern}:\n${lines.join('\n')}`));
        });
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const [code, sig] = await exited;
      return { code, signal: sig };
    },
  };
  await worker.waitFor(/ ready: /, 20_000);
  return worker;
}

/** Stops every worker still running (SIGKILL: for clean-ups). */
export async function killAll(workers: readonly WorkerProcess[]): Promise<void> {
  await Promise.all(workers.map((w) => w.stop('SIGKILL')));
}
