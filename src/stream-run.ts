/**
 * Running a job over input that cannot be read by range (sources.ts): stdin, a .gz file, NDJSON,
 * an in-memory array. Reading is pulled: the next chunk is read only while fewer than
 * IN_FLIGHT_PER_WORKER chunks per worker are out and the reorder window has room, so a fast
 * stream cannot fill memory. Chunk bytes are transferred to the workers, not cloned.
 *
 * A cut comes from quote parity; the parser in the worker checks it. A chunk that is not the
 * last and ends inside a quoted field was cut inside a record (a bare quote in an unquoted field,
 * like 5'11"): the job fails with ERR_CSV_QUOTE_MISMATCH instead of a silently wrong answer.
 */
import type { TransferListItem } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import { AbortError, ChunkmillError, describeLocation, type ErrorData } from './errors.js';
import { createPool, dialectOf, finalStats, IN_FLIGHT_PER_WORKER, locate, MERGE_AHEAD_PER_WORKER } from './coordinator.js';
import { Dispatcher } from './dispatch.js';
import { Scheduler } from './scheduler.js';
import { ProgressTracker, type Job } from './job.js';
import type { ResolvedOptions } from './options.js';
import type { ChunkSource, SourceChunk, StreamChunk } from './sources.js';
import { openWork, type JobWork } from './work.js';
import type { ParseBytesTask, ParseOutcome, ParseRowsTask, WorkerReply, WorkerTask } from './worker.js';

export async function runStream(opts: ResolvedOptions, reader: ChunkSource, job: Job<unknown>, signal: AbortSignal): Promise<unknown> {
  let work: JobWork | null = null;
  let progress: ProgressTracker | null = null;
  try {
    const head = await reader.head();
    work = await openWork(opts, head.columns, job, reader.format !== 'csv');
    signal.throwIfAborted();
    const workers = Math.max(1, opts.workers);
    job.emit('start', { input: opts.path, bytesTotal: null, chunksTotal: null, chunkSize: opts.chunkSize, workers, columns: head.columns });
    progress = new ProgressTracker((p) => job.emit('progress', p), null, null, opts.progressInterval);
    progress.add(head.bytes, 0, 0);
    const pool = createPool(opts, workers);
    const dispatcher = new Dispatcher(pool, opts, job, signal);
    let run: StreamRun;
    try {
      run = new StreamRun(opts, reader, work, pool, dispatcher, signal, job, progress, head.lines, head.firstChunk);
      await run.execute();
    } finally {
      dispatcher.close();
      await pool.destroy();
    }
    progress.finish();
    return await work.finish(finalStats(work.merger, reader.bytesRead, run.chunks, workers, progress.elapsedMs(), false));
  } catch (e) {
    progress?.stop();
    await work?.abandon();
    reader.close();
    throw e instanceof AbortError && progress !== null ? e.at(progress.current()) : e;
  }
}

/** Pulls the source and hands out chunks cut at record boundaries. */
class StreamRun extends Scheduler {
  chunks = 0;
  private readonly parsed = new Map<number, { out: ParseOutcome; chunk: StreamChunk }>();
  private nextMerge = 0;
  private exhausted = false;
  /** Ends the read in progress with no chunk (set while one is pending). */
  private abandonRead: (() => void) | null = null;

  constructor(
    private readonly opts: ResolvedOptions,
    private readonly reader: ChunkSource,
    private readonly work: JobWork,
    private readonly pool: Piscina<WorkerTask, WorkerReply>,
    private readonly dispatcher: Dispatcher,
    signal: AbortSignal,
    private readonly job: Job<unknown>,
    private readonly progress: ProgressTracker,
    private linesBefore: number,
    private pendingFirst: SourceChunk | null,
  ) {
    super(signal, work);
  }

  execute(): Promise<void> {
    const limit = this.pool.maxThreads * IN_FLIGHT_PER_WORKER;
    const window = this.pool.maxThreads * MERGE_AHEAD_PER_WORKER;
    return this.guarded(async () => {
      while (this.failed === null && !(this.exhausted && this.inFlight === 0)) {
        const blocked = this.work.blocked(this.wakeUp);
        if (!blocked && !this.exhausted && this.inFlight < limit && this.chunks - this.nextMerge < window) {
          const next = this.pendingFirst ?? (await this.read());
          this.pendingFirst = null;
          if (this.failed !== null) break;
          if (next === null) this.exhausted = true;
          else this.dispatch(next);
          continue;
        }
        if (this.inFlight === 0 && !blocked && !this.exhausted) {
          throw new ChunkmillError({ code: 'ERR_INTERNAL', message: `Stream run stalled at chunk ${this.nextMerge}` });
        }
        await this.sleep();
      }
      // Every chunk read must have been merged: a gap in chunk indexes would be a silent truncation.
      if (this.failed === null && (this.nextMerge !== this.chunks || this.parsed.size > 0)) {
        throw new ChunkmillError({ code: 'ERR_INTERNAL', message: `Stream run ended with ${this.chunks} chunks read and ${this.nextMerge} merged` });
      }
    });
  }

  /** A failed run does not wait for a read in progress (a failed read itself fails the run too). */
  protected override onFail(): void {
    this.abandonRead?.();
  }

  /**
   * The next chunk, or null if the run fails first: a read may wait indefinitely (an idle pipe,
   * a terminal), a cancel must not. (Not Promise.race with a promise that lives as long as the
   * run: each race's result, a whole chunk, stayed reachable from it: 2 GB of stream, 2 GB held.)
   */
  private read(): Promise<SourceChunk | null> {
    return new Promise<SourceChunk | null>((resolve, reject) => {
      this.abandonRead = () => resolve(null);
      this.reader.next().then(resolve, reject).finally(() => (this.abandonRead = null));
    });
  }

  private dispatch({ chunk, bytes, rows }: SourceChunk): void {
    this.chunks++;
    const make = () => {
      const port = this.work.controlPort();
      const common = { chunkIndex: chunk.index, dialect: dialectOf(this.opts), work: this.work.spec, maxRecordSize: this.opts.maxRecordSize, ...(port !== undefined ? { port } : {}) };
      const transferList: TransferListItem[] = port !== undefined ? [port] : [];
      if (rows !== undefined) return { task: { op: 'parseRows', rows, ...common } satisfies ParseRowsTask, transferList };
      // Bytes are transferred, not cloned. With retries on, a copy goes and the original stays
      // here until the chunk is merged, since a worker that dies takes what it was given with it.
      const sent = this.opts.retries > 0 ? bytes!.slice() : bytes!;
      transferList.push(sent.buffer as ArrayBuffer);
      return { task: { op: 'parseBytes', format: this.reader.format === 'ndjson' ? 'ndjson' : 'csv', bytes: sent, ...common } satisfies ParseBytesTask, transferList };
    };
    this.track(this.dispatcher.run(chunk.index, make), (reply) => {
      if ('error' in reply) throw locate(reply.error, 0, this.opts.path, chunk.index);
      if (!('parsed' in reply)) throw new ChunkmillError({ code: 'ERR_INTERNAL', message: 'A stream chunk got a summary reply' });
      this.parsed.set(chunk.index, { out: reply.parsed, chunk });
      this.mergeReady();
    });
  }

  private mergeReady(): void {
    for (let entry = this.parsed.get(this.nextMerge); entry !== undefined && this.failed === null; entry = this.parsed.get(this.nextMerge)) {
      const { out, chunk } = entry;
      this.parsed.delete(chunk.index);
      if (out.error !== undefined) throw this.chunkError(out.error, chunk);
      this.work.merger.add(out.partial, chunk.index);
      if (out.rejects !== undefined) this.work.report(out.rejects, this.linesBefore);
      this.linesBefore += out.lines;
      this.nextMerge++;
      this.progress.add(chunk.length, out.rows, 1);
      this.job.emit('chunk', { index: chunk.index, start: chunk.offset, end: chunk.offset + chunk.length, rows: out.rows });
    }
  }

  private chunkError(error: ErrorData, chunk: StreamChunk): ChunkmillError {
    const shifted = { ...error, ...(error.byteOffset !== undefined ? { byteOffset: chunk.offset + error.byteOffset } : {}) };
    if (error.code === 'ERR_CSV_UNCLOSED_QUOTE' && !chunk.last) {
      const at = { file: this.opts.path, line: this.linesBefore + (error.localLine ?? 0) + 1, byteOffset: shifted.byteOffset ?? chunk.offset, chunkIndex: chunk.index };
      return new ChunkmillError({
        code: 'ERR_CSV_QUOTE_MISMATCH',
        ...at,
        message: `Quote characters do not pair up: a quote inside an unquoted field (like 5'11")${describeLocation(at)}`,
        hint: 'a stream cannot be re-read: save it to a file, where onQuoteMismatch: "sequential" handles this',
      });
    }
    return locate(shifted, this.linesBefore, this.opts.path, chunk.index);
  }
}
