/**
 * The stream scheduler: a job over input that cannot be read by range (input/chunk-source.ts):
 * stdin, a .gz file, NDJSON, an in-memory array. Reading is pulled: the next chunk is read only
 * while fewer than IN_FLIGHT_PER_THREAD chunks per thread are out and the reorder window has
 * room, so a fast stream cannot fill memory. Chunk bytes are transferred to the workers, not cloned.
 *
 * A cut comes from quote parity; the parser in the worker checks it. A chunk that is not the
 * last and ends inside a quoted field was cut inside a record (a bare quote in an unquoted field,
 * like 5'11"): the job fails with ERR_CSV_QUOTE_MISMATCH instead of a silently wrong answer.
 */
import type { JobReporter, JobWarning } from '../api/events.js';
import { dialectOf } from '../csv/scanner.js';
import { ChunkmillError, type ErrorData } from '../errors.js';
import type { ExecutorProvider } from '../exec/executor.js';
import type { ParseBytesRequest, ParseOutcome, ParseRowsRequest } from '../exec/protocol.js';
import type { ChunkSource, SourceChunk, StreamChunk } from '../input/chunk-source.js';
import { openComputation, type Computation } from '../kinds/computation.js';
import { finalStats } from '../plan/final-stats.js';
import type { ResolvedOptions } from '../plan/resolved-options.js';
import { locatedError, quoteMismatch } from './located-error.js';
import type { ProgressTracker } from './progress-tracker.js';
import { endedAt, Scheduler, type SchedulerRun, startUnsized, withExecutor } from './scheduler.js';

export async function scheduleStream(
  opts: ResolvedOptions,
  source: ChunkSource,
  reporter: JobReporter,
  signal: AbortSignal,
  executors: ExecutorProvider,
  /** Said right after `start`: what the job's reading found (a server without Range support). */
  warnings: readonly JobWarning[] = [],
): Promise<unknown> {
  let computation: Computation | null = null;
  let progress: ProgressTracker | null = null;
  try {
    const head = await source.head();
    computation = await openComputation(opts, head.columns, reporter, source.format !== 'csv');
    signal.throwIfAborted();
    const started = startUnsized(opts, reporter, head.columns);
    const workers = started.workers;
    progress = started.progress;
    for (const w of warnings) reporter.emit('warning', w);
    progress.add(head.bytes, 0, 0);
    const run = { opts, signal, reporter, computation, progress };
    const chunks = await withExecutor(executors, workers, async (executor) => {
      const scheduler = new StreamScheduler({ ...run, executor }, source, head.lines, head.firstChunk);
      await scheduler.execute();
      return scheduler.chunks;
    });
    progress.finish();
    return await computation.finish(
      finalStats(computation.merger, source.bytesRead, chunks, workers, progress.elapsedMs(), false),
    );
  } catch (e) {
    progress?.stop();
    await computation?.abandon();
    source.close();
    throw endedAt(e, progress);
  }
}

/** Pulls the source and hands out chunks cut at record boundaries. */
class StreamScheduler extends Scheduler<{ out: ParseOutcome; chunk: StreamChunk }> {
  chunks = 0;
  private exhausted = false;
  /** The file whose chunks are merged now: the input's name, or a dataset's file. */
  private file: string;
  /** Ends the read in progress with no chunk (set while one is pending). */
  private abandonRead: (() => void) | null = null;

  constructor(
    run: SchedulerRun,
    private readonly source: ChunkSource,
    linesBefore: number,
    private pendingFirst: SourceChunk | null,
  ) {
    super(run, linesBefore);
    this.file = run.opts.path;
  }

  async execute(): Promise<void> {
    const limit = this.inFlightLimit;
    const window = this.mergeWindow;
    await this.loop(
      () => this.exhausted && this.inFlight === 0,
      () =>
        !this.exhausted && this.inFlight < limit && this.chunks - this.nextMerge < window ? this.readNext() : undefined,
    );
    // Every chunk read must have been merged: a gap in chunk indexes would be a silent truncation.
    if (this.nextMerge !== this.chunks || this.parsed.size > 0) {
      throw new ChunkmillError({
        code: 'ERR_INTERNAL',
        message: `Stream run ended with ${this.chunks} chunks read and ${this.nextMerge} merged`,
      });
    }
  }

  /** A failed run does not wait for a read in progress (a failed read itself fails the run too). */
  protected override onFail(): void {
    this.abandonRead?.();
  }

  /** Reads the next chunk and sends it, or finds the input exhausted. */
  private async readNext(): Promise<void> {
    const next = this.pendingFirst ?? (await this.read());
    this.pendingFirst = null;
    if (this.failed !== null) return;
    if (next === null) this.exhausted = true;
    else this.send(next);
  }

  /**
   * The next chunk, or null if the run fails first: a read may wait indefinitely (an idle pipe,
   * a terminal), a cancel must not. (Not Promise.race with a promise that lives as long as the
   * run: each race's result, a whole chunk, would stay reachable from it, so a 2 GB stream would
   * keep 2 GB in memory.)
   */
  private read(): Promise<SourceChunk | null> {
    return new Promise<SourceChunk | null>((resolve, reject) => {
      this.abandonRead = () => resolve(null);
      this.source
        .next()
        .then(resolve, reject)
        .finally(() => (this.abandonRead = null));
    });
  }

  private send({ chunk, bytes, rows }: SourceChunk): void {
    this.chunks++;
    const common = {
      chunkIndex: chunk.index,
      dialect: dialectOf(this.opts),
      computation: this.computation.spec,
      maxRecordSize: this.opts.maxRecordSize,
    };
    const request: ParseRowsRequest | ParseBytesRequest =
      rows !== undefined
        ? { op: 'parseRows', rows, ...common }
        : { op: 'parseBytes', format: this.source.format === 'ndjson' ? 'ndjson' : 'csv', bytes: bytes!, ...common };
    this.dispatch(
      chunk.index,
      () => ({ ...request }),
      (reply) => {
        if (!('parsed' in reply))
          throw new ChunkmillError({ code: 'ERR_INTERNAL', message: 'A stream chunk got a summary reply' });
        this.parsed.set(chunk.index, { out: reply.parsed, chunk });
        this.mergeReady();
      },
    );
  }

  protected mergeNext(k: number, { out, chunk }: { out: ParseOutcome; chunk: StreamChunk }): void {
    this.parsed.delete(k);
    if (chunk.file !== undefined) {
      // A dataset's next file: its lines count from its own header.
      this.file = chunk.file.name;
      this.linesBefore = chunk.file.lines;
    }
    if (out.error !== undefined) throw this.chunkError(out.error, chunk);
    this.merge(k, out, chunk.offset, chunk.offset + chunk.length);
  }

  private chunkError(error: ErrorData, chunk: StreamChunk): ChunkmillError {
    const shifted = {
      ...error,
      ...(error.byteOffset !== undefined ? { byteOffset: chunk.offset + error.byteOffset } : {}),
    };
    if (error.code === 'ERR_CSV_UNCLOSED_QUOTE' && !chunk.last) {
      const at = {
        file: this.file,
        line: this.linesBefore + (error.localLine ?? 0) + 1,
        byteOffset: shifted.byteOffset ?? chunk.offset,
        chunkIndex: chunk.index,
      };
      return quoteMismatch(
        at,
        '',
        'a stream cannot be re-read: save it to a file, where onQuoteMismatch: "sequential" handles this',
      );
    }
    return locatedError(shifted, this.linesBefore, this.file, chunk.index);
  }
}
