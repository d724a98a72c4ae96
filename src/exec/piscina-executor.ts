/**
 * The local executor: a Piscina pool of worker threads, with the fault policies of a job.
 *
 * - `timeout`: a chunk that runs longer (counted from when a worker starts it, not from when it
 *   was queued) is aborted; Piscina ends that worker thread and starts another.
 * - `retries` (retries.ts): a worker that died or was stopped has been replaced by Piscina with a
 *   new thread, so such a retry starts clean; after a throw, the thread lived on and may take the
 *   retry (with its module state).
 * - a thread holds up to IN_FLIGHT_PER_THREAD requests that Piscina may not abort, running one
 *   and the next waiting on the thread (worker/entry.ts). When the one it runs ends the thread,
 *   the next did not fail: it is sent again (NeverStarted), with no warning and no retry spent.
 *
 * Transfers: a request's control port always, and a stream chunk's bytes (its own ArrayBuffer). With
 * retries on, a copy of the bytes goes and the original stays here, since a worker that dies takes
 * what it was given with it. A transform's request also takes a written output buffer, if one came
 * back (kinds/output/output-buffers.ts).
 */
// Node's own type, not Piscina's: this file's declarations are public (chunkmill/experimental), and
// piscina's .d.ts fails a user's exactOptionalPropertyTypes without skipLibCheck.
import { existsSync } from 'node:fs';
import type { ResourceLimits, TransferListItem } from 'node:worker_threads';
import { inspect } from 'node:util';
import { Piscina } from 'piscina';
import { AbortError, ChunkmillError } from '../errors.js';
import { take } from '../kinds/output/output-buffers.js';
import type { ControlChannel } from '../kinds/user/context.js';
import { controlPort } from './control-port.js';
import { IN_FLIGHT_PER_THREAD, type ChunkPolicy } from './executor.js';
import type { ChunkReply, ChunkRequest } from './protocol.js';
import { RetryingExecutor, withRetries } from './retries.js';

/**
 * How long a thread that is still running a request gets to end by itself before it is
 * terminated: when a pool is destroyed (a failed or cancelled job's, an engine's at close) and
 * when a request is stopped on abort. Node 20 aborts the whole process ("close before init", a
 * CHECK in node_zlib.cc) when a thread is terminated between the construction of a zlib stream
 * and its init: gzip parts start a gunzip per file, so a job failing on one file while another
 * worker opened the next hit it (test/datasets/gzip-parts.test.ts, 4 runs in 20). A file that
 * starts ends, or is well past its start, by then; a long one is still stopped.
 */
export const TERMINATE_GRACE_MS = 100;

/**
 * The worker entry, compiled next to this file's folder (Node 20 cannot load .ts workers): the one
 * file that `npm run build` bundles it into (support/bundle-worker.mjs: a fresh thread loads it in
 * about half the time of its ~80 modules), or the entry itself where there is no bundle (tsc alone).
 */
export const WORKER_FILE = existsSync(new URL('../worker/entry.bundle.js', import.meta.url))
  ? new URL('../worker/entry.bundle.js', import.meta.url).href
  : new URL('../worker/entry.js', import.meta.url).href;

/** Node 20.17+ knows the flag (older versions have no require(esm) and would refuse it). */
const NO_REQUIRE_ESM = process.allowedNodeEnvironmentFlags.has('--experimental-require-module')
  ? ['--no-experimental-require-module']
  : [];

export interface PiscinaExecutorOptions {
  threads: number;
  /** Node's Worker resourceLimits for each thread. */
  resourceLimits?: ResourceLimits | undefined;
  /**
   * Stop a running chunk's thread when its policy's signal aborts, instead of letting the chunk
   * run to its end: for a pool that outlives its jobs (a cluster worker), where a cancelled job's
   * chunks must stop while the pool goes on. Piscina replaces the stopped thread. @default false:
   * a job's own pool is destroyed when the job ends, which stops its threads anyway
   */
  stopOnAbort?: boolean;
}

interface Running {
  /** The start flags this request was given (the executor's may have been replaced since). */
  flags: Int32Array;
  slot: number;
  controller: AbortController;
  startedAt: number;
  timeout: number;
  timedOut: boolean;
}

export class PiscinaExecutor extends RetryingExecutor {
  readonly threads: number;
  private readonly stopOnAbort: boolean;
  private readonly pool: Piscina<ChunkRequest, ChunkReply>;
  /** Start flags, one Int32 per timed request in flight, reused; grown when more are in flight. */
  private flags = new Int32Array(new SharedArrayBuffer(4 * 16));
  private readonly freeSlots: number[] = Array.from({ length: 16 }, (_, i) => 15 - i);
  private readonly running = new Set<Running>();
  private watchdog: NodeJS.Timeout | null = null;
  private watchEvery = Infinity;
  private sent = 0;

  constructor(options: PiscinaExecutorOptions) {
    super();
    this.threads = options.threads;
    this.stopOnAbort = options.stopOnAbort ?? false;
    this.pool = new Piscina<ChunkRequest, ChunkReply>({
      filename: WORKER_FILE,
      minThreads: options.threads,
      maxThreads: options.threads,
      // Idle workers must not die between requests (Piscina's default would end them at once).
      idleTimeout: 60_000,
      // IN_FLIGHT_PER_THREAD requests on a thread at once: the next waits on the thread, not in
      // Piscina's queue here, and starts as the one before ends (worker/entry.ts runs them one at
      // a time). With one each, a thread waited ~1 ms a request for its next to come from this
      // thread: 2 workers were busy ~94% of a 200 MB group-by. Piscina puts no second request on
      // a thread running one it may abort (a signal: timeout, stopOnAbort), nor an abortable one
      // on a busy thread, so stopping a request never takes another one's thread with it.
      concurrentTasksPerWorker: IN_FLIGHT_PER_THREAD,
      // Workers run compiled JS and need none of the host's flags. Inherited, a loader flag (tsx,
      // ts-node) cost each worker ~230 ms of start-up, and a V8 flag (--interrupt-budget=...) made
      // worker creation throw ERR_WORKER_INVALID_EXEC_ARGV. V8 flags are process-wide anyway.
      // --no-experimental-require-module: Piscina loads the worker with require(), which on Node
      // 20.19+ loads ESM synchronously; a thread terminated by destroy() in the middle of that aborts
      // the whole process (V8 "IsGraphAsync must be used on an instantiated module"). Without
      // require(esm) Piscina falls back to import(), which a termination ends cleanly.
      execArgv: NO_REQUIRE_ESM,
      ...(options.resourceLimits !== undefined ? { resourceLimits: options.resourceLimits } : {}),
    });
    // Replies still on their way when the pool is destroyed surface as pool 'error' events; the
    // job has already failed or finished by then, and an unheard 'error' would crash the process.
    this.pool.on('error', () => {});
  }

  /**
   * Stops every thread; requests still running are abandoned, after TERMINATE_GRACE_MS to end by
   * themselves (a pool with none running stops at once).
   */
  async destroy(): Promise<void> {
    for (const until = Date.now() + TERMINATE_GRACE_MS; this.sent > 0 && Date.now() < until; )
      await new Promise((resolve) => setTimeout(resolve, 5));
    if (this.watchdog !== null) clearInterval(this.watchdog);
    this.watchdog = null;
    await this.pool.destroy();
  }

  protected async attempt(
    chunkIndex: number,
    request: ChunkRequest,
    policy: ChunkPolicy,
    control: ControlChannel | undefined,
  ): Promise<ChunkReply> {
    this.sent++;
    try {
      return await this.send(chunkIndex, request, policy, control);
    } finally {
      this.sent--;
    }
  }

  /**
   * As RetryingExecutor's, but a request whose thread ended before starting it (NeverStarted: a
   * thread holds IN_FLIGHT_PER_THREAD requests, and the one it ran ended it) is sent again, up to
   * NEVER_STARTED_RESENDS times, without a warning or a retry of its own: the chunk did not fail.
   */
  override execute(
    chunkIndex: number,
    make: () => ChunkRequest,
    policy: ChunkPolicy,
    control?: ControlChannel,
  ): Promise<ChunkReply> {
    return withRetries(chunkIndex, policy, async () => {
      for (let resent = 0; ; resent++) {
        try {
          return await this.attempt(chunkIndex, make(), policy, control);
        } catch (e) {
          if (!(e instanceof NeverStarted) || resent >= NEVER_STARTED_RESENDS) throw e;
          if (policy.signal.aborted) throw new AbortError();
        }
      }
    });
  }

  /** Requests sent and not settled yet: a job that failed or was cancelled may leave some running. */
  get pending(): number {
    return this.sent;
  }

  private async send(
    chunkIndex: number,
    request: ChunkRequest,
    policy: ChunkPolicy,
    control: ControlChannel | undefined,
  ): Promise<ChunkReply> {
    const transferList: TransferListItem[] = [];
    if (control !== undefined && request.op !== 'summarize') {
      request.port = controlPort(control);
      transferList.push(request.port);
    }
    if (request.op === 'parseBytes') {
      const sent = policy.retries > 0 ? request.bytes.slice() : request.bytes;
      request = { ...request, bytes: sent };
      transferList.push(sent.buffer as ArrayBuffer);
    }
    if (request.op !== 'summarize' && request.computation.kind === 'transform') {
      const outputBuffer = take(); // a written chunk output's buffer, for this chunk's (output-buffers.ts)
      if (outputBuffer !== undefined) {
        request = { ...request, outputBuffer };
        transferList.push(outputBuffer);
      }
    }
    const transfer = transferList.length > 0 ? { transferList } : {};
    // A whole gzip file (parseFile) may run for minutes: on a pool that outlives the job (an
    // engine's), a cancelled job's file would hold its thread till its end. Stopped instead.
    const stopOnAbort = this.stopOnAbort || request.op === 'parseFile';
    // A signal that fired already never calls a listener added now: such a chunk is not started
    // at all (a cluster item cancelled between its checks and the pool ran to its end before).
    if (stopOnAbort && policy.signal.aborted) throw new AbortError();
    // Every request says when its thread starts it: a timeout counts from then, and a thread that
    // died before (another request it held ended it) did not fail this one (NeverStarted).
    const slot = this.takeSlot();
    const started = { flags: this.flags, slot };
    const running: Running = {
      ...started,
      controller: new AbortController(),
      startedAt: -1,
      timeout: policy.timeout ?? Infinity,
      timedOut: false,
    };
    const stop = () => setTimeout(() => running.controller.abort(), TERMINATE_GRACE_MS).unref();
    if (stopOnAbort) policy.signal.addEventListener('abort', stop, { once: true });
    if (policy.timeout !== undefined) {
      this.running.add(running);
      this.watch(policy.timeout);
    }
    // No per-request signal unless it may be stopped: aborting a running request makes Piscina
    // replace the worker behind the pool's back. Without one, a cancel fails the job, whose owner
    // then destroys the pool; and only a request without one shares a thread (Piscina's rule).
    const abortable = policy.timeout !== undefined || stopOnAbort;
    try {
      return await this.pool.run(
        { ...request, started },
        abortable ? { signal: running.controller.signal, ...transfer } : transfer,
      );
    } catch (e) {
      if (stopOnAbort && policy.signal.aborted) throw new AbortError();
      if (running.timedOut) {
        throw new ChunkmillError({
          code: 'ERR_CHUNK_TIMEOUT',
          chunkIndex,
          message: `Chunk ${chunkIndex} ran longer than the timeout (${policy.timeout} ms); its worker was stopped`,
          hint: 'raise timeout, or look for a row that makes the task loop',
        });
      }
      // Sent again only if it can be: a stream chunk's bytes went with it unless retries keep a copy.
      const again = request.op !== 'parseBytes' || policy.retries > 0;
      if (again && Atomics.load(started.flags, slot) === 0 && isWorkerExit(e)) throw new NeverStarted(chunkIndex, e);
      throw workerFailure(e, chunkIndex);
    } finally {
      policy.signal.removeEventListener('abort', stop);
      this.running.delete(running);
      this.freeSlots.push(slot);
    }
  }

  private takeSlot(): number {
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      // More timed requests in flight than flags: double them. Running ones keep the old buffer,
      // and the watchdog reads each request's flag from the buffer it was given.
      const old = this.flags;
      this.flags = new Int32Array(new SharedArrayBuffer(old.byteLength * 2));
      for (let i = old.length * 2 - 1; i > old.length; i--) this.freeSlots.push(i);
      slot = old.length;
    }
    Atomics.store(this.flags, slot, 0);
    return slot;
  }

  /** Checks started chunks a few times per timeout period; aborts the ones over it. */
  private watch(timeout: number): void {
    const every = Math.max(10, Math.min(250, timeout / 4));
    if (this.watchdog !== null && every >= this.watchEvery) return;
    if (this.watchdog !== null) clearInterval(this.watchdog);
    this.watchEvery = every;
    this.watchdog = setInterval(() => {
      const now = performance.now();
      for (const r of this.running) {
        if (r.startedAt < 0 && Atomics.load(r.flags, r.slot) === 1) r.startedAt = now;
        if (r.startedAt >= 0 && now - r.startedAt > r.timeout && !r.timedOut) {
          r.timedOut = true;
          r.controller.abort();
        }
      }
      if (this.running.size === 0 && this.watchdog !== null) {
        clearInterval(this.watchdog);
        this.watchdog = null;
        this.watchEvery = Infinity;
      }
    }, every);
    this.watchdog.unref();
  }
}

/** Times a request is sent again after its thread ended before starting it (then it counts as failed). */
const NEVER_STARTED_RESENDS = 8;

/**
 * A request whose thread ended (another request it held ended it) before starting it: sent again,
 * not retried (execute). Still the worker-exit error it would be, for when the resends run out.
 */
class NeverStarted extends ChunkmillError {
  constructor(chunkIndex: number, cause: unknown) {
    super(
      {
        code: 'ERR_WORKER_EXITED',
        chunkIndex,
        message: `A worker thread exited before it started chunk ${chunkIndex}, ${NEVER_STARTED_RESENDS + 1} times in a row (${cause instanceof Error ? cause.message : inspect(cause)})`,
      },
      { cause },
    );
  }
}

/** How Piscina says a thread ended under a request (process.exit, a crash, a termination). */
const EXITED = /worker exited|Terminating worker/i;

/** A rejection of pool.run because the thread ended (an exit, out of memory, a termination). */
function isWorkerExit(e: unknown): boolean {
  return (
    (e as { code?: unknown }).code === 'ERR_WORKER_OUT_OF_MEMORY' || (e instanceof Error && EXITED.test(e.message))
  );
}

/** A rejected pool.run: the worker died (or something in Piscina failed). */
export function workerFailure(e: unknown, chunkIndex: number): ChunkmillError {
  if (e instanceof ChunkmillError) return e;
  const message = e instanceof Error ? e.message : inspect(e);
  if ((e as { code?: unknown }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new ChunkmillError(
      {
        code: 'ERR_WORKER_EXITED',
        chunkIndex,
        message: `A worker thread ran out of memory while processing chunk ${chunkIndex} (${message})`,
        hint: 'raise workerResourceLimits, or group by fewer distinct keys',
      },
      { cause: e },
    );
  }
  if (EXITED.test(message)) {
    return new ChunkmillError(
      {
        code: 'ERR_WORKER_EXITED',
        chunkIndex,
        message: `A worker thread exited while processing chunk ${chunkIndex} (${message})`,
      },
      { cause: e },
    );
  }
  return new ChunkmillError(
    { code: 'ERR_INTERNAL', chunkIndex, message: `Chunk ${chunkIndex} failed in a worker: ${message}` },
    { cause: e },
  );
}
