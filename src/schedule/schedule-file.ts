/**
 * A job over CSV files or objects read by range: plan (file-plan.ts), then the file scheduler's
 * boundaries, dispatch and merge (file-scheduler.ts), then the computation's result; a checkpoint
 * and verify: 'content' are opened and closed around it.
 */
import type { JobReporter } from '../api/events.js';
import { invalidOption } from '../errors.js';
import type { ExecutorProvider } from '../exec/executor.js';
import type { DatasetSource } from '../input/dataset-source.js';
import { chunkRanges, planFile } from '../plan/file-plan.js';
import { finalStats } from '../plan/final-stats.js';
import type { ResolvedOptions } from '../plan/resolved-options.js';
import { Checkpoint, datasetCheckpointKey } from './checkpoint.js';
import { ContentCheck } from './content-check.js';
import { FileScheduler } from './file-scheduler.js';
import { ProgressTracker } from './progress-tracker.js';
import { endedAt, withExecutor } from './scheduler.js';

/**
 * Runs a job over CSV files or objects read by range (one, or a dataset of many): plans
 * byte-range chunks, then schedules, merges and finishes.
 */
export async function scheduleFile(
  opts: ResolvedOptions,
  dataset: readonly DatasetSource[],
  reporter: JobReporter,
  signal: AbortSignal,
  executors: ExecutorProvider,
): Promise<unknown> {
  if (opts.verify === 'content' && dataset.some((s) => s.object !== undefined))
    throw invalidOption('verify', "'content' applies to local files (an object's reads are checked against its ETag)");
  const plan = await planFile(opts, dataset, reporter);
  const { computation } = plan;
  let progress: ProgressTracker | null = null;
  let checkpoint: Checkpoint | undefined;
  const content = opts.verify === 'content' ? new ContentCheck(plan.sources.map((s) => s.input)) : null;
  try {
    signal.throwIfAborted();
    const { chunkSize, chunks } = chunkRanges(plan, opts.chunkSize);
    const workers = Math.max(1, Math.min(opts.workers, chunks.length));
    reporter.emit('start', {
      input: opts.path,
      bytesTotal: plan.size,
      chunksTotal: chunks.length,
      chunkSize,
      workers,
      columns: plan.columns,
    });
    progress = new ProgressTracker(
      (p) => reporter.emit('progress', p),
      plan.size,
      chunks.length,
      opts.progressInterval,
    );
    for (const { layout } of plan.sources) progress.add(layout.dataStart, 0, 0); // the headers
    let fallback = false;
    let resumed = 0;
    if (chunks.length === 0) {
      signal.throwIfAborted(); // a 'start' listener may have cancelled
    } else {
      if (opts.checkpoint !== undefined)
        checkpoint = await Checkpoint.open(
          opts.checkpoint,
          datasetCheckpointKey(
            opts,
            plan.sources.map((s) => s.input),
            chunkSize,
          ),
        );
      const tracker = progress;
      await withExecutor(executors, workers, async (executor) => {
        const run = { opts, signal, reporter, computation, executor, progress: tracker };
        const scheduler = new FileScheduler(
          run,
          plan,
          chunks,
          checkpoint,
          content,
          // onQuoteMismatch 'error' keeps the boundary pass: it is what finds a disputed record.
          workers === 1 && opts.onQuoteMismatch !== 'error',
        );
        await scheduler.execute();
        fallback = scheduler.fallback;
        resumed = scheduler.resumed;
      });
    }
    progress.finish();
    const result = await computation.finish(
      finalStats(
        computation.merger,
        plan.size,
        chunks.length,
        chunks.length === 0 ? 0 : workers,
        progress.elapsedMs(),
        fallback,
        resumed,
      ),
    );
    await checkpoint?.close(true);
    return result;
  } catch (e) {
    progress?.stop();
    await Promise.all([computation.abandon(), checkpoint?.close(false)]);
    throw endedAt(e, progress);
  } finally {
    await content?.close();
  }
}
