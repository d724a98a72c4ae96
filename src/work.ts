/**
 * What a job computes, on the coordinator: the plain spec sent to workers with each chunk, the
 * merger that takes chunk results in order, and the final result. One place for the three kinds
 * (built-in aggregate, user task, user transform), so the schedulers need not know which it is.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import type { Job, JobStats } from './job.js';
import type { ResolvedOptions } from './options.js';
import { OutputWriter } from './output/writer.js';
import { compileAggregate, type AggregatePartial } from './tasks/aggregate.js';
import { AggregateMerger } from './tasks/merge.js';
import type { AggregateRow, MeasureSpec } from './tasks/measures.js';
import { OutputMerger, TaskMerger } from './tasks/user-merge.js';
import { csvLine } from './tasks/output-encoder.js';
import type { Reject } from './tasks/bad-rows.js';
import { ChunkmillError } from './errors.js';
import { Context, declaredColumns, loadDefinition, type ControlChannel, type UserPartial } from './tasks/user.js';
import type { ControlApi, WorkSpec } from './worker.js';

export interface AggregateResult<Row = Record<string, string | number | null>> {
  rows: Row[];
  stats: JobStats;
}

export interface TaskResult<R = unknown> {
  /** finalize(combine of every chunk's accumulator), or that accumulator without finalize. */
  value: R;
  stats: JobStats;
}

export interface TransformResult {
  /** Rows read (stats.rows). */
  rowsIn: number;
  rowsOut: number;
  bytesWritten: number;
  stats: JobStats;
}

/** Takes chunk results, in chunk order. */
export interface ChunkMerger {
  add(partial: AggregatePartial | UserPartial, chunkIndex: number): void;
  readonly rowsUsed: number;
  readonly rowsRejected: number;
  readonly valuesSkipped: number;
}

export interface JobWork {
  spec: WorkSpec;
  merger: ChunkMerger;
  /** A control channel for one chunk (user modules only): transfer it with the task. */
  controlPort(): MessagePort | undefined;
  /** True while output waits to drain: dispatch nothing until `wake`. */
  blocked(wake: () => void): boolean;
  /** Fails the job from outside the chunk flow (the output stream broke). */
  onFailure(handler: (e: unknown) => void): void;
  /** After the last chunk: the job's result. */
  finish(stats: JobStats): Promise<AggregateResult | TaskResult | TransformResult>;
  /** After a failure: keeps what was written, releases the output. */
  abandon(): Promise<void>;
  /** Writes a chunk's rejected records (onBadRow: 'report'), in chunk order. */
  report(rejects: readonly Reject[], linesBefore: number): void;
}

/** Compiles the work against the input's columns; loads user modules here first, so a bad one fails before any worker starts. */
export async function openWork(opts: ResolvedOptions, columns: string[], job: Job<unknown> | null, keyedRecords = false): Promise<JobWork> {
  const work = await openMainWork(opts, columns, job, keyedRecords);
  if (opts.rejects === undefined) return work;
  // onBadRow: 'report': a CSV of line, fields found, and the record (its fields as one CSV line).
  const rejects = await OutputWriter.open({ path: opts.rejects, stream: undefined, format: 'csv', columns: undefined });
  rejects.write(csvLine(['line', 'fields', 'record'], true));
  return {
    ...work,
    report(list, linesBefore) {
      for (const r of list) rejects.write(csvLine([linesBefore + r.localLine + 1, r.found, csvLine(r.fields).slice(0, -1)]));
    },
    finish: async (stats) => {
      const result = await work.finish(stats);
      await rejects.close(true);
      return result;
    },
    abandon: async () => {
      await Promise.all([work.abandon(), rejects.close(false)]);
    },
  };
}

async function openMainWork(opts: ResolvedOptions, columns: string[], job: Job<unknown> | null, keyedRecords: boolean): Promise<JobWork> {
  const { work } = opts;
  const policies = { onBadRow: opts.onBadRow, onBadNumber: opts.onBadNumber, quote: opts.quote };
  if (work.kind === 'aggregate') {
    // An empty input has no header to check names against: it yields the empty result. Records
    // with keys (NDJSON, objects) may leave keys out: a key the first record lacks is not an error.
    const referenced = referencedColumns(work.spec.measures, work.spec.groupBy ?? []);
    const names = columns.length === 0 ? referenced : keyedRecords ? [...new Set([...columns, ...referenced])] : columns;
    const plan = compileAggregate(work.spec, names, policies, opts.path);
    const merger = new AggregateMerger(plan);
    return simpleWork({ kind: 'aggregate', plan }, merger, async (stats) => ({ rows: merger.rows(), stats }));
  }
  const channel = job === null ? null : jobChannel(job);
  const ctx = new Context(work.params, columns, 0, channel);
  const spec = { kind: work.kind, url: work.url, params: work.params, columns, ...policies };
  // A channel per chunk only while someone listens for what it carries: each transferred port
  // cost memory until the worker's next full GC (a 1 GB transform: 370 -> 447 MiB peak with a
  // port per 2 MiB chunk, flat without), and with no listener the lines would go nowhere anyway.
  const listened = () => job !== null && job.listenerCount('log') + job.listenerCount('taskProgress') > 0;
  const controlPort = channel === null ? () => undefined : () => (listened() ? exposeControl(channel) : undefined);
  if (work.kind === 'task') {
    const merger = new TaskMerger(await loadDefinition(work.url, 'task'), ctx);
    return { ...simpleWork(spec, merger, async (stats) => ({ value: merger.value(), stats })), controlPort };
  }
  const def = await loadDefinition(work.url, 'transform');
  const outputColumns = declaredColumns(def, ctx, work.output.columns);
  const writer = await OutputWriter.open(work.output);
  const merger = new OutputMerger(writer, work.output.format, outputColumns);
  return {
    spec: { ...spec, format: work.output.format, outputColumns },
    merger,
    controlPort,
    blocked: (wake) => writer.blocked(wake),
    onFailure: (handler) => writer.onError(handler),
    async finish(stats) {
      merger.end();
      await writer.close(true);
      return { rowsIn: stats.rows, rowsOut: merger.rowsOut, bytesWritten: writer.bytesWritten, stats };
    },
    abandon: () => writer.close(false),
    report: noRejects,
  };
}

function simpleWork(spec: WorkSpec, merger: ChunkMerger, finish: JobWork['finish']): JobWork {
  return { spec, merger, finish, controlPort: () => undefined, blocked: () => false, onFailure: () => {}, abandon: async () => {}, report: noRejects };
}

function noRejects(): void {
  throw new ChunkmillError({ code: 'ERR_INTERNAL', message: 'A rejected record without onBadRow: "report"' });
}

function referencedColumns(measures: Record<string, MeasureSpec>, groupBy: readonly string[]): string[] {
  const names = new Set(groupBy);
  for (const m of Object.values(measures)) if (m.kind !== 'count') names.add(m.column);
  return [...names];
}

/** ctx.log / ctx.progress as Job events (workers reach this through exposeControl). */
function jobChannel(job: Job<unknown>): ControlChannel {
  return {
    log: (chunkIndex, message) => job.emit('log', { chunkIndex, message }),
    progress: (chunkIndex, value) => job.emit('taskProgress', { chunkIndex, value }),
  };
}

/** One chunk's comlink channel: this end is exposed here, the other end goes to the worker. */
function exposeControl(channel: ControlChannel): MessagePort {
  const { port1, port2 } = new MessageChannel();
  const api: ControlApi = { log: channel.log, progress: channel.progress, flush: () => {} };
  Comlink.expose(api, port1 as unknown as Comlink.Endpoint);
  port1.unref(); // the pool keeps the job alive; a forgotten port must not keep the process
  return port2;
}

export type { AggregateRow };
