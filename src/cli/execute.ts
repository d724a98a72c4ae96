/**
 * Runs one engine job for a command: the progress bar, task logs and warnings on stderr, and
 * Ctrl-C. SIGINT cancels the job (the engine aborts running chunks and destroys its pool), waits
 * for the rejection, and then fails with Interrupted (exit 130) before anything is written: a
 * result cut short is never printed.
 */
import { Readable } from 'node:stream';
import type { Job } from '../index.js';
import { Interrupted } from './errors.js';
import { withCliHint } from './ui/hints.js';
import { ProgressDisplay, summaryLine, wantProgress } from './ui/progress.js';

export interface UiOptions {
  quiet?: boolean;
  progress?: boolean;
  /** For hints on failure: the input (a path, or a stream) and the delimiter given. */
  input?: unknown;
  delimiter?: string;
  /** false: the job runs no user code that logs (built-in transforms); do not listen for `log`. */
  taskLogs?: boolean;
}

/** How long a cancelled job may take to shut its pool down before the process exits anyway. */
const GRACE_MS = 5_000;

interface Stats {
  rows: number;
  bytes: number;
  elapsedMs: number;
}

export async function execute<R extends { stats: Stats }>(job: Job<R>, ui: UiOptions): Promise<R> {
  const display = wantProgress(ui.progress, ui.quiet) ? new ProgressDisplay() : null;
  const say = (line: string) => (display ? display.log(line) : process.stderr.write(line + '\n'));
  job.on('start', (plan) => display?.start(plan.bytesTotal));
  job.on('progress', (p) => display?.update(p));
  if (!ui.quiet) {
    job.on('warning', (w) => say(`chunkmill: warning: ${w.message} [${w.code}]`));
    // Only where user code can log: listening makes the engine open a channel per chunk.
    if (ui.taskLogs !== false)
      job.on('log', (l) => say(`[task${l.chunkIndex >= 0 ? ` chunk ${l.chunkIndex}` : ''}] ${l.message}`));
  }

  let interrupted = false;
  const onSigint = () => {
    // A second Ctrl-C while the pool shuts down: the user wants out now.
    if (interrupted) process.exit(130);
    interrupted = true;
    job.cancel();
    // Stop reading stdin too: a read that waits on a terminal or an idle pipe would otherwise
    // keep the job, and so the process, alive after the cancel.
    if (ui.input instanceof Readable) ui.input.destroy();
    // A last resort, should the engine not settle: Ctrl-C must end the process.
    setTimeout(() => process.exit(130), GRACE_MS).unref();
  };
  process.on('SIGINT', onSigint);
  try {
    const result = await job.result;
    // Ctrl-C that raced the last chunk: the user still asked for no output.
    if (interrupted) throw new Interrupted();
    display?.stop(summaryLine(result.stats.rows, result.stats.bytes, result.stats.elapsedMs));
    return result;
  } catch (e) {
    display?.stop();
    if (interrupted) throw new Interrupted();
    throw await withCliHint(e, ui.input, ui.delimiter);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
