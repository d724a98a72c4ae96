/**
 * One job's executor on a cluster: each attempt at a chunk request becomes a work item (a BullMQ
 * job) that some `chunkmill worker` runs on its pool; the reply comes back through the provider.
 * The retry policy is the local one (exec/retries.ts, through withRetries like every executor): a
 * failure worth another try is sent again as a new item, with the same warnings. The scheduler merges the replies in chunk order, exactly as
 * it does the local pool's, so a cluster run is bit-identical to a local one.
 *
 * A failure that is the worker's own, not the chunk's (WORKER_OWN: it cannot read the input, it
 * lacks the task module), runs again on another worker within the same attempt: the new item names
 * the workers to avoid, and a worker that takes an item it must avoid passes it on. When no worker
 * in rotation is left to try, the chunk fails with its first failure. A chunk that then ran
 * elsewhere counts a strike against each worker it failed on (fleet.ts: quarantine).
 *
 * When the job ends early (a cancel, a failure), its items still in Redis are cancelled: waiting
 * ones removed, running ones stopped by their workers (close() waits, bounded, until none is left).
 */
import { randomBytes } from 'node:crypto';
import { AbortError, ChunkmillError, type ErrorData } from '../errors.js';
import type { ChunkPolicy } from '../exec/executor.js';
import type { ChunkReply, ChunkRequest } from '../exec/protocol.js';
import { RetryingExecutor } from '../exec/retries.js';
import type { ComputationSpec } from '../kinds/computation-spec.js';
import type { ControlChannel } from '../kinds/user/context.js';
import { encodeBase64 } from './codec.js';
import { PROTOCOL, repliesKey, VERSION } from './names.js';
import type { ResolvedClusterOptions } from '../api/cluster-options.js';
import type { ModuleRef, WorkerInfo, WorkItem } from './protocol.js';
import { describeWorkers } from './registry.js';
import { moduleRefOf } from './task-modules.js';

/** What an executor needs of its provider (cluster-provider.ts), which holds the connections. */
export interface ClusterTransport {
  /** Names the provider's replies list. */
  readonly id: string;
  readonly options: ResolvedClusterOptions;
  /** Live workers of another version. */
  strangers(): WorkerInfo[];
  /** Threads of the workers in rotation but those in `avoid`. */
  othersThan(avoid: readonly string[]): number;
  /** Counts a strike against each of `workers`, telling the job of those it takes out of rotation. */
  strike(workers: readonly string[], last: string, policy: ChunkPolicy): Promise<void>;
  /** Adds the item; resolves with a worker's answer, rejects when none will come (loss, cancel, NoOtherWorker). */
  run(id: string, name: string, item: WorkItem, entry: ItemEntry): Promise<Answer>;
  /** Marks the run cancelled for the workers, and removes its items still waiting. */
  cancel(runId: string, ids: readonly string[]): Promise<void>;
  /** Until none of the run's items is left in Redis (bounded); then clears its cancel mark. */
  waitGone(runId: string, ids: readonly string[]): Promise<void>;
  /** Stops waiting for this executor's replies. */
  forget(executor: ClusterExecutor, error: () => unknown): void;
}

/** A worker's answer to an item: its reply, or the failure it pushed; `worker`: its id. */
export type Answer = { worker: string } & ({ reply: ChunkReply } | { error: ChunkmillError });

/** Why an item was given up: every worker left in rotation is one its chunk must avoid. */
export class NoOtherWorker extends Error {}

/**
 * Failures that are the worker's, not the chunk's: another worker may well run it. The file codes
 * mean the worker does not see the input the coordinator planned (no shared mount, a stale one);
 * ERR_CLUSTER_TASK_MODULE, that it lacks the task module or has other bytes of it.
 */
const WORKER_OWN: ReadonlySet<string> = new Set([
  'ERR_FILE_NOT_FOUND',
  'ERR_NOT_A_FILE',
  'ERR_FILE_UNREADABLE',
  'ERR_FILE_CHANGED',
  // An object the coordinator could read: a worker that cannot takes its own credentials,
  // endpoint and network (they never travel in a work item), and another worker may have them.
  'ERR_OBJECT_NOT_FOUND',
  'ERR_OBJECT_FORBIDDEN',
  'ERR_OBJECT_AUTH',
  'ERR_OBJECT_UNREACHABLE',
  'ERR_OBJECT_UNAVAILABLE',
  'ERR_CLUSTER_TASK_MODULE',
]);

/** An item as its provider keeps it until its reply. */
export interface ItemEntry {
  executor: ClusterExecutor;
  chunkIndex: number;
  policy: ChunkPolicy;
  control: ControlChannel | undefined;
}

export class ClusterExecutor extends RetryingExecutor {
  /** This executor's id for the job it serves, its run id: names its items, and their cancel. */
  readonly runId = randomBytes(5).toString('hex');
  /** Items added and not yet answered: what a cancel has to clear from Redis. */
  private readonly outstanding = new Set<string>();
  /** A computation's module is hashed once per job (the spec object is the job's). */
  private readonly modules = new WeakMap<ComputationSpec, Promise<ModuleRef | null>>();
  private attempts = 0;
  private watched: AbortSignal | null = null;
  private cancelling: Promise<void> | null = null;

  constructor(
    private readonly transport: ClusterTransport,
    /** Items in flight are twice this: a fixed share of the cluster's threads, taken at the job's start. */
    readonly threads: number,
  ) {
    super();
  }

  /** Called by the provider when an item's reply or failure came, or it is gone from Redis. */
  finished(id: string): void {
    this.outstanding.delete(id);
  }

  /** The job ended: stop waiting, and clear its items still in Redis. */
  async close(): Promise<void> {
    const ids = [...this.outstanding];
    this.transport.forget(this, () => new AbortError());
    if (ids.length > 0) await this.cancel(ids);
  }

  protected async attempt(
    chunkIndex: number,
    request: ChunkRequest,
    policy: ChunkPolicy,
    control: ControlChannel | undefined,
  ): Promise<ChunkReply> {
    this.watch(policy); // before the first await: a cancel from here on reaches the items
    const module = request.op === 'summarize' ? null : await this.moduleOf(request.computation);
    if (policy.signal.aborted) throw new AbortError();
    const encoded = encodeBase64(withoutSecrets(request));
    const { maxPayload } = this.transport.options;
    if (encoded.length > maxPayload)
      throw new ChunkmillError({
        code: 'ERR_CLUSTER_PAYLOAD',
        chunkIndex,
        message: `Chunk ${chunkIndex} is ${encoded.length} bytes as a work item, over cluster.maxPayload (${maxPayload} bytes): its records travel through Redis`,
        hint: 'lower chunkSize (or chunkRows), or raise cluster.maxPayload; file inputs send no records',
      });
    const item: WorkItem = {
      protocol: PROTOCOL,
      version: VERSION,
      runId: this.runId,
      replyTo: repliesKey(this.transport.id),
      chunkIndex,
      request: encoded,
      module,
      timeout: policy.timeout ?? null,
      control: control !== undefined && request.op !== 'summarize',
      maxPayload,
      avoid: [],
    };
    const entry: ItemEntry = { executor: this, chunkIndex, policy, control };
    // The worker's own failures go round the workers here, not through `retries`: those are for
    // faults of the chunk's run, and a cluster may have more bad workers than retries.
    const failed = new Map<string, string>();
    let first: Answer | null = null;
    for (;;) {
      let answer: Answer;
      try {
        answer = await this.send(request.op, item, entry);
      } catch (e) {
        if (e instanceof NoOtherWorker && first !== null) return outcomeOf(first);
        throw e;
      }
      const own = ownFailure(answer);
      if (own === null) {
        for (const [worker, why] of failed) await this.transport.strike([worker], why, policy);
        return outcomeOf(answer);
      }
      first ??= answer;
      failed.set(answer.worker, own.message);
      item.avoid = [...failed.keys()];
      if (policy.signal.aborted) throw new AbortError();
      if (this.transport.othersThan(item.avoid) === 0) return outcomeOf(first);
      policy.onWarning({
        code: 'WARN_CHUNK_RETRY',
        message: `Chunk ${chunkIndex} failed (${own.message}); it runs again on another worker`,
      });
    }
  }

  /** One item for one try at the chunk, under an id of its own. */
  private send(name: string, item: WorkItem, entry: ItemEntry): Promise<Answer> {
    const id = `${this.runId}-${item.chunkIndex}-${this.attempts++}`;
    this.outstanding.add(id);
    return this.transport.run(id, name, { ...item }, entry);
  }

  private moduleOf(spec: ComputationSpec): Promise<ModuleRef | null> {
    let ref = this.modules.get(spec);
    if (ref === undefined) {
      ref = moduleRefOf(spec);
      this.modules.set(spec, ref);
    }
    return ref;
  }

  /** The run's signal (one per run; each attempt looks): its abort cancels the run's items, at once. */
  private watch(policy: ChunkPolicy): void {
    if (this.watched === policy.signal) return;
    if (this.watched === null) {
      const strangers = this.transport.strangers();
      if (strangers.length > 0)
        policy.onWarning({
          code: 'WARN_CLUSTER_VERSION',
          message: `Workers of another chunkmill version take no part in this job (this is ${VERSION}): ${describeWorkers(strangers)}`,
        });
    }
    this.watched = policy.signal;
    policy.signal.addEventListener(
      'abort',
      () => {
        const ids = [...this.outstanding];
        this.transport.forget(this, () => new AbortError());
        if (ids.length > 0) void this.cancel(ids);
      },
      { once: true },
    );
  }

  private cancel(ids: readonly string[]): Promise<void> {
    this.cancelling ??= (async () => {
      await this.transport.cancel(this.runId, ids);
      await this.transport.waitGone(this.runId, ids);
    })();
    return this.cancelling;
  }
}

/** The answer as an attempt ends with it: the reply, or the failure thrown. */
function outcomeOf(answer: Answer): ChunkReply {
  if ('reply' in answer) return answer.reply;
  throw answer.error;
}

/** The answer's failure when it is the worker's own (WORKER_OWN), else null. */
function ownFailure(answer: Answer): ErrorData | ChunkmillError | null {
  let error: ErrorData | ChunkmillError | undefined;
  if ('error' in answer) error = answer.error;
  else if ('error' in answer.reply) error = answer.reply.error;
  else if ('parsed' in answer.reply) error = answer.reply.parsed.error;
  return error !== undefined && WORKER_OWN.has(error.code) ? error : null;
}

/**
 * A request as it may leave this process: an object input's S3 credentials (given from code) are
 * never put in Redis. A cluster worker reads its own (AWS_* variables, its profile); the endpoint,
 * region and path style, which are no secret, travel so that it reads the same store.
 */
function withoutSecrets(request: ChunkRequest): ChunkRequest {
  if (!('input' in request) || request.input.s3?.credentials === undefined) return request;
  const { credentials: _, ...s3 } = request.input.s3;
  return { ...request, input: { ...request.input, s3 } };
}
