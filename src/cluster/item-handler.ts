/**
 * One work item on a worker: the checks (version, cancelled, task module), the chunk request on
 * the local pool, then its ReplyMessages pushed to the coordinator's list. ctx.log / ctx.progress go
 * to the same list as they happen, on the same connection, so they arrive before the reply.
 *
 * The reply is pushed before BullMQ marks the item done: if this process dies in between, the
 * item runs again elsewhere and its coordinator ignores the second reply. A chunk that failed
 * (its thread died, it timed out) is answered with a failure; retrying it is the coordinator's call.
 *
 * An item whose chunk already failed on this worker by its own fault (its `avoid` names this
 * worker), or any item while this worker is out of rotation, is passed on: it goes back to the
 * queue, delayed by PASS_ON_MS so that this worker cannot take it straight back, for another.
 */
import { EventEmitter } from 'node:events';
import { type Job as BullJob, DelayedError, WaitingError } from 'bullmq';
import type { Redis } from 'ioredis';
import { toErrorData, type ErrorCode, type ErrorData } from '../errors.js';
import type { ChunkPolicy } from '../exec/executor.js';
import type { PiscinaExecutor } from '../exec/piscina-executor.js';
import type { ChunkRequest } from '../exec/protocol.js';
import type { ControlChannel } from '../kinds/user/context.js';
import { decodeBase64, encode } from './codec.js';
import { cancelledKey, PASS_ON_MS, PROTOCOL, REPLIES_TTL_MS, VERSION } from './names.js';
import type { ReplyMessage, WorkerInfo, WorkItem } from './protocol.js';
import { ModuleResolver } from './task-modules.js';

/** Failures where which machine it happened on is the first thing to know. */
const ON_HOST = new Set<ErrorCode>([
  'ERR_FILE_NOT_FOUND',
  'ERR_NOT_A_FILE',
  'ERR_FILE_UNREADABLE',
  'ERR_FILE_CHANGED',
  'ERR_PATH_FORBIDDEN',
  'ERR_OBJECT_NOT_FOUND',
  'ERR_OBJECT_FORBIDDEN',
  'ERR_OBJECT_AUTH',
  'ERR_OBJECT_UNREACHABLE',
  'ERR_OBJECT_UNAVAILABLE',
  'ERR_WORKER_EXITED',
  'ERR_CHUNK_TIMEOUT',
  'ERR_INTERNAL',
]);
const FILE_CODES = new Set<ErrorCode>([
  'ERR_FILE_NOT_FOUND',
  'ERR_NOT_A_FILE',
  'ERR_FILE_UNREADABLE',
  'ERR_FILE_CHANGED',
]);

/** What happened to one item on this worker, for its log. */
export interface WorkerChunkEvent extends WorkerItemEvent {
  /** From when this worker took the item. */
  ms: number;
  /** 'passed on': it went back to the queue for another worker (see `avoid`, quarantine). */
  outcome: 'done' | 'failed' | 'cancelled' | 'dropped' | 'handed back' | 'passed on';
}

interface Active {
  runId: string;
  stop: AbortController;
  /** Why the chunk was stopped, if it was. */
  why: 'cancel' | 'handback' | null;
}

/** Thrown out of answer() when an item goes back to the queue instead of being answered. */
const HAND_BACK = Symbol('hand back');
/** Thrown out of answer() when an item is for another worker. */
const PASS_ON = Symbol('pass on');

/** An item this worker took: `chunk` says how it ended. */
export interface WorkerItemEvent {
  /** The run id of the coordinator's executor that sent it (one per job it runs). */
  runId: string;
  /** @deprecated The same as `runId`; goes in the next release. */
  job: string;
  chunkIndex: number;
  op: string;
}

export interface ItemHandlerEvents {
  item: [event: WorkerItemEvent];
  chunk: [event: WorkerChunkEvent];
}

export class ItemHandler extends EventEmitter<ItemHandlerEvents> {
  private readonly active = new Map<string, Active>();
  private readonly modules: ModuleResolver;
  private handingBack = false;
  /** Out of rotation (a coordinator's quarantine, read at the heartbeat): every item is passed on. */
  quarantined = false;

  constructor(
    private readonly redis: Redis,
    private readonly executor: PiscinaExecutor,
    private readonly info: WorkerInfo,
    tasksDir: string | undefined,
  ) {
    super();
    this.modules = new ModuleResolver(tasksDir, `${info.name} on ${info.host}`);
  }

  /**
   * BullMQ's processor, for one item (a BullMQ job; its data is the WorkItem). Resolves once the
   * item is answered (or dropped); the item is then done.
   */
  async handle(item: BullJob<WorkItem>, token: string | undefined): Promise<void> {
    const work = item.data;
    const id = item.id!;
    const started = performance.now();
    const entry: Active = { runId: work.runId, stop: new AbortController(), why: this.handingBack ? 'handback' : null };
    this.active.set(id, entry);
    const taken: WorkerItemEvent = { runId: work.runId, job: work.runId, chunkIndex: work.chunkIndex, op: item.name };
    this.emit('item', taken);
    const done = (outcome: WorkerChunkEvent['outcome']) =>
      this.emit('chunk', { ...taken, ms: performance.now() - started, outcome });
    try {
      const message = await this.answer(id, work, item.stalledCounter > 0, entry);
      if (message === null) {
        done(entry.why === 'cancel' ? 'cancelled' : 'dropped');
        return;
      }
      await this.push(work, message);
      done(message.t === 'reply' ? 'done' : 'failed');
    } catch (e) {
      if (e === PASS_ON) {
        await item.moveToDelayed(Date.now() + PASS_ON_MS, token);
        done('passed on');
        throw new DelayedError();
      }
      if (e !== HAND_BACK) throw e; // the reply could not be pushed: the item fails, its coordinator retries it
      await item.moveToWait(token);
      done('handed back');
      throw new WaitingError();
    } finally {
      this.active.delete(id);
    }
  }

  /** Stops the running chunks of a cancelled run; its items not started yet are dropped. */
  cancel(runId: string): void {
    for (const entry of this.active.values()) {
      if (entry.runId !== runId || entry.why !== null) continue;
      entry.why = 'cancel';
      entry.stop.abort();
    }
  }

  /** Stops every running chunk and puts its item back in the queue (this worker is leaving). */
  handBack(): void {
    this.handingBack = true;
    for (const entry of this.active.values()) {
      entry.why ??= 'handback';
      entry.stop.abort();
    }
  }

  /** The item's last message; null: nobody wants it (its run was cancelled). */
  private async answer(id: string, work: WorkItem, rerun: boolean, entry: Active): Promise<ReplyMessage | null> {
    if (work.protocol !== PROTOCOL || work.version !== VERSION)
      return this.failure(id, {
        code: 'ERR_CLUSTER_VERSION',
        message: `Worker ${this.info.name} on ${this.info.host} runs chunkmill ${VERSION} (protocol ${PROTOCOL}); the chunk came from ${work.version} (protocol ${work.protocol})`,
      });
    if ((await this.redis.exists(cancelledKey(work.runId))) === 1) return null;
    if (entry.why === 'handback') throw HAND_BACK;
    if (this.quarantined || work.avoid.includes(this.info.id)) throw PASS_ON;
    if (rerun) await this.push(work, { t: 'rerun', id, worker: `${this.info.name} on ${this.info.host}` });
    let request: ChunkRequest;
    try {
      request = await this.requestOf(work);
    } catch (e) {
      return this.failure(id, toErrorData(e));
    }
    const policy: ChunkPolicy = {
      retries: 0, // the coordinator's to decide, as for every other failure
      retryTaskErrors: false,
      timeout: work.timeout ?? undefined,
      signal: entry.stop.signal,
      onWarning: () => {},
    };
    try {
      const control = work.control ? this.channel(work, id) : undefined;
      const reply = await this.executor.execute(work.chunkIndex, () => request, policy, control);
      return {
        t: 'reply',
        id,
        worker: this.info.id,
        reply: 'error' in reply ? { error: this.located(reply.error) } : reply,
      };
    } catch (e) {
      if (entry.why === 'cancel') return null;
      if (entry.why === 'handback') throw HAND_BACK;
      return this.failure(id, toErrorData(e));
    }
  }

  /**
   * The chunk request as this worker runs it: its module found here (the coordinator's instance
   * key kept: it hashes the same bytes, params and columns), its bytes in a buffer of their own.
   */
  private async requestOf(work: WorkItem): Promise<ChunkRequest> {
    let request = decodeBase64<ChunkRequest>(work.request, 'a work item');
    // Decoded bytes are a view of the whole message; the pool transfers a chunk's buffer.
    if (request.op === 'parseBytes') request = { ...request, bytes: request.bytes.slice() };
    if (work.module !== null && request.op !== 'summarize' && request.computation.kind !== 'aggregate') {
      const url = await this.modules.resolve(work.module);
      const { instance } = request.computation;
      const key = instance.indexOf('#');
      request = {
        ...request,
        computation: { ...request.computation, url, instance: key < 0 ? url : url + instance.slice(key) },
      };
    }
    return request;
  }

  private failure(id: string, error: ErrorData): ReplyMessage {
    return { t: 'failure', id, worker: this.info.id, error: this.located(error) };
  }

  /** Adds where it happened to a failure for which that matters. */
  private located(error: ErrorData): ErrorData {
    if (!ON_HOST.has(error.code)) return error;
    const located: ErrorData = {
      ...error,
      message: `${error.message} (on worker ${this.info.name}, host ${this.info.host})`,
    };
    if (FILE_CODES.has(error.code) && error.hint === undefined)
      located.hint =
        'every worker must see the input at the same path as the coordinator (a shared mount), or read it from S3 or HTTP (s3:// or https:// input: docs/inputs.md)';
    return located;
  }

  private channel(work: WorkItem, id: string): ControlChannel {
    return {
      log: (chunkIndex, message) => void this.push(work, { t: 'log', id, chunkIndex, message }).catch(() => {}),
      progress: (chunkIndex, value) => void this.push(work, { t: 'progress', id, chunkIndex, value }).catch(() => {}),
    };
  }

  /** Pushes in call order: commands on one connection go out in the order they are issued. */
  private async push(work: WorkItem, message: ReplyMessage): Promise<void> {
    let bytes = encode(message);
    if (message.t === 'reply' && bytes.length > work.maxPayload)
      bytes = encode(
        this.failure(message.id, {
          code: 'ERR_CLUSTER_PAYLOAD',
          chunkIndex: work.chunkIndex,
          message: `Chunk ${work.chunkIndex}'s reply is ${bytes.length} bytes, over cluster.maxPayload (${work.maxPayload} bytes)`,
          hint: 'lower chunkSize, or raise cluster.maxPayload',
        }),
      );
    await this.redis.multi().rpush(work.replyTo, bytes).pexpire(work.replyTo, REPLIES_TTL_MS).exec();
  }
}
