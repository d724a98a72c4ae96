/**
 * What goes between a coordinator and the `chunkmill worker` processes through Redis. Types only.
 *
 *   coordinator ──WorkItem (a BullMQ job's data)──> queue ──> worker ──ReplyMessage*──> replies list ──> coordinator
 *
 * A WorkItem is one attempt at one chunk request, the same ChunkRequest a local thread gets: for
 * a file, a path, a byte range, the dialect, the input's identity (size, mtime) and the
 * computation's spec, a few hundred bytes; stream and array chunks also carry their records.
 * A user module travels as its file name and the hash of its bytes, never as code.
 */
import type { ErrorData } from '../errors.js';
import type { ChunkReply } from '../exec/protocol.js';

/**
 * A task module as a worker finds it: a file of its --tasks-dir, or one of chunkmill's own;
 * `sha256` is the hash of its bytes. Which instance of it a thread runs (setup() once per bytes,
 * params and columns) travels in the spec's instance URL, as for any long-lived pool.
 */
export type ModuleRef =
  | { name: string; sha256: string }
  /** A module of the chunkmill package (statsTask, selectTransform), relative to its dist/. */
  | { builtin: string; sha256: string };

/** A work item's data (a BullMQ job's): JSON, so the ChunkRequest travels encoded (codec.ts). */
export interface WorkItem {
  protocol: number;
  version: string;
  /** The run id of the coordinator's executor (ClusterExecutor.runId) for its job: what a cancel names. */
  runId: string;
  /** The list the worker pushes its ReplyMessages to. */
  replyTo: string;
  chunkIndex: number;
  /** The ChunkRequest, v8-serialised (structured clone, as between threads), base64. */
  request: string;
  /** The user module of a task or transform; null for built-in aggregates and summaries. */
  module: ModuleRef | null;
  /** Milliseconds the chunk may run once started (the job's timeout option). */
  timeout: number | null;
  /** Someone listens to ctx.log / ctx.progress: forward them. */
  control: boolean;
  /** The largest encoded reply the coordinator accepts. */
  maxPayload: number;
  /**
   * Ids of the workers this chunk already failed on by their own fault (a file they cannot read,
   * a task module they lack): such a worker passes the item on to another one.
   */
  avoid: string[];
}

/**
 * What a worker pushes for an item (`id`: the item's id in BullMQ). The reply or failure is the
 * last; `worker` is the id of the worker that answered.
 */
export type ReplyMessage =
  | { t: 'reply'; id: string; worker: string; reply: ChunkReply }
  /** The chunk did not run to a reply (its thread died, it timed out, it was refused). */
  | { t: 'failure'; id: string; worker: string; error: ErrorData }
  | { t: 'log'; id: string; chunkIndex: number; message: string }
  | { t: 'progress'; id: string; chunkIndex: number; value: unknown }
  /** The item starts again on another worker after its first one stopped answering. */
  | { t: 'rerun'; id: string; worker: string };

/** A worker's registration (PREFIX:worker:<id>), renewed by its heartbeat. */
export interface WorkerInfo {
  id: string;
  /** --name, else <host>-<pid>. */
  name: string;
  host: string;
  pid: number;
  version: string;
  protocol: number;
  /** Its pool's threads (--workers). */
  threads: number;
  /** Whether it has a --tasks-dir (without one it runs built-in work only). */
  tasks: boolean;
}

/** A registered worker as a coordinator reads it: with whether it is out of rotation (quarantined). */
export interface LiveWorker extends WorkerInfo {
  quarantined: boolean;
}
