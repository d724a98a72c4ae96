/**
 * Runs one engine job for a command: the progress bar, task logs and warnings on stderr, Ctrl-C,
 * and a reader that leaves. SIGINT cancels the job (the engine aborts running chunks and destroys
 * its pool), waits for the rejection, and fails with Interrupted (exit 130), whose line says how
 * far the job got and what was kept or removed: a result cut short is never printed. A closed
 * stdout cancels the job too (broken-pipe.ts), and main() exits quietly.
 */
import { Readable } from 'node:stream';
import { AbortError, type Job } from '../index.js';
import { Interrupted } from './errors.js';
import { stdoutClosed } from './ui/broken-pipe.js';
import { droppedLines } from './ui/dropped.js';
import { inCliTerms, oneColumnHeader } from './ui/hints.js';
import { formatBytes, ProgressDisplay, summaryLine, wantProgress } from './ui/progress.js';

export interface UiOptions {
  quiet?: boolean;
  progress?: boolean;
  /** For hints on failure: the input (a path, or a stream) and the delimiter given. */
  input?: unknown;
  delimiter?: string;
  /** false: --no-header. */
  header?: boolean;
  /** Refuse a header read as one column that holds another delimiter (oneColumnHeader). */
  checkHeader?: boolean;
  /** For the line that says how many rows or values were dropped. */
  onBadRow?: string;
  /** false: the job runs no user code that logs (built-in transforms); do not listen for `log`. */
  taskLogs?: boolean;
  /** For the Ctrl-C line: where the result goes (--output), and the files the job keeps. */
  output?: string;
  checkpoint?: string;
  rejects?: string;
  /** The result is written while the job runs (convert), not after it. */
  streaming?: boolean;
  /** The command's own flag for an engine option path, e.g. aggregate.measures.mean_delay -> --mean. */
  flags?: Record<string, string>;
}

/** How long a cancelled job may take to shut its pool down before the process exits anyway. */
const GRACE_MS = 5_000;

interface Stats {
  rows: number;
  bytes: number;
  elapsedMs: number;
  rowsRejected: number;
  valuesSkipped: number;
}

export async function execute<R extends { stats: Stats }>(job: Job<R>, ui: UiOptions): Promise<R> {
  const display = wantProgress(ui.progress, ui.quiet) ? new ProgressDisplay() : null;
  const say = (line: string) => (display ? display.log(line) : process.stderr.write(line + '\n'));
  let bytesTotal: number | null = null;
  let header: string[] | undefined;
  // Set at the start: the job is cancelled before any chunk, and this error is the command's.
  let refused: Error | null = null;
  job.on('start', (plan) => {
    bytesTotal = plan.bytesTotal;
    header = plan.columns;
    refused = ui.checkHeader ? oneColumnHeader(plan.columns, ui) : null;
    if (refused !== null) job.cancel();
    else display?.start(plan.bytesTotal);
  });
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
  const onStdoutClosed = () => job.cancel();
  process.on('SIGINT', onSigint);
  stdoutClosed.addEventListener('abort', onStdoutClosed);
  try {
    const result = await job.result;
    if (refused !== null) throw refused;
    // Ctrl-C that raced the last chunk: the user still asked for no output.
    if (interrupted) throw new Interrupted(cancelledLine(undefined, bytesTotal, ui));
    // Never silent about what the answer leaves out (--on-bad-row / --on-bad-number skip).
    if (!ui.quiet) for (const line of droppedLines(result.stats, ui)) say(line);
    display?.stop(summaryLine(result.stats.rows, result.stats.bytes, result.stats.elapsedMs));
    return result;
  } catch (e) {
    display?.stop();
    if (refused !== null) throw refused;
    if (interrupted) throw new Interrupted(cancelledLine(e, bytesTotal, ui));
    throw await inCliTerms(e, ui, header);
  } finally {
    process.off('SIGINT', onSigint);
    stdoutClosed.removeEventListener('abort', onStdoutClosed);
  }
}

/** "cancelled after 1,200,000 rows, 60.0 MB of 200.0 MB; nothing written; checkpoint x kept: ..." */
export function cancelledLine(error: unknown, bytesTotal: number | null, ui: UiOptions): string {
  const at = error instanceof AbortError ? error.progress : undefined;
  const done =
    at === undefined || at.rowsDone === 0
      ? 'cancelled before any rows were done'
      : `cancelled after ${at.rowsDone.toLocaleString('en-US')} rows, ${formatBytes(at.bytesDone)}${bytesTotal !== null ? ` of ${formatBytes(bytesTotal)}` : ''}`;
  const kept: string[] = [];
  if (ui.streaming)
    kept.push(
      ui.output !== undefined
        ? `partial output ${ui.output} removed`
        : 'the rows up to there are on stdout, in whole lines',
    );
  else kept.push(ui.output !== undefined ? `nothing written (${ui.output} removed)` : 'nothing written');
  if (ui.checkpoint !== undefined) kept.push(`checkpoint ${ui.checkpoint} kept: run the same command again to resume`);
  // Like an output, a rejects file is made only when the job succeeds (kinds/output/writer.ts).
  if (ui.rejects !== undefined) kept.push(`no rejects file (${ui.rejects} not made)`);
  return `chunkmill: ${done}; ${kept.join('; ')}`;
}
