/**
 * Running user modules (defineTask / defineTransform): loading and checking a module, the ctx it
 * sees, and the record sinks that call it per row. Used by the worker (one chunk per task) and by
 * processSerial (the whole input as one chunk), and on the coordinator for combine/finalize.
 *
 * A throw in user code never escapes as a bare exception: it becomes ERR_TASK_FAILED with the
 * task's own message and, for reduce/transform, the byte of the row (the driver turns that into
 * a file line). Data errors raised through the Row (a bad number, an unknown column), and
 * ChunkmillErrors user code throws on purpose, keep their own codes.
 */
import { ChunkmillError, type ErrorData } from '../errors.js';
import type { FieldSlots } from '../csv/scanner.js';
import type { SinkError } from './aggregate.js';
import { BadRows, type BadRowPolicy } from './bad-rows.js';
import { OutputEncoder, type OutputFormat } from './output-encoder.js';
import { CsvRow, RowError } from './row.js';
import type { Row, TaskContext, TaskDefinition, TransformDefinition } from './user-api.js';

export type UserKind = 'task' | 'transform';
// Definitions are checked on load; `any` here is the accumulator, unknown to the engine.
export type AnyTask = TaskDefinition<any, any, any>;
export type AnyTransform = TransformDefinition<any>;

/** What a chunk of a user task or transform sends back. */
export interface UserPartial {
  /** The task's accumulator. */
  acc?: unknown;
  /** The transform's encoded output rows. */
  output?: Uint8Array;
  /** CSV output without declared columns: the keys of this chunk's first object row. */
  keys?: string[] | null;
  rowsOut: number;
  rowsUsed: number;
  rowsRejected: number;
  valuesSkipped: number;
}

const modules = new Map<string, Promise<AnyTask | AnyTransform>>();

/** Imports a module once per thread and checks its default export. */
export function loadDefinition(url: string, kind: 'task'): Promise<AnyTask>;
export function loadDefinition(url: string, kind: 'transform'): Promise<AnyTransform>;
export function loadDefinition(url: string, kind: UserKind): Promise<AnyTask | AnyTransform> {
  const key = `${kind} ${url}`;
  let loading = modules.get(key);
  if (loading === undefined) {
    loading = import(url).then(
      (module: { default?: unknown }) => checkDefinition(module.default, url, kind),
      (e: unknown) => {
        throw new ChunkmillError({ code: 'ERR_TASK_LOAD', message: `Cannot load the ${kind} module ${url}: ${messageOf(e)}`, hint: 'give a file: URL or an absolute path to compiled JavaScript' }, { cause: e });
      },
    );
    modules.set(key, loading);
  }
  return loading;
}

function checkDefinition(value: unknown, url: string, kind: UserKind): AnyTask | AnyTransform {
  const needed = kind === 'task' ? ['init', 'reduce', 'combine'] : ['transform'];
  const optional = kind === 'task' ? ['setup', 'finalize'] : ['setup'];
  const shape = kind === 'task' ? 'defineTask({ init, reduce, combine })' : 'defineTransform({ transform })';
  const fail = (what: string) => new ChunkmillError({ code: 'ERR_TASK_INVALID', message: `The ${kind} module ${url} ${what}; its default export must be ${shape}` });
  if (value === null || typeof value !== 'object') throw fail(value === undefined ? 'has no default export' : `default-exports ${typeof value}`);
  const record = value as Record<string, unknown>;
  for (const name of needed) if (typeof record[name] !== 'function') throw fail(`has no ${name}() function`);
  for (const name of optional) if (record[name] !== undefined && typeof record[name] !== 'function') throw fail(`has a ${name} that is not a function`);
  if (kind === 'transform' && record.columns !== undefined && typeof record.columns !== 'function' && !isStringArray(record.columns)) throw fail('has columns that are neither names nor a function');
  return value as AnyTask | AnyTransform;
}

/** Receives ctx.log / ctx.progress: the comlink channel in a worker, the Job in-process. */
export interface ControlChannel {
  log(chunkIndex: number, message: string): void;
  progress(chunkIndex: number, value: unknown): void;
}

export class Context implements TaskContext {
  chunkIndex = -1;
  constructor(
    readonly params: unknown,
    readonly columns: readonly string[],
    readonly threadId: number,
    private readonly channel: ControlChannel | null,
  ) {}

  log(message: string): void {
    this.channel?.log(this.chunkIndex, String(message));
  }

  progress(value: unknown): void {
    this.channel?.progress(this.chunkIndex, value);
  }
}

/**
 * Runs a user function that is not called per row; a throw becomes ERR_TASK_FAILED. A
 * ChunkmillError thrown on purpose (say ERR_UNKNOWN_COLUMN from a check in setup) keeps its code.
 */
export function callUser<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw userFailure(what, e);
  }
}

export async function callUserAsync(what: string, fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (e) {
    throw userFailure(what, e);
  }
}

function userFailure(what: string, e: unknown): ChunkmillError {
  if (e instanceof ChunkmillError) return e;
  return new ChunkmillError({ code: 'ERR_TASK_FAILED', message: `${what} threw: ${messageOf(e)}` }, { cause: e });
}

/** Common to both sinks: the field-count policy, the Row, and turning a throw into a SinkError. */
abstract class UserSink {
  error: SinkError | null = null;
  rowsUsed = 0;
  readonly badRows: BadRows;
  protected readonly row: CsvRow;

  constructor(
    readonly width: number,
    onBadRow: BadRowPolicy,
    protected readonly ctx: Context,
    quote: string,
    onBadNumber: 'error' | 'skip',
  ) {
    this.row = new CsvRow(ctx.columns, quote, onBadNumber);
    this.badRows = new BadRows(width, onBadRow, quote);
  }

  get rowsRejected(): number {
    return this.badRows.rejected;
  }

  record(buf: Buffer, slots: FieldSlots, fieldCount: number, recordStart: number): boolean {
    if (fieldCount !== this.width) return this.badRows.check(buf, slots, fieldCount, recordStart, (e) => (this.error = e));
    try {
      this.consume(this.row.at(buf, slots, fieldCount));
    } catch (e) {
      this.error = rowFailure(e, this.what(), recordStart);
      return false;
    }
    this.rowsUsed++;
    return true;
  }

  protected abstract what(): string;
  protected abstract consume(row: Row): void;
}

export class TaskSink extends UserSink {
  private acc: unknown;

  constructor(private readonly def: AnyTask, width: number, onBadRow: BadRowPolicy, ctx: Context, quote: string, onBadNumber: 'error' | 'skip') {
    super(width, onBadRow, ctx, quote, onBadNumber);
    this.acc = callUser('init()', () => def.init(ctx));
  }

  protected what(): string {
    return 'reduce()';
  }

  protected consume(row: Row): void {
    const next = this.def.reduce(this.acc, row, this.ctx);
    if (next !== undefined) this.acc = next;
  }

  partial(): UserPartial {
    // Checked here, where the task is named, because a reply Piscina cannot clone is rejected as a
    // bare {} with no message; and in processSerial too, so both runs fail alike.
    try {
      structuredClone(this.acc);
    } catch (e) {
      throw new ChunkmillError({
        code: 'ERR_TASK_FAILED',
        message: `The accumulator cannot be sent between threads: ${messageOf(e)}`,
        hint: 'accumulators may hold numbers, strings, arrays, plain objects, Map, Set and typed arrays, not functions or class instances',
      });
    }
    return { acc: this.acc, rowsOut: 0, rowsUsed: this.rowsUsed, rowsRejected: this.rowsRejected, valuesSkipped: 0 };
  }
}

export class TransformSink extends UserSink {
  private readonly encoder: OutputEncoder;

  constructor(private readonly def: AnyTransform, format: OutputFormat, columns: readonly string[] | undefined, width: number, onBadRow: BadRowPolicy, ctx: Context, quote: string, onBadNumber: 'error' | 'skip') {
    super(width, onBadRow, ctx, quote, onBadNumber);
    this.encoder = new OutputEncoder(format, columns);
  }

  protected what(): string {
    return 'transform()';
  }

  protected consume(row: Row): void {
    this.encoder.emit(this.def.transform(row, this.ctx));
  }

  partial(): UserPartial {
    const { encoder } = this;
    return { output: encoder.finish(), keys: encoder.keys, rowsOut: encoder.rows, rowsUsed: this.rowsUsed, rowsRejected: this.rowsRejected, valuesSkipped: 0 };
  }
}

/** What a worker needs to run a user module on a chunk. Plain data. */
export interface UserWork {
  kind: UserKind;
  url: string;
  params: unknown;
  columns: string[];
  onBadRow: BadRowPolicy;
  onBadNumber: 'error' | 'skip';
  quote: string;
  /** Transforms: the output format and declared CSV columns. */
  format?: OutputFormat;
  outputColumns?: readonly string[] | undefined;
}

/** Setup runs once per module per worker thread (a pool serves one job). */
const setups = new Map<string, Promise<void>>();

/**
 * Loads the module (cached), runs its setup (once per thread when `setupOnce`, else now) and
 * returns the sink for one chunk.
 */
export async function userSink(work: UserWork, ctx: Context, chunkIndex: number, setupOnce: boolean): Promise<TaskSink | TransformSink> {
  const def = work.kind === 'task' ? await loadDefinition(work.url, 'task') : await loadDefinition(work.url, 'transform');
  if (def.setup !== undefined) {
    let done = setupOnce ? setups.get(work.url) : undefined;
    if (done === undefined) {
      done = callUserAsync('setup()', () => def.setup!(ctx));
      if (setupOnce) setups.set(work.url, done);
    }
    await done;
  }
  ctx.chunkIndex = chunkIndex;
  const width = work.columns.length;
  return work.kind === 'task'
    ? new TaskSink(def as AnyTask, width, work.onBadRow, ctx, work.quote, work.onBadNumber)
    : new TransformSink(def as AnyTransform, work.format ?? 'csv', work.outputColumns, width, work.onBadRow, ctx, work.quote, work.onBadNumber);
}

/** The output columns a transform declares, if any (output.columns wins). */
export function declaredColumns(def: AnyTransform, ctx: Context, override: readonly string[] | undefined): readonly string[] | undefined {
  if (override !== undefined) return override;
  const { columns } = def;
  if (typeof columns !== 'function') return columns;
  const names = callUser('columns()', () => columns(ctx));
  if (!isStringArray(names)) throw new ChunkmillError({ code: 'ERR_TASK_INVALID', message: 'columns() must return an array of names' });
  return names;
}

function rowFailure(e: unknown, what: string, recordStart: number): SinkError {
  if (e instanceof RowError) return { data: e.data, offset: e.offset };
  const data: ErrorData = e instanceof ChunkmillError ? e.toData() : { code: 'ERR_TASK_FAILED', message: `${what} threw: ${messageOf(e)}` };
  return { data, offset: recordStart };
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}
