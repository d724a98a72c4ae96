/**
 * One job's executor on a cluster: each attempt at a chunk request becomes a work item (a BullMQ
 * job) that some `chunkmill worker` runs on its pool; the reply comes back through the provider.
 * The retry policy is the local one (exec/retries.ts, through withRetries like every executor): a
 * failure worth another try is sent again as a new item, with the same warnings. The scheduler merges the replies in chunk order, exactly as
 * it does the local pool's, so a cluster run is bit-identical to a local one.
 *
 * When the job ends early (a cancel, a failure), its items still in Redis are cancelled: waiting
 * ones removed, running ones stopped by their workers (close() waits, bounded, until none is left).
 */
import { randomBytes } from 'node:crypto';
import { AbortError, ChunkmillError } from '../errors.js';
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
  /** Adds the item; settles with its reply, or its failure, loss or cancel. */
  run(id: string, name: string, item: WorkItem, entry: ItemEntry): Promise<ChunkReply>;
  /** Marks the run cancelled for the workers, and removes its items still waiting. */
  cancel(runId: string, ids: readonly string[]): Promise<void>;
  /** Until none of the run's items is left in Redis (bounded); then clears its cancel mark. */
  waitGone(runId: string, ids: readonly string[]): Promise<void>;
  /** Stops waiting for this executor's replies. */
  forget(executor: ClusterExecutor, error: () => unknown): void;
}

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
    const encoded = encodeBase64(request);
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
    };
    const id = `${this.runId}-${chunkIndex}-${this.attempts++}`;
    this.outstanding.add(id);
    return this.transport.run(id, request.op, item, { executor: this, chunkIndex, policy, control });
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
