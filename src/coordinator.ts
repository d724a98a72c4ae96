/**
 * The coordinator, on the caller's thread: plan -> resolve boundaries -> dispatch -> merge ->
 * finalize. It never reads the data (workers do) and never blocks: everything here is a few
 * bookkeeping steps per chunk, between awaits.
 *
 *   for each chunk, in order:  summarize (phase A, worker) ──stitch──> parse (phase B, worker)
 *                                                                          │
 *   merge in chunk order <── verify the chunk started where the previous one ended
 *
 * Work in flight is bounded (IN_FLIGHT_PER_WORKER tasks per worker), parse tasks go before
 * summaries so results merge early, and parsed partials wait at most for the slowest chunk ahead.
 */
import { Piscina } from 'piscina';
import { AbortError, ChunkmillError, describeLocation, fromData, type ErrorData } from './errors.js';
import { inspectInput, withDelimiterHint, type InputLayout } from './csv/dialect.js';
import { BoundaryStitcher } from './csv/boundary.js';
import type { Dialect } from './csv/scanner.js';
import { ProgressTracker, type Job, type JobStats } from './job.js';
import type { ResolvedOptions } from './options.js';
import { emptyPartial } from './tasks/aggregate.js';
import { Checkpoint, checkpointKey } from './checkpoint.js';
import { Dispatcher } from './dispatch.js';
import { Scheduler } from './scheduler.js';
import { openWork, type ChunkMerger, type JobWork } from './work.js';
import type { InputIdentity, ParseOutcome, ParseTask, WorkerReply, WorkerTask } from './worker.js';

/** Two tasks per worker: one running, one queued, so no worker waits on a round trip. */
export const IN_FLIGHT_PER_WORKER = 2;
/**
 * Reorder window: no chunk is parsed more than this many chunks (per worker) ahead of the merge
 * point, so a slow chunk holds back at most a few partials (or output blocks) instead of the rest
 * of the file's.
 */
export const MERGE_AHEAD_PER_WORKER = 4;
/** 64 Ki chunks: ~16 KiB chunks for 1 GB, still far more chunks than workers. */
const MAX_CHUNKS = 1 << 16;
export const WORKER_FILE = new URL('./worker.js', import.meta.url).href;
/** The outcome of a chunk that owns no record (a longer record covers it). */
const EMPTY_CHUNK: ParseOutcome = { next: -1, rows: 0, lines: 0, partial: emptyPartial() };

/** Everything both the parallel and the serial path derive from the options before any work. */
export interface Prepared {
  layout: InputLayout;
  dialect: Dialect;
  work: JobWork;
  input: InputIdentity;
}

export function dialectOf(opts: ResolvedOptions): Dialect {
  return { delimiter: opts.delimiter.charCodeAt(0), quote: opts.quote.charCodeAt(0) };
}

export async function prepare(opts: ResolvedOptions, path: string, job: Job<unknown> | null): Promise<Prepared> {
  const dialect = dialectOf(opts);
  const layout = await inspectInput(path, dialect, opts.header, opts.maxRecordSize);
  // "a;b;c" read with ',' is one column: an unknown column then gets the likely delimiter as a hint.
  const work = await openWork(opts, layout.columns, job).catch((e: unknown) => {
    throw withDelimiterHint(e, layout);
  });
  return { layout, dialect, work, input: { path, size: layout.size, mtimeMs: layout.mtimeMs } };
}

/** Turns a worker's error data into a ChunkmillError with the file line. */
export function locate(data: ErrorData, linesBefore: number, file: string, chunkIndex?: number): ChunkmillError {
  const { localLine, ...rest } = data;
  const line = localLine !== undefined ? linesBefore + localLine + 1 : rest.line;
  const located = { ...rest, file, ...(line !== undefined ? { line } : {}), ...(chunkIndex !== undefined ? { chunkIndex } : {}) };
  // Errors about the file as a whole (missing, changed) already name it and have no position.
  const positioned = line !== undefined || rest.byteOffset !== undefined;
  return fromData({ ...located, message: positioned ? data.message + describeLocation(located) : data.message });
}

export function finalStats(merger: ChunkMerger, bytes: number, chunks: number, workers: number, elapsedMs: number, fallback: boolean, chunksResumed = 0): JobStats {
  const { rowsUsed, rowsRejected, valuesSkipped } = merger;
  return { rows: rowsUsed + rowsRejected, rowsUsed, rowsRejected, valuesSkipped, bytes, chunks, workers, elapsedMs, sequentialFallback: fallback, chunksResumed };
}

/** Node 20.17+ knows the flag (older versions have no require(esm) and would refuse it). */
const NO_REQUIRE_ESM = process.allowedNodeEnvironmentFlags.has('--experimental-require-module') ? ['--no-experimental-require-module'] : [];

/** A Piscina pool for one job: exactly `workers` threads that live as long as the job. */
export function createPool(opts: ResolvedOptions, workers: number): Piscina<WorkerTask, WorkerReply> {
  const pool = new Piscina<WorkerTask, WorkerReply>({
    filename: WORKER_FILE,
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: 60_000, // the pool lives for one job; workers must not die between its tasks
    // Workers run compiled JS and need none of the host's flags. Inherited, a loader flag (tsx,
    // ts-node) cost each worker ~230 ms of start-up, and a V8 flag (--interrupt-budget=...) made
    // worker creation throw ERR_WORKER_INVALID_EXEC_ARGV. V8 flags are process-wide anyway.
    // --no-experimental-require-module: Piscina loads the worker with require(), which on Node
    // 20.19+ loads ESM synchronously; a thread terminated by destroy() in the middle of that aborts
    // the whole process (V8 "IsGraphAsync must be used on an instantiated module"). Without
    // require(esm) Piscina falls back to import(), which a termination ends cleanly.
    execArgv: NO_REQUIRE_ESM,
    ...(opts.workerResourceLimits !== undefined ? { resourceLimits: opts.workerResourceLimits } : {}),
  });
  // Replies still on their way when the pool is destroyed surface as pool 'error' events; the job
  // has already failed or finished by then, and an unheard 'error' would crash the host process.
  pool.on('error', () => {});
  return pool;
}

/** Runs a job over a file: plans byte-range chunks, then schedules, merges and finishes. */
export async function runFile(opts: ResolvedOptions, path: string, job: Job<unknown>, signal: AbortSignal): Promise<unknown> {
  const prepared = await prepare(opts, path, job);
  const { layout, work } = prepared;
  let progress: ProgressTracker | null = null;
  let checkpoint: Checkpoint | undefined;
  try {
    signal.throwIfAborted();
    // Every chunk size gives the same result, so a size that would make more than MAX_CHUNKS chunks
    // is raised: per-chunk bookkeeping on this thread stays bounded (chunkSize 1 on 1 GB is fine).
    const chunkSize = Math.max(opts.chunkSize, Math.ceil((layout.size - layout.dataStart) / MAX_CHUNKS));
    const chunks: { start: number; end: number }[] = [];
    for (let s = layout.dataStart; s < layout.size; s += chunkSize) chunks.push({ start: s, end: Math.min(s + chunkSize, layout.size) });
    const workers = Math.max(1, Math.min(opts.workers, chunks.length));
    job.emit('start', { input: path, bytesTotal: layout.size, chunksTotal: chunks.length, chunkSize, workers, columns: layout.columns });
    progress = new ProgressTracker((p) => job.emit('progress', p), layout.size, chunks.length, opts.progressInterval);
    progress.add(layout.dataStart, 0, 0);
    let fallback = false;
    let resumed = 0;
    if (chunks.length === 0) {
      signal.throwIfAborted(); // a 'start' listener may have cancelled
    } else {
      if (opts.checkpoint !== undefined) checkpoint = await Checkpoint.open(opts.checkpoint, checkpointKey(opts, path, layout.size, layout.mtimeMs, chunkSize));
      const pool = createPool(opts, workers);
      const dispatcher = new Dispatcher(pool, opts, job, signal);
      try {
        const run = new ChunkRun(opts, prepared, chunks, pool, dispatcher, signal, job, progress, checkpoint);
        await run.execute();
        fallback = run.fallback;
        resumed = run.resumed;
      } finally {
        dispatcher.close();
        await pool.destroy();
      }
    }
    progress.finish();
    const result = await work.finish(finalStats(work.merger, layout.size, chunks.length, chunks.length === 0 ? 0 : workers, progress.elapsedMs(), fallback, resumed));
    await checkpoint?.close(true);
    return result;
  } catch (e) {
    progress?.stop();
    await Promise.all([work.abandon(), checkpoint?.close(false)]);
    throw e instanceof AbortError && progress !== null ? e.at(progress.current()) : e;
  }
}

/** One job's scheduling state. */
class ChunkRun extends Scheduler {
  fallback = false;
  /** Chunks whose outcome came from the checkpoint journal. */
  resumed = 0;
  private readonly stitcher: BoundaryStitcher;
  /** Exact first record start per chunk (-1: owns nothing), once stitched. */
  private readonly starts: number[] = [];
  private readonly parsed = new Map<number, ParseOutcome>();
  private readonly parseQueue: number[] = [];
  private nextSummary = 0;
  private nextMerge = 0;
  /** Where the merged records end: the next chunk must start here. */
  private expected: number;
  private linesBefore: number;

  constructor(
    private readonly opts: ResolvedOptions,
    private readonly prepared: Prepared,
    private readonly chunks: { start: number; end: number }[],
    private readonly pool: Piscina<WorkerTask, WorkerReply>,
    private readonly dispatcher: Dispatcher,
    signal: AbortSignal,
    private readonly job: Job<unknown>,
    private readonly progress: ProgressTracker,
    private readonly checkpoint: Checkpoint | undefined,
  ) {
    super(signal, prepared.work);
    this.stitcher = new BoundaryStitcher(chunks.length, prepared.layout.dataStart);
    this.expected = prepared.layout.dataStart;
    this.linesBefore = prepared.layout.headerLines;
  }

  execute(): Promise<void> {
    return this.guarded(async () => {
      while (this.nextMerge < this.chunks.length && this.failed === null) {
        const blocked = this.prepared.work.blocked(this.wakeUp);
        if (!blocked) this.launch();
        if (this.inFlight === 0 && !blocked) throw new ChunkmillError({ code: 'ERR_INTERNAL', message: `Scheduler stalled at chunk ${this.nextMerge}` });
        await this.sleep();
      }
    });
  }

  private launch(): void {
    const limit = this.pool.maxThreads * IN_FLIGHT_PER_WORKER;
    const window = this.pool.maxThreads * MERGE_AHEAD_PER_WORKER;
    while (this.inFlight < limit && this.failed === null) {
      const head = this.parseQueue[0];
      // In fallback mode a stale reply may already have answered a queued chunk: drop it.
      if (head !== undefined && (head < this.nextMerge || this.parsed.has(head))) {
        this.parseQueue.shift();
        continue;
      }
      if (head !== undefined && head < this.nextMerge + window) {
        this.parseQueue.shift();
        this.dispatch(head, () => this.parseTask(head, this.starts[head]!));
      } else if (!this.fallback && this.nextSummary < this.chunks.length) {
        const k = this.nextSummary++;
        const summary: WorkerTask = { op: 'summarize', input: this.prepared.input, ...this.chunks[k]!, quote: this.prepared.dialect.quote };
        this.dispatch(k, () => summary);
      } else break;
    }
  }

  private parseTask(k: number, start: number): ParseTask {
    const { input, dialect, work } = this.prepared;
    const port = work.controlPort();
    return { op: 'parse', chunkIndex: k, input, start, end: this.chunks[k]!.end, dialect, work: work.spec, maxRecordSize: this.opts.maxRecordSize, ...(port !== undefined ? { port } : {}) };
  }

  /** `make` builds the task for each attempt (a parse task's control port is new each time). */
  private dispatch(k: number, make: () => WorkerTask): void {
    const first = make();
    let task: WorkerTask | null = first;
    // No per-task signal for cancelling: aborting a running task makes Piscina replace the worker
    // behind the pool's back. Cancelling fails the run; destroy() then stops all.
    const reply = this.dispatcher.run(k, () => {
      const t = task ?? make();
      task = null;
      const port = t.op !== 'summarize' ? t.port : undefined;
      return { task: t, ...(port !== undefined ? { transferList: [port] } : {}) };
    });
    this.track(reply, (r) => this.receive(k, first, r));
  }

  private receive(k: number, task: WorkerTask, reply: WorkerReply): void {
    if ('error' in reply) throw locate(reply.error, 0, this.opts.path, k);
    if ('summary' in reply) {
      if (this.fallback) return; // boundaries no longer come from parity
      for (const { index, start } of this.stitcher.add(k, reply.summary)) {
        this.starts[index] = start;
        const journaled = this.checkpoint?.done.get(index);
        if (start < 0) {
          this.parsed.set(index, EMPTY_CHUNK);
        } else if (journaled !== undefined && journaled.start === start) {
          this.parsed.set(index, journaled.outcome); // done before a crash: not parsed again
          this.resumed++;
        } else {
          this.parseQueue.push(index);
        }
      }
    } else {
      // In fallback mode, only the answer to the task asked for last counts.
      if (this.fallback && (k !== this.nextMerge || (task as ParseTask).start !== this.expected)) return;
      this.parsed.set(k, reply.parsed);
    }
    this.mergeReady();
  }

  /** Merges parsed chunks in order, checking each started where the previous one ended. */
  private mergeReady(): void {
    // `failed` is re-checked each turn: a 'chunk' listener may cancel the job mid-loop.
    for (let out = this.parsed.get(this.nextMerge); out !== undefined && this.failed === null; out = this.parsed.get(this.nextMerge)) {
      const k = this.nextMerge;
      const chunk = this.chunks[k]!;
      const start = this.starts[k]!;
      const agrees = start < 0 ? this.expected >= chunk.end : start === this.expected;
      if (!agrees) {
        this.quoteMismatch(k); // throws, or switches to fallback and schedules chunk k again
        continue;
      }
      this.parsed.delete(k);
      if (out.error !== undefined) throw locate(out.error, this.linesBefore, this.opts.path, k);
      if (start >= 0) {
        this.prepared.work.merger.add(out.partial, k); // a chunk that owns no record has no partial
        if (out.rejects !== undefined) this.prepared.work.report(out.rejects, this.linesBefore);
        this.checkpoint?.record({ index: k, start, outcome: out });
        this.expected = out.next;
        this.linesBefore += out.lines;
      }
      this.nextMerge++;
      this.progress.add(chunk.end - chunk.start, out.rows, 1);
      this.job.emit('chunk', { index: k, start: chunk.start, end: chunk.end, rows: out.rows });
      if (this.fallback) this.parseNextSequentially();
    }
  }

  /**
   * The parser and the quote parity disagree about where chunk k's records start: a quote inside
   * an unquoted field. Boundaries from here on cannot be trusted.
   */
  private quoteMismatch(k: number): void {
    const at = { file: this.opts.path, line: this.linesBefore + 1, byteOffset: this.expected, chunkIndex: k };
    const what = `Quote characters do not pair up before byte ${this.expected}: a quote inside an unquoted field (like 5'11")`;
    if (this.opts.onQuoteMismatch === 'error') {
      throw new ChunkmillError({ code: 'ERR_CSV_QUOTE_MISMATCH', ...at, message: what + describeLocation(at), hint: 'onQuoteMismatch: "sequential" parses such files sequentially from that point' });
    }
    this.job.emit('warning', { code: 'WARN_QUOTE_MISMATCH', message: `${what}; parsing sequentially from line ${at.line}`, byteOffset: at.byteOffset, line: at.line });
    this.fallback = true;
    this.parsed.clear();
    this.parseQueue.length = 0;
    this.parseNextSequentially();
  }

  /** Fallback: parse the next chunk from where the previous one ended, one at a time. */
  private parseNextSequentially(): void {
    const k = this.nextMerge;
    if (k >= this.chunks.length) return;
    if (this.expected < this.chunks[k]!.end) {
      this.starts[k] = this.expected;
      this.parseQueue.push(k);
    } else {
      this.starts[k] = -1; // the previous record covers this whole chunk
      this.parsed.set(k, EMPTY_CHUNK);
    }
  }
}
