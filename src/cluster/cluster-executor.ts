/**
 * One job's executor on a cluster: each attempt at a chunk task becomes a BullMQ job (a WorkItem)
 * that some `chunkmill worker` runs on its pool; the reply comes back through the source. The
 * retry policy is the local one (exec/retries.ts): a failure worth another try is sent again as
 * a new item, with the same warnings. The scheduler merges the replies in chunk order, exactly as
 * it does the local pool's, so a cluster run is bit-identical to a local one.
 *
 * When the job ends early (a cancel, a failure), its items still in Redis are cancelled: waiting
 * ones removed, running ones stopped by their workers (close() waits, bounded, until none is left).
 */
import { randomBytes } from 'node:crypto';
import { AbortError, ChunkmillError } from '../errors.js';
import type { ChunkPolicy, Executor } from '../exec/executor.js';
import type { ChunkReply, ChunkTask } from '../exec/protocol.js';
import { withRetries } from '../exec/retries.js';
import type { ComputationSpec } from '../kinds/computation-spec.js';
import type { ControlChannel } from '../kinds/user/context.js';
import { encodeBase64 } from './codec.js';
import { PROTOCOL, repliesKey, VERSION } from './names.js';
import type { ResolvedClusterOptions } from '../api/cluster-options.js';
import type { ModuleRef, WorkerInfo, WorkItem } from './protocol.js';
import { describeWorkers } from './registry.js';
import { moduleRefOf } from './task-modules.js';

/** What an executor needs of its source (cluster-source.ts), which holds the connections. */
export interface ClusterTransport {
  /** Names the source's replies list. */
  readonly id: string;
  readonly options: ResolvedClusterOptions;
  /** Live workers of another version. */
  strangers(): WorkerInfo[];
  /** Adds the item; settles with its reply, or its failure, loss or cancel. */
  run(id: string, name: string, item: WorkItem, entry: ItemEntry): Promise<ChunkReply>;
  /** Marks the job cancelled for the workers, and removes its items still waiting. */
  cancel(job: string, ids: readonly string[]): Promise<void>;
  /** Until none of the job's items is left in Redis (bounded); then clears its cancel mark. */
  waitGone(job: string, ids: readonly string[]): Promise<void>;
  /** Stops waiting for this executor's replies. */
  forget(executor: ClusterExecutor, error: () => unknown): void;
}

/** An item as its source keeps it until its reply. */
export interface ItemEntry {
  executor: ClusterExecutor;
  chunkIndex: number;
  policy: ChunkPolicy;
  control: ControlChannel | undefined;
}

export class ClusterExecutor implements Executor {
  /** Names the job's items, and its cancel. */
  readonly job = randomBytes(5).toString('hex');
  /** Items added and not yet answered: what a cancel has to clear from Redis. */
  private readonly outstanding = new Set<string>();
  /** A computation's module is hashed once per job (the spec object is the job's). */
  private readonly modules = new WeakMap<ComputationSpec, Promise<ModuleRef | null>>();
  private attempts = 0;
  private watched: AbortSignal | null = null;
  private cancelling: Promise<void> | null = null;

  constructor(
    private readonly source: ClusterTransport,
    /** Items in flight are twice this: a fixed share of the cluster's threads, taken at the job's start. */
    readonly threads: number,
  ) {}

  execute(
    chunkIndex: number,
    make: () => ChunkTask,
    policy: ChunkPolicy,
    control?: ControlChannel,
  ): Promise<ChunkReply> {
    this.watch(policy);
    return withRetries(chunkIndex, policy, () => this.once(chunkIndex, make(), policy, control));
  }

  /** Called by the source when an item's reply or failure came, or it is gone from Redis. */
  finished(id: string): void {
    this.outstanding.delete(id);
  }

  /** The job ended: stop waiting, and clear its items still in Redis. */
  async close(): Promise<void> {
    const ids = [...this.outstanding];
    this.source.forget(this, () => new AbortError());
    if (ids.length > 0) await this.cancel(ids);
  }

  private async once(
    chunkIndex: number,
    task: ChunkTask,
    policy: ChunkPolicy,
    control: ControlChannel | undefined,
  ): Promise<ChunkReply> {
    const module = task.op === 'summarize' ? null : await this.moduleOf(task.computation);
    if (policy.signal.aborted) throw new AbortError();
    const encoded = encodeBase64(task);
    const { maxPayload } = this.source.options;
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
      job: this.job,
      replyTo: repliesKey(this.source.id),
      chunkIndex,
      task: encoded,
      module,
      timeout: policy.timeout ?? null,
      control: control !== undefined && task.op !== 'summarize',
      maxPayload,
    };
    const id = `${this.job}-${chunkIndex}-${this.attempts++}`;
    this.outstanding.add(id);
    return this.source.run(id, task.op, item, { executor: this, chunkIndex, policy, control });
  }

  private moduleOf(spec: ComputationSpec): Promise<ModuleRef | null> {
    let ref = this.modules.get(spec);
    if (ref === undefined) {
      ref = moduleRefOf(spec);
      this.modules.set(spec, ref);
    }
    return ref;
  }

  /** The run's signal (one per run): its abort cancels the job's items, at once. */
  private watch(policy: ChunkPolicy): void {
    if (this.watched === policy.signal) return;
    if (this.watched === null) {
      const strangers = this.source.strangers();
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
        this.source.forget(this, () => new AbortError());
        if (ids.length > 0) void this.cancel(ids);
      },
      { once: true },
    );
  }

  private cancel(ids: readonly string[]): Promise<void> {
    this.cancelling ??= (async () => {
      await this.source.cancel(this.job, ids);
      await this.source.waitGone(this.job, ids);
    })();
    return this.cancelling;
  }
}
