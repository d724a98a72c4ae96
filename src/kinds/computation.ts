/**
 * What a job computes, on the coordinator: the plain spec sent to workers with each chunk, the
 * merger that takes chunk results in order, and the final result. One place for the three kinds
 * (built-in aggregate, user task, user transform), so the schedulers need not know which it is.
 */
import { byteEncoding, type InputEncoding } from '../csv/encoding.js';
import type { Confinement } from '../api/confinement.js';
import type { JobReporter, JobStats } from '../api/events.js';
import type { AggregateSpec, MeasureSpec } from '../api/measures.js';
import type { BadNumberPolicy, BadRowPolicy } from '../api/options.js';
import type { AggregateResult, TaskResult, TransformResult } from '../api/results.js';
import { checkHeaderNames, type HeaderNamePolicy } from '../csv/header-names.js';
import { ChunkmillError, invalidOption } from '../errors.js';
import { resolveBudget } from './aggregate/memory-budget.js';
import { AggregateMerger } from './aggregate/merge.js';
import type { AggregatePartial } from './aggregate/partial.js';
import { compileAggregate } from './aggregate/plan.js';
import { groupItemColumns } from './expr/group-item.js';
import { compileFilter } from './filter/compile.js';
import { whereColumns, type WhereExpr } from './filter/parse.js';
import type { FilterCounts } from './filter/sink.js';
import { withSuggestion } from './unknown-column.js';
import type { Reject } from './bad-rows.js';
import { columnsOf, type ComputationSpec } from './computation-spec.js';
import { csvLine } from './output/encoder.js';
import { type OpenOutputTarget, OutputWriter, type ResolvedOutput } from './output/writer.js';
import { Context, type ControlChannel } from './user/context.js';
import { instanceUrl } from './user/instance.js';
import { loadDefinition } from './user/load.js';
import { OutputMerger, TaskMerger } from './user/merge.js';
import { declaredColumns, type UserPartial } from './user/sinks.js';

/** What to compute, as validated: the aggregate spec, or a user module's URL and params. */
export type WorkRequest =
  | { kind: 'aggregate'; spec: AggregateSpec }
  | { kind: 'task'; url: string; params: unknown }
  | { kind: 'transform'; url: string; params: unknown; output: ResolvedOutput };

/** The options a computation depends on (a subset of the resolved job options). */
export interface ComputationOptions {
  work: WorkRequest;
  /** The input's name, for messages. */
  path: string;
  quote: string;
  onBadRow: BadRowPolicy;
  onBadNumber: BadNumberPolicy;
  /** The rejects file, for onBadRow: 'report'. */
  rejects: string | undefined;
  /** The where filter, parsed (plan/validate.ts). */
  where: { text: string; expr: WhereExpr } | undefined;
  /**
   * Set by an engine with `confine` (never by a job spec): every file the job opens, to read or
   * to write, is checked against it at open time.
   */
  confinement: Confinement | undefined;
  /**
   * Set by the job layer (never by a job spec): opens an output or rejects path that is an object
   * (s3://) as a multipart upload (job/output-target.ts); undefined: local files only.
   */
  openTarget: OpenOutputTarget | undefined;
  /** The memoryBudget option: bytes an aggregate's groups may take; undefined: the default (memory-budget.ts). */
  memoryBudget: number | undefined;
  /**
   * Set by an engine with a memoryBudget of its own (never by a job spec): its jobs' default
   * budget, and the most one of them gets.
   */
  memoryLimit?: number | undefined;
  /** Empty or repeated header names: renamed with a warning, or an error (csv/header-names.ts). */
  headerNames: HeaderNamePolicy;
  /** The decimal separator of numbers (csv/fields.ts). */
  decimal: '.' | ',';
  /** The input's text encoding (csv/encoding.ts). */
  encoding: InputEncoding;
}

/** Takes chunk results, in chunk order. */
export interface ChunkMerger {
  add(partial: AggregatePartial | UserPartial, chunkIndex: number): void;
  readonly rowsUsed: number;
  readonly rowsRejected: number;
  readonly valuesSkipped: number;
  /** Records the where filter dropped (absent without one). */
  readonly rowsFiltered?: number;
}

export interface Computation {
  spec: ComputationSpec;
  merger: ChunkMerger;
  /** Where a chunk's ctx.log / ctx.progress go; undefined when nobody listens (no channel is opened). */
  control(): ControlChannel | undefined;
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

/**
 * Compiles the work against the input's columns; loads user modules here first, so a bad one
 * fails before any worker starts. `reporter` null: no events (processSerial).
 */
export async function openComputation(
  opts: ComputationOptions,
  columns: string[],
  reporter: JobReporter | null,
  keyedRecords = false,
): Promise<Computation> {
  // Both input kinds (files, streams) name their columns by headerNames(); the policy is applied
  // here, where every job passes with its reporter, before any worker starts.
  // NDJSON and arrays come as JSON text, always UTF-8, with JSON numbers (1.5): a CSV file's
  // encoding and decimal comma are not theirs.
  if (keyedRecords && opts.encoding !== 'utf8')
    throw invalidOption('encoding', 'applies to CSV input; NDJSON and in-memory records are UTF-8 text');
  if (keyedRecords && opts.decimal !== '.')
    throw invalidOption('decimal', 'applies to CSV input; NDJSON and in-memory records have JSON numbers');
  const renamed = checkHeaderNames(columns, opts.headerNames);
  if (renamed !== null) reporter?.emit('warning', renamed);
  const opened = await openMain(opts, columns, reporter, keyedRecords);
  const bytes = byteEncoding(opts.encoding); // UTF-16 arrives as UTF-8 (input/utf16.ts)
  const main = {
    ...opened,
    spec: {
      ...opened.spec,
      ...(opts.decimal === ',' ? { decimal: ',' as const } : {}),
      ...(bytes !== 'utf8' ? { encoding: bytes } : {}),
    },
  };
  // What is opened is let go if what follows fails: an output file is never left half made.
  const computation = await orAbandon(main, async () => withFilter(opts, main));
  if (opts.rejects === undefined) return computation;
  // onBadRow: 'report': a CSV of line, fields found, and the record (its fields as one CSV line).
  const rejects = await orAbandon(computation, () =>
    OutputWriter.open({ path: opts.rejects!, stream: undefined, format: 'csv', columns: undefined }, opts, 'rejects'),
  );
  rejects.write(csvLine(['line', 'fields', 'record'], true));
  return {
    ...computation,
    report(list, linesBefore) {
      for (const r of list)
        rejects.write(csvLine([linesBefore + r.localLine + 1, r.found, csvLine(r.fields).slice(0, -1)]));
    },
    finish: async (stats) => {
      const result = await computation.finish(stats);
      await rejects.close(true);
      return result;
    },
    abandon: async () => {
      await Promise.all([computation.abandon(), rejects.close(false)]);
    },
  };
}

async function openMain(
  opts: ComputationOptions,
  columns: string[],
  reporter: JobReporter | null,
  keyedRecords: boolean,
): Promise<Computation> {
  const { work } = opts;
  const policies = { onBadRow: opts.onBadRow, onBadNumber: opts.onBadNumber, quote: opts.quote };
  if (work.kind === 'aggregate') {
    // An empty input has no header to check names against: it yields the empty result. Records
    // with keys (NDJSON, objects) may leave keys out: a key the first record lacks is not an error.
    const referenced = referencedColumns(work.spec.measures, work.spec.groupBy ?? [], opts.where?.expr);
    const names =
      columns.length === 0 ? referenced : keyedRecords ? [...new Set([...columns, ...referenced])] : columns;
    let plan: ReturnType<typeof compileAggregate>;
    try {
      plan = {
        ...compileAggregate(work.spec, names, policies, opts.path),
        budget: resolveBudget(opts.memoryBudget, undefined, opts.memoryLimit),
      };
    } catch (e) {
      throw withSuggestion(e, names);
    }
    const merger = new AggregateMerger(plan);
    return {
      ...simple({ kind: 'aggregate', plan }, merger, async (stats) => {
        // The rows are the caller's now; the columns they were built from go.
        const rows = merger.rows();
        merger.release();
        return { rows, stats };
      }),
      abandon: async () => merger.release(),
    };
  }
  const channel = reporter === null ? null : reporterChannel(reporter);
  const ctx = new Context(work.params, columns, 0, channel);
  const instance = instanceUrl(work.url, work.params, columns);
  const spec = { kind: work.kind, url: work.url, instance, params: work.params, columns, ...policies };
  // A channel per chunk only while someone listens for what it carries: each one costs a
  // transferred port (memory until the worker's next full GC), and with no listener the lines
  // would go nowhere anyway.
  const listened = () =>
    reporter !== null && reporter.listenerCount('log') + reporter.listenerCount('taskProgress') > 0;
  const control = () => (channel !== null && listened() ? channel : undefined);
  if (work.kind === 'task') {
    const merger = new TaskMerger(await loadDefinition(instance, 'task', work.url), ctx);
    return { ...simple(spec, merger, async (stats) => ({ value: merger.value(), stats })), control };
  }
  const def = await loadDefinition(instance, 'transform', work.url);
  const outputColumns = declaredColumns(def, ctx, work.output.columns);
  const writer = await OutputWriter.open(work.output, opts);
  const merger = new OutputMerger(writer, work.output.format, outputColumns);
  return {
    spec: { ...spec, format: work.output.format, outputColumns },
    merger,
    control,
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

async function orAbandon<T>(opened: Computation, next: () => Promise<T>): Promise<T> {
  try {
    return await next();
  } catch (e) {
    await opened.abandon();
    throw e;
  }
}

function simple(spec: ComputationSpec, merger: ChunkMerger, finish: Computation['finish']): Computation {
  return {
    spec,
    merger,
    finish,
    control: () => undefined,
    blocked: () => false,
    onFailure: () => {},
    abandon: async () => {},
    report: noRejects,
  };
}

function noRejects(): void {
  throw new ChunkmillError({ code: 'ERR_INTERNAL', message: 'A rejected record without onBadRow: "report"' });
}

function referencedColumns(
  measures: Record<string, MeasureSpec>,
  groupBy: readonly string[],
  where: WhereExpr | undefined,
): string[] {
  const names = new Set(groupBy.flatMap(groupItemColumns));
  for (const m of Object.values(measures)) if (m.kind !== 'count') names.add(m.column);
  if (where !== undefined) for (const c of whereColumns(where)) names.add(c);
  return [...names];
}

/**
 * Puts the where filter in front of the computation: compiled against the same columns, sent
 * with the spec, and its dropped records counted by the merger.
 */
function withFilter(opts: ComputationOptions, computation: Computation): Computation {
  if (opts.where === undefined) return computation;
  const names = columnsOf(computation.spec);
  const filter = compileFilter(opts.where.text, opts.where.expr, names, opts.path);
  const inner = computation.merger;
  let rowsFiltered = 0;
  const merger: ChunkMerger = {
    add(partial, chunkIndex) {
      rowsFiltered += (partial as FilterCounts).rowsFiltered ?? 0;
      inner.add(partial, chunkIndex);
    },
    get rowsUsed() {
      return inner.rowsUsed;
    },
    get rowsRejected() {
      return inner.rowsRejected;
    },
    get valuesSkipped() {
      return inner.valuesSkipped;
    },
    get rowsFiltered() {
      return rowsFiltered;
    },
  };
  return { ...computation, spec: { ...computation.spec, filter }, merger };
}

/** ctx.log / ctx.progress as Job events. */
function reporterChannel(reporter: JobReporter): ControlChannel {
  return {
    log: (chunkIndex, message) => reporter.emit('log', { chunkIndex, message }),
    progress: (chunkIndex, value) => reporter.emit('taskProgress', { chunkIndex, value }),
  };
}
