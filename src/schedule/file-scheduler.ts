/**
 * The file scheduler, on the caller's thread: plan -> resolve boundaries -> dispatch -> merge ->
 * finalize. It never reads the data (workers do) and never blocks: everything here is a few
 * bookkeeping steps per chunk, between awaits.
 *
 *   for each chunk, in order:  summarize (phase A, worker) ──stitch──> parse (phase B, worker)
 *                                                                          │
 *   merge in chunk order <── verify the chunk started where the previous one ended
 *
 * Work in flight is bounded (IN_FLIGHT_PER_THREAD requests per executor thread), parse requests go
 * before summaries so results merge early, and parsed partials wait at most for the slowest
 * chunk ahead.
 */
import type { JobReporter } from '../api/events.js';
import { BoundaryStitcher } from '../csv/boundary.js';
import type { ExecutorProvider } from '../exec/executor.js';
import type { ChunkReply, ChunkRequest, ParseOutcome, ParseRequest } from '../exec/protocol.js';
import { chunkRanges, planFile, type ChunkRange, type FilePlan } from '../plan/file-plan.js';
import { finalStats } from '../plan/final-stats.js';
import type { ResolvedOptions } from '../plan/resolved-options.js';
import { Checkpoint, checkpointKey } from './checkpoint.js';
import { ContentCheck } from './content-check.js';
import { locatedError, quoteMismatch, quoteMismatchText } from './located-error.js';
import { ProgressTracker } from './progress-tracker.js';
import { endedAt, Scheduler, type SchedulerRun, withExecutor } from './scheduler.js';

/** Runs a job over a file: plans byte-range chunks, then schedules, merges and finishes. */
export async function scheduleFile(
  opts: ResolvedOptions,
  path: string,
  reporter: JobReporter,
  signal: AbortSignal,
  executors: ExecutorProvider,
): Promise<unknown> {
  const plan = await planFile(opts, path, reporter);
  const { layout, computation } = plan;
  let progress: ProgressTracker | null = null;
  let checkpoint: Checkpoint | undefined;
  const content = opts.verify === 'content' ? new ContentCheck(plan.input) : null;
  try {
    signal.throwIfAborted();
    const { chunkSize, chunks } = chunkRanges(layout, opts.chunkSize);
    const workers = Math.max(1, Math.min(opts.workers, chunks.length));
    reporter.emit('start', {
      input: path,
      bytesTotal: layout.size,
      chunksTotal: chunks.length,
      chunkSize,
      workers,
      columns: layout.columns,
    });
    progress = new ProgressTracker(
      (p) => reporter.emit('progress', p),
      layout.size,
      chunks.length,
      opts.progressInterval,
    );
    progress.add(layout.dataStart, 0, 0);
    let fallback = false;
    let resumed = 0;
    if (chunks.length === 0) {
      signal.throwIfAborted(); // a 'start' listener may have cancelled
    } else {
      if (opts.checkpoint !== undefined)
        checkpoint = await Checkpoint.open(
          opts.checkpoint,
          checkpointKey(opts, path, layout.size, layout.mtimeMs, chunkSize),
        );
      const tracker = progress;
      await withExecutor(executors, workers, async (executor) => {
        const run = { opts, signal, reporter, computation, executor, progress: tracker };
        const scheduler = new FileScheduler(run, plan, chunks, checkpoint, content);
        await scheduler.execute();
        fallback = scheduler.fallback;
        resumed = scheduler.resumed;
      });
    }
    progress.finish();
    const result = await computation.finish(
      finalStats(
        computation.merger,
        layout.size,
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

/**
 * One job's scheduling state. A parsed chunk is its outcome, or null for a chunk that owns no
 * record (a longer record covers it).
 */
class FileScheduler extends Scheduler<ParseOutcome | null> {
  fallback = false;
  /** Chunks whose outcome came from the checkpoint journal. */
  resumed = 0;
  private readonly stitcher: BoundaryStitcher;
  /** Exact first record start per chunk (-1: owns nothing), once stitched. */
  private readonly starts: number[] = [];
  private readonly parseQueue: number[] = [];
  private nextSummary = 0;
  /** Where the merged records end: the next chunk must start here. */
  private expected: number;

  constructor(
    run: SchedulerRun,
    private readonly plan: FilePlan,
    private readonly chunks: ChunkRange[],
    private readonly checkpoint: Checkpoint | undefined,
    private readonly content: ContentCheck | null,
  ) {
    super(run, plan.layout.headerLines);
    this.stitcher = new BoundaryStitcher(chunks.length, plan.layout.dataStart);
    this.expected = plan.layout.dataStart;
  }

  execute(): Promise<void> {
    return this.loop(
      () => this.nextMerge >= this.chunks.length,
      () => {
        this.launch();
        return undefined;
      },
    );
  }

  private launch(): void {
    const limit = this.inFlightLimit;
    const window = this.mergeWindow;
    while (this.inFlight < limit && this.failed === null) {
      const head = this.parseQueue[0];
      // In fallback mode a stale reply may already have answered a queued chunk: drop it.
      if (head !== undefined && (head < this.nextMerge || this.parsed.has(head))) {
        this.parseQueue.shift();
        continue;
      }
      if (head !== undefined && head < this.nextMerge + window) {
        this.parseQueue.shift();
        const request = this.parseRequest(head, this.starts[head]!);
        this.dispatch(
          head,
          () => ({ ...request }),
          (reply) => this.receive(head, request, reply),
        );
      } else if (!this.fallback && this.nextSummary < this.chunks.length) {
        const k = this.nextSummary++;
        const summary: ChunkRequest = {
          op: 'summarize',
          input: this.plan.input,
          ...this.chunks[k]!,
          quote: this.plan.dialect.quote,
        };
        this.dispatch(
          k,
          () => ({ ...summary }),
          (reply) => this.receive(k, summary, reply),
        );
      } else break;
    }
  }

  private parseRequest(k: number, start: number): ParseRequest {
    const { input, dialect, computation } = this.plan;
    return {
      op: 'parse',
      chunkIndex: k,
      input,
      start,
      end: this.chunks[k]!.end,
      dialect,
      computation: computation.spec,
      maxRecordSize: this.opts.maxRecordSize,
      ...(this.content !== null && { crcFrom: this.chunks[k]!.start }),
    };
  }

  private receive(k: number, request: ChunkRequest, reply: ChunkReply): void {
    if ('summary' in reply) {
      if (this.fallback) return; // boundaries no longer come from parity
      for (const { index, start } of this.stitcher.add(k, reply.summary)) {
        this.starts[index] = start;
        const journaled = this.checkpoint?.done.get(index);
        if (start < 0) {
          this.parsed.set(index, null);
        } else if (journaled !== undefined && journaled.start === start) {
          this.parsed.set(index, journaled.outcome); // done before a crash: not parsed again
          this.resumed++;
        } else {
          this.parseQueue.push(index);
        }
      }
    } else if ('parsed' in reply) {
      const { start } = request as ParseRequest;
      if (this.stale(k, start)) return;
      if (this.content !== null && reply.parsed.error === undefined) {
        this.checkContent(k, start, reply.parsed); // merged once its bytes are checked
        return;
      }
      this.parsed.set(k, reply.parsed);
    }
    this.mergeReady();
  }

  /** In fallback mode, only the answer to the request asked for last (chunk k from `start`) counts. */
  private stale(k: number, start: number): boolean {
    return this.fallback && (k !== this.nextMerge || start !== this.expected);
  }

  /** verify: 'content': the chunk waits (counted in flight) until its bytes agree with the coordinator's copy. */
  private checkContent(k: number, start: number, parsed: ParseOutcome): void {
    this.inFlight++;
    this.content!.check(k, this.chunks[k]!.start, parsed.next, parsed.crc).then(
      () => {
        this.inFlight--;
        if (this.failed !== null || this.stale(k, start)) return;
        this.parsed.set(k, parsed);
        this.mergeReady();
        this.wakeUp();
      },
      (e: unknown) => {
        this.inFlight--;
        this.fail(e);
      },
    );
  }

  /** Merges chunk k, the next in order, once it agrees it starts where the previous one ended. */
  protected mergeNext(k: number, out: ParseOutcome | null): void {
    const chunk = this.chunks[k]!;
    const start = this.starts[k]!;
    const agrees = start < 0 ? this.expected >= chunk.end : start === this.expected;
    if (!agrees) {
      this.quoteMismatch(k); // throws, or switches to fallback and schedules chunk k again
      return;
    }
    this.parsed.delete(k);
    if (out !== null) {
      if (out.error !== undefined) throw locatedError(out.error, this.linesBefore, this.opts.path, k);
      this.checkpoint?.record({ index: k, start, outcome: out });
      this.expected = out.next;
    }
    this.merge(k, out, chunk.start, chunk.end);
    if (this.fallback) this.parseNextSequentially();
  }

  /**
   * The parser and the quote parity disagree about where chunk k's records start: a quote inside
   * an unquoted field. Boundaries from here on cannot be trusted.
   */
  private quoteMismatch(k: number): void {
    const at = { file: this.opts.path, line: this.linesBefore + 1, byteOffset: this.expected, chunkIndex: k };
    const where = ` before byte ${this.expected}`;
    if (this.opts.onQuoteMismatch === 'error')
      throw quoteMismatch(at, where, 'onQuoteMismatch: "sequential" parses such files sequentially from that point');
    this.reporter.emit('warning', {
      code: 'WARN_QUOTE_MISMATCH',
      message: `${quoteMismatchText(where)}; parsing sequentially from line ${at.line}`,
      byteOffset: at.byteOffset,
      line: at.line,
    });
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
      this.parsed.set(k, null);
    }
  }
}
