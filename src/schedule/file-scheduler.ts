/**
 * The file scheduler, on the caller's thread (schedule-file.ts plans and finishes around it):
 * resolve boundaries -> dispatch -> merge. It never reads the data (workers do) and never blocks: everything here is a few
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
import type { ChunkReply, ChunkRequest, InputIdentity, ParseOutcome, ParseRequest } from '../exec/protocol.js';
import type { ChunkRange, FilePlan } from '../plan/file-plan.js';
import type { Checkpoint } from './checkpoint.js';
import type { ContentCheck } from './content-check.js';
import { DatasetChunks } from './dataset-chunks.js';
import { locatedError, quoteMismatch, quoteMismatchText } from './located-error.js';
import { Scheduler, type SchedulerRun } from './scheduler.js';

/**
 * One job's scheduling state. A parsed chunk is its outcome, or null for a chunk that owns no
 * record (a longer record covers it).
 */
export class FileScheduler extends Scheduler<ParseOutcome | null> {
  /** A quote mismatch switched the job to sequential parsing (reported in its stats). */
  fallback = false;
  /**
   * Boundaries come from parsing in order (each chunk from where the previous one ended), not
   * from quote parity: after a fallback, and from the start with one worker unless every chunk's
   * summary comes with its parse in one read (readsOnce). One worker parses in order anyway, so
   * a separate phase A would only read every byte once more; but in order, its thread waits for
   * the coordinator between chunks (~0.57 ms a chunk, ~3% of an 8 MiB chunk's parse), while a
   * summary read with the parse costs a quote count at ~37 GB/s and keeps two requests in flight:
   * 1-worker group-by on 200 MB, 0.93-0.98× the time (bench/ab.ts --workers 1 --warm).
   */
  private sequential: boolean;
  /** Chunks whose outcome came from the checkpoint journal. */
  resumed = 0;
  private readonly chunks: DatasetChunks;
  /** Exact first record start per chunk (-1: owns nothing), once stitched. */
  private readonly starts: number[] = [];
  private readonly parseQueue: number[] = [];
  /** Parses that came with a summary (summaryRequest), until the chunk's start is known. */
  private readonly speculative = new Map<number, { from: number; outcome: ParseOutcome }>();
  private nextSummary = 0;
  /** Where the merged records end: the next chunk must start here. */
  private expected: number;

  constructor(
    run: SchedulerRun,
    private readonly plan: FilePlan,
    ranges: ChunkRange[],
    private readonly checkpoint: Checkpoint | undefined,
    private readonly content: ContentCheck | null,
    oneWorker: boolean,
  ) {
    super(run, plan.sources[0]!.layout.headerLines);
    this.sequential = oneWorker && !plan.sources.every((s) => this.readsOnce(s.input));
    this.chunks = new DatasetChunks(plan, ranges);
    this.expected = plan.sources[0]!.layout.dataStart;
  }

  execute(): Promise<void> {
    if (this.sequential) this.parseNextSequentially();
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
      // Parsing in order, a stale reply may already have answered a queued chunk: drop it.
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
      } else if (!this.sequential && this.nextSummary < this.chunks.length) {
        const k = this.nextSummary++;
        const summary = this.summaryRequest(k);
        if (this.chunks.alone(k)) {
          // Its records start at its source's first data byte, and no later chunk of its source
          // needs its parity: no phase A (a dataset of small files is read once, not twice; with
          // the parse in one read, its quote count is still work for nothing).
          this.located(k, this.chunks.sourceOf(k).layout.dataStart);
          this.mergeReady();
          continue;
        }
        this.dispatch(
          k,
          () => ({ ...summary }),
          (reply) => this.receive(k, summary, reply),
        );
      } else break;
    }
  }

  /**
   * Queues chunk k for parsing, keeping the queue in chunk order: the sources of a dataset resolve
   * their boundaries independently, so a later file's chunks may be ready first, and launch() only
   * looks at the head (a later chunk there, outside the merge window, would block an earlier one).
   */
  private queueParse(k: number): void {
    const queue = this.parseQueue;
    let at = queue.length;
    while (at > 0 && queue[at - 1]! > k) at--;
    queue.splice(at, 0, k);
  }

  /**
   * Whether phase A for a chunk of `input` comes with the parse from its likely start in the same
   * read (summarizeParse: protocol.ts says why; a local file's chunk too, input/file-chunk.ts):
   * under a built-in aggregate, except for a local file under verify: 'content', whose parse also
   * computes a CRC. User code is not run speculatively: a parse that is thrown away would have
   * logged, or written, for nothing.
   */
  private readsOnce(input: InputIdentity): boolean {
    return this.plan.computation.spec.kind === 'aggregate' && (input.object !== undefined || this.content === null);
  }

  /** Phase A for chunk k, with its parse where readsOnce. */
  private summaryRequest(k: number): ChunkRequest {
    const { start, end } = this.chunks.range(k);
    const { input, layout } = this.chunks.sourceOf(k);
    const { dialect, computation } = this.plan;
    const common = { input, start, end, quote: dialect.quote };
    if (!this.readsOnce(input)) return { op: 'summarize', ...common };
    return {
      op: 'summarizeParse',
      ...common,
      chunkIndex: k,
      dialect,
      computation: computation.spec,
      maxRecordSize: this.opts.maxRecordSize,
      ...(this.chunks.startsSource(k) && { from: layout.dataStart }),
      ...this.chunks.remapOf(k),
    };
  }

  private parseRequest(k: number, start: number): ParseRequest {
    const { dialect, computation } = this.plan;
    return {
      op: 'parse',
      chunkIndex: k,
      input: this.chunks.sourceOf(k).input,
      start,
      end: this.chunks.range(k).end,
      dialect,
      computation: computation.spec,
      maxRecordSize: this.opts.maxRecordSize,
      ...(this.content !== null && { crcFrom: this.chunks.range(k).start }),
      ...this.chunks.remapOf(k),
    };
  }

  private receive(k: number, request: ChunkRequest, reply: ChunkReply): void {
    if ('summary' in reply) {
      if (this.sequential) return; // boundaries no longer come from parity
      if (reply.speculative !== undefined) this.speculative.set(k, reply.speculative);
      for (const { index, start } of this.chunks.stitch(k, reply.summary)) this.located(index, start);
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

  /** Chunk `index`'s first record start is known: take its outcome from where there is one, or queue its parse. */
  private located(index: number, start: number): void {
    this.starts[index] = start;
    const journaled = this.checkpoint?.done.get(index);
    const guess = this.speculative.get(index);
    this.speculative.delete(index);
    if (start < 0) {
      this.parsed.set(index, null);
    } else if (journaled !== undefined && journaled.start === start) {
      this.parsed.set(index, journaled.outcome); // done before a crash: not parsed again
      this.resumed++;
    } else if (guess !== undefined && guess.from === start) {
      this.parsed.set(index, guess.outcome); // parsed with its summary, from the start it has
    } else {
      this.queueParse(index);
    }
  }

  /** Parsing in order, only the answer to the request asked for last (chunk k from `start`) counts. */
  private stale(k: number, start: number): boolean {
    return this.sequential && (k !== this.nextMerge || start !== this.expected);
  }

  /** verify: 'content': the chunk waits (counted in flight) until its bytes agree with the coordinator's copy. */
  private checkContent(k: number, start: number, parsed: ParseOutcome): void {
    this.inFlight++;
    const { source, start: from } = this.chunks.range(k);
    this.content!.check(k, source, from, parsed.next, parsed.crc).then(
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
    const chunk = this.chunks.range(k);
    if (this.chunks.startsSource(k)) {
      // A new file: its records start at its own first data byte, its lines count from its header.
      const { layout } = this.chunks.sourceOf(k);
      this.expected = layout.dataStart;
      this.linesBefore = layout.headerLines;
    }
    const start = this.starts[k]!;
    const agrees = start < 0 ? this.expected >= chunk.end : start === this.expected;
    if (!agrees) {
      this.quoteMismatch(k); // throws, or switches to fallback and schedules chunk k again
      return;
    }
    this.parsed.delete(k);
    if (out !== null) {
      if (out.error !== undefined)
        throw locatedError(out.error, this.linesBefore, this.chunks.sourceOf(k).input.path, k);
      this.checkpoint?.record({ index: k, start, outcome: out });
      this.expected = out.next;
    }
    this.merge(k, out, chunk.start, chunk.end);
    if (this.sequential) this.parseNextSequentially();
  }

  /**
   * The parser and the quote parity disagree about where chunk k's records start: a quote inside
   * an unquoted field. Boundaries from here on cannot be trusted.
   */
  private quoteMismatch(k: number): void {
    const at = {
      file: this.chunks.sourceOf(k).input.path,
      line: this.linesBefore + 1,
      byteOffset: this.expected,
      chunkIndex: k,
    };
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
    this.sequential = true;
    this.parsed.clear();
    this.speculative.clear();
    this.parseQueue.length = 0;
    this.parseNextSequentially();
  }

  /** Fallback: parse the next chunk from where the previous one ended, one at a time. */
  private parseNextSequentially(): void {
    const k = this.nextMerge;
    if (k >= this.chunks.length) return;
    // A source's first chunk starts at its first data byte (mergeNext will expect it there too).
    if (this.chunks.startsSource(k)) this.expected = this.chunks.sourceOf(k).layout.dataStart;
    const from = this.expected;
    const journaled = this.checkpoint?.done.get(k);
    if (journaled !== undefined && journaled.start === from) {
      this.starts[k] = from;
      this.parsed.set(k, journaled.outcome); // done before a crash: not parsed again
      this.resumed++;
    } else if (from < this.chunks.range(k).end) {
      this.starts[k] = from;
      this.parseQueue.push(k);
    } else {
      this.starts[k] = -1; // the previous record covers this whole chunk
      this.parsed.set(k, null);
    }
  }
}
