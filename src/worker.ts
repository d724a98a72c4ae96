/**
 * The Piscina task, run in worker threads: phase A (summarize a file range) or phase B (parse a
 * file range, or bytes cut from a stream, into the built-in aggregate or a user module).
 * File tasks first check it is the file that was planned. Returns small plain objects; data
 * errors come back as data (Piscina would drop their fields).
 */
import { fstatSync } from 'node:fs';
import { threadId, type MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { ChunkmillError, type ErrorData } from './errors.js';
import { fileError } from './csv/dialect.js';
import type { ChunkSummary } from './csv/boundary.js';
import type { Dialect } from './csv/scanner.js';
import { parseNdjson, parseRows } from './object-rows.js';
import { parseBytes, parseRange, summarizeRange, withFile, type ErrorSink, type RangeOutcome } from './read-range.js';
import { AggregateSink, type AggregatePartial, type AggregatePlan } from './tasks/aggregate.js';
import { Context, userSink, type ControlChannel, type UserPartial, type UserWork } from './tasks/user.js';

/** The identity of the input as planned; a worker refuses a file that no longer matches. */
export interface InputIdentity {
  path: string;
  size: number;
  mtimeMs: number;
}

/** Set by the worker when it starts a task: the coordinator times chunks from then (timeout). */
export interface StartFlag {
  flags: Int32Array;
  slot: number;
}

export interface SummarizeTask {
  op: 'summarize';
  started?: StartFlag;
  input: InputIdentity;
  start: number;
  end: number;
  quote: number;
}

/** What phase B computes per chunk: the built-in aggregate, or a user module. Plain data. */
export type WorkSpec = { kind: 'aggregate'; plan: AggregatePlan } | UserWork;

interface ParseCommon {
  started?: StartFlag;
  chunkIndex: number;
  dialect: Dialect;
  work: WorkSpec;
  maxRecordSize: number;
  /** User modules: the comlink control channel (ctx.log, ctx.progress), transferred. */
  port?: MessagePort;
}

/** Phase B on a file range. */
export interface ParseTask extends ParseCommon {
  op: 'parse';
  input: InputIdentity;
  /** An exact record start. */
  start: number;
  end: number;
}

/** Phase B on bytes cut from a stream at a record boundary (the whole buffer is owned). */
export interface ParseBytesTask extends ParseCommon {
  op: 'parseBytes';
  format: 'csv' | 'ndjson';
  bytes: Uint8Array;
}

/** Phase B on records of an in-memory array. */
export interface ParseRowsTask extends ParseCommon {
  op: 'parseRows';
  rows: readonly unknown[];
}

/** A parsed chunk: where it ended, its counts and rejects (RangeOutcome), and its partial result. */
export interface ParseOutcome extends RangeOutcome {
  partial: AggregatePartial | UserPartial;
}

export type WorkerTask = SummarizeTask | ParseTask | ParseBytesTask | ParseRowsTask;
type ChunkTask = ParseTask | ParseBytesTask | ParseRowsTask;
export type WorkerReply = { summary: ChunkSummary } | { parsed: ParseOutcome } | { error: ErrorData };

/** The coordinator's side of the control channel, as comlink exposes it. */
export interface ControlApi {
  log(chunkIndex: number, message: string): void;
  progress(chunkIndex: number, value: unknown): void;
  /** Answered after every earlier message: the worker awaits it before returning its chunk. */
  flush(): void;
}

export default function runTask(task: WorkerTask): WorkerReply | Promise<WorkerReply> {
  if (task.started !== undefined) Atomics.store(task.started.flags, task.started.slot, 1);
  const path = task.op === 'parseBytes' ? '<stream>' : task.op === 'parseRows' ? '<array>' : task.input.path;
  if (task.op !== 'summarize' && task.work.kind !== 'aggregate') return runUser(task, task.work, path);
  return asReply(path, () => {
    if (task.op === 'summarize') return withFile(task.input.path, (fd) => (checkIdentity(fd, task.input), { summary: summarizeRange(fd, task.start, task.end, task.quote) }));
    const sink = new AggregateSink((task.work as { plan: AggregatePlan }).plan);
    return { parsed: { ...read(task, sink), partial: sink.partial() } };
  });
}

/**
 * The sink for one chunk of any kind of work (shared with processSerial). User modules are
 * loaded and set up first; `setupOnce` runs setup once per thread instead of per call.
 */
export async function chunkSink(spec: WorkSpec, channel: ControlChannel | null, chunkIndex: number, setupOnce: boolean): Promise<ErrorSink & { partial(): AggregatePartial | UserPartial }> {
  if (spec.kind === 'aggregate') return new AggregateSink(spec.plan);
  return userSink(spec, new Context(spec.params, spec.columns, threadId, channel), chunkIndex, setupOnce);
}

/** Reads the chunk's records into the sink. */
function read(task: ChunkTask, sink: ErrorSink): RangeOutcome {
  if (task.op === 'parseRows') return parseRecords({ rows: task.rows }, 'rows', task.work, task.dialect, task.maxRecordSize, sink);
  if (task.op === 'parseBytes') return parseRecords({ bytes: task.bytes }, task.format, task.work, task.dialect, task.maxRecordSize, sink);
  return withFile(task.input.path, (fd) => {
    checkIdentity(fd, task.input);
    return parseRange(fd, task.input.size, task.start, task.end, task.dialect, sink, task.maxRecordSize);
  });
}

/** Records from bytes cut at a record boundary (CSV, NDJSON) or from array items, into the sink. */
export function parseRecords(
  from: { bytes?: Uint8Array; rows?: readonly unknown[] },
  format: 'csv' | 'ndjson' | 'rows',
  work: WorkSpec,
  dialect: Dialect,
  maxRecordSize: number,
  sink: ErrorSink,
): RangeOutcome {
  const columns = work.kind === 'aggregate' ? work.plan.columnNames : work.columns;
  if (format === 'rows') return parseRows(from.rows!, columns, sink);
  const bytes = Buffer.from(from.bytes!.buffer, from.bytes!.byteOffset, from.bytes!.byteLength);
  return format === 'ndjson' ? parseNdjson(bytes, columns, sink) : parseBytes(bytes, dialect, sink, maxRecordSize);
}

async function runUser(task: ChunkTask, work: UserWork, path: string): Promise<WorkerReply> {
  const channel = task.port !== undefined ? new RemoteChannel(task.port) : null;
  try {
    const sink = await chunkSink(work, channel, task.chunkIndex, true);
    return { parsed: { ...read(task, sink), partial: sink.partial() } };
  } catch (e) {
    return errorReply(e, path);
  } finally {
    await channel?.flush();
  }
}

/**
 * ctx.log / ctx.progress over comlink. Progress is throttled: each call is a message round trip.
 * The comlink proxy is made on first use, so a chunk whose task never logs makes none and its
 * flush costs no round trip.
 */
class RemoteChannel implements ControlChannel {
  private remote: Comlink.Remote<ControlApi> | null = null;
  private lastProgress = -Infinity;

  constructor(private readonly port: MessagePort) {}

  private api(): Comlink.Remote<ControlApi> {
    this.remote ??= Comlink.wrap<ControlApi>(this.port as unknown as Comlink.Endpoint);
    return this.remote;
  }

  log(chunkIndex: number, message: string): void {
    void this.api().log(chunkIndex, message);
  }

  progress(chunkIndex: number, value: unknown): void {
    const now = performance.now();
    if (now - this.lastProgress < 50) return;
    this.lastProgress = now;
    void this.api().progress(chunkIndex, value);
  }

  /** Waits until the coordinator has seen every message sent so far, then lets go of the port. */
  async flush(): Promise<void> {
    if (this.remote !== null) await this.remote.flush();
    this.port.close();
  }
}

/** Runs `fn`, turning a data or file error into a reply; a bug is rethrown for Piscina to carry. */
function asReply(path: string, fn: () => WorkerReply): WorkerReply {
  try {
    return fn();
  } catch (e) {
    return errorReply(e, path);
  }
}

/** A data or file error as a reply; anything else is a bug, rethrown for Piscina to carry. */
function errorReply(e: unknown, path: string): WorkerReply {
  if (e instanceof ChunkmillError) return { error: e.toData() };
  if ((e as NodeJS.ErrnoException).code !== undefined && (e as NodeJS.ErrnoException).syscall !== undefined) {
    return { error: fileError(e, path).toData() };
  }
  throw e;
}

function checkIdentity(fd: number, input: InputIdentity): void {
  const now = fstatSync(fd);
  if (now.size !== input.size || now.mtimeMs !== input.mtimeMs) {
    throw new ChunkmillError({
      code: 'ERR_FILE_CHANGED',
      file: input.path,
      message: `${input.path} changed while it was being processed (${now.size !== input.size ? `size ${input.size} -> ${now.size}` : 'modified time changed'})`,
      hint: 'process a copy or a finished file',
    });
  }
}
