/**
 * A dataset of gzip parts, one whole file per worker: a gzip stream cannot be split, so instead of
 * the coordinator inflating the files one after another and cutting chunks for the workers
 * (stream-scheduler.ts over input/dataset-stream.ts), each worker opens a file of its own,
 * inflates and parses it (worker/parse-file.ts), and replies with that file's partial. The
 * partials are merged in dataset order, so the result is the stream path's exactly.
 *
 * Where it applies (wholeFilesApply), and why not elsewhere:
 * - aggregates and user tasks only: their partials are small. A transform's (convert's) output is
 *   as large as its input, and a whole file's output in one reply would hold it all in memory;
 *   those keep the stream path, whose output comes back chunk by chunk in bounded memory.
 * - two files at least: one file is one worker's, while on the stream path every worker parses
 *   its chunks as the coordinator inflates it. One worker takes this path too: the worker's zlib
 *   inflates a chunk ahead on libuv's pool while it parses (worker/parse-file.ts), as the
 *   coordinator's would, without the coordinator's cutting and copying (docs/inputs.md: 0.74x
 *   the stream path's wall time, 0.81x its CPU, 8 parts, 1 worker).
 * - no chunk timeout: it is meant for a chunk, and a whole file would run into it.
 *
 * Progress and the stats count each file's bytes after inflate, as the stream path does, but as
 * each file is merged rather than chunk by chunk. A chunk here is a file: 'chunk' events and the
 * stats' chunks count files. A file whose worker dies is run again from its start by the
 * executor's retry policy (a new request; the failed attempt's work never reached the merge).
 */
import type { JobReporter } from '../api/events.js';
import { dialectOf } from '../csv/scanner.js';
import { ChunkmillError, fromData } from '../errors.js';
import type { ExecutorProvider } from '../exec/executor.js';
import type { InputIdentity, ParseFileRequest, ParseOutcome } from '../exec/protocol.js';
import type { DatasetSource } from '../input/dataset-source.js';
import { openInputFile } from '../input/open-input.js';
import { openSourceStream } from '../input/source-stream.js';
import { StreamSource } from '../input/stream-source.js';
import { openComputation, type Computation } from '../kinds/computation.js';
import { finalStats } from '../plan/final-stats.js';
import type { ResolvedOptions } from '../plan/resolved-options.js';
import { locatedError, quoteMismatch } from './located-error.js';
import type { ProgressTracker } from './progress-tracker.js';
import { endedAt, Scheduler, type SchedulerRun, startUnsized, withExecutor } from './scheduler.js';

/** A dataset's gzip parts, in dataset order. */
export interface GzipParts {
  sources: DatasetSource[];
  format: 'csv' | 'ndjson';
}

/** Whether a dataset of `files` gzip parts runs one file per worker (see above). */
export function wholeFilesApply(opts: ResolvedOptions, files: number): boolean {
  return opts.work.kind !== 'transform' && files >= 2 && opts.timeout === undefined;
}

export async function scheduleWholeFiles(
  opts: ResolvedOptions,
  parts: GzipParts,
  reporter: JobReporter,
  signal: AbortSignal,
  executors: ExecutorProvider,
): Promise<unknown> {
  let computation: Computation | null = null;
  let progress: ProgressTracker | null = null;
  try {
    // One at a time: a glob of thousands of parts must not open thousands of descriptors at once.
    const inputs: InputIdentity[] = [];
    for (const source of parts.sources) inputs.push(await identityOf(source, opts));
    // The columns, from the first file's header (the workers check every file's against them).
    const columns = await firstColumns(opts, parts);
    computation = await openComputation(opts, columns, reporter, parts.format !== 'csv');
    signal.throwIfAborted();
    const started = startUnsized(opts, reporter, columns);
    const workers = started.workers;
    progress = started.progress;
    const run = { opts, signal, reporter, computation, progress };
    const request = (k: number): ParseFileRequest => ({
      op: 'parseFile',
      chunkIndex: k,
      dialect: dialectOf(opts),
      computation: computation!.spec,
      maxRecordSize: opts.maxRecordSize,
      input: inputs[k]!,
      gzip: true,
      format: parts.format,
      cut: {
        delimiter: opts.delimiter,
        quote: opts.quote,
        header: opts.header,
        encoding: opts.encoding,
        chunkSize: opts.chunkSize,
      },
      first: { name: parts.sources[0]!.name, columns },
    });
    const threads = Math.min(workers, parts.sources.length);
    const bytes = await withExecutor(executors, threads, async (executor) => {
      const scheduler = new WholeFileScheduler({ ...run, executor }, parts.sources, request);
      await scheduler.execute();
      return scheduler.bytes;
    });
    progress.finish();
    return await computation.finish(
      finalStats(computation.merger, bytes, parts.sources.length, workers, progress.elapsedMs(), false),
    );
  } catch (e) {
    progress?.stop();
    await computation?.abandon();
    throw endedAt(e, progress);
  }
}

/** Sends the files in order, a bounded number ahead of the merge, and merges their partials in order. */
class WholeFileScheduler extends Scheduler<ParseOutcome> {
  /** Bytes of the files merged, after inflate. */
  bytes = 0;
  private sent = 0;

  constructor(
    run: SchedulerRun,
    private readonly sources: readonly DatasetSource[],
    private readonly request: (k: number) => ParseFileRequest,
  ) {
    super(run, 0);
  }

  async execute(): Promise<void> {
    const n = this.sources.length;
    await this.loop(
      () => this.nextMerge === n,
      () => {
        while (this.sent < n && this.inFlight < this.inFlightLimit && this.sent - this.nextMerge < this.mergeWindow)
          this.send(this.sent++);
        return undefined;
      },
    );
  }

  private send(k: number): void {
    // Each attempt is a new request: a retried file starts over from its first byte.
    this.dispatch(
      k,
      () => this.request(k),
      (reply) => {
        if (!('parsed' in reply))
          throw new ChunkmillError({ code: 'ERR_INTERNAL', message: 'A whole file got a summary reply' });
        this.parsed.set(k, reply.parsed);
        this.mergeReady();
      },
    );
  }

  protected mergeNext(k: number, out: ParseOutcome): void {
    this.parsed.delete(k);
    if (out.error !== undefined) throw this.fileError(k, out);
    // Lines count within each file: its rejects' lines are the file's own.
    this.linesBefore = 0;
    const bytes = out.file?.bytes ?? 0;
    this.bytes += bytes;
    this.merge(k, out, 0, bytes);
  }

  private fileError(k: number, { error, file }: ParseOutcome): ChunkmillError {
    const name = this.sources[k]!.name;
    if (file?.located === true) return fromData(error!);
    if (file?.cutInQuote === true) {
      const at = { file: name, line: (error!.localLine ?? 0) + 1, byteOffset: error!.byteOffset ?? 0, chunkIndex: k };
      // As the stream path's: the cut was made in the worker, from quote parity, and cannot be redone.
      return quoteMismatch(
        at,
        '',
        'a stream cannot be re-read: save it to a file, where onQuoteMismatch: "sequential" handles this',
      );
    }
    return locatedError(error!, 0, name, k);
  }
}

/** What a worker checks a file against: a local file's size and modified time, an object's planned version. */
async function identityOf(source: DatasetSource, opts: ResolvedOptions): Promise<InputIdentity> {
  if (source.object !== undefined)
    return {
      path: source.name,
      size: source.object.size,
      mtimeMs: 0,
      object: source.object,
      ...(opts.s3 !== undefined && { s3: opts.s3 }),
    };
  const { handle, info } = await openInputFile(source.name, opts.confinement);
  await handle.close();
  const confined =
    opts.confinement !== undefined ? { confinement: opts.confinement, fileId: { dev: info.dev, ino: info.ino } } : {};
  return { path: source.name, size: info.size, mtimeMs: info.mtimeMs, ...confined };
}

/** The first file's columns, read by the coordinator from its first inflated bytes. */
async function firstColumns(opts: ResolvedOptions, parts: GzipParts): Promise<string[]> {
  const first = parts.sources[0]!;
  const source = new StreamSource(await openSourceStream(first, true, opts.s3, opts.confinement), {
    ...opts,
    format: parts.format,
    path: first.name,
  });
  try {
    return (await source.head()).columns;
  } finally {
    source.close();
  }
}
