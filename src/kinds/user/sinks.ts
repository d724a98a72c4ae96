/**
 * The record sinks that run a user module per row, in a worker (one chunk per task) or in
 * processSerial (the whole input as one chunk).
 *
 * A throw in user code never escapes as a bare exception: it becomes ERR_TASK_FAILED with the
 * task's own message and, for reduce/transform, the byte of the row (the driver turns that into
 * a file line). Data errors raised through the Row (a bad number, an unknown column), and
 * ChunkmillErrors user code throws on purpose, keep their own codes.
 */
import type { BadNumberPolicy, BadRowPolicy } from '../../api/options.js';
import type { Row } from '../../api/tasks.js';
import type { FieldSlots } from '../../csv/scanner.js';
import { ChunkmillError, messageOf, type ErrorData } from '../../errors.js';
import { BadRows } from '../bad-rows.js';
import type { SelectParams } from '../builtin/select.js';
import { selectPlan } from '../builtin/select-plan.js';
import type { GroupMeasuresAcc, GroupMeasuresParams } from '../builtin/group-measures.js';
import { GroupMeasuresBytes } from '../builtin/group-measures-bytes.js';
import { limitOf } from '../builtin/stats.js';
import { StatsBytes } from '../builtin/stats-bytes.js';
import type { StatsParams } from '../builtin/stats-params.js';
import { OutputEncoder, type OutputFormat } from '../output/encoder.js';
import type { RecordPlan } from '../output/record-bytes.js';
import type { ChunkSink, SinkError } from '../sink.js';
import { callUser, callUserAsync, type Context } from './context.js';
import { isStringArray, loadDefinition, type AnyTask, type AnyTransform, type UserKind } from './load.js';
import { CsvRow, RowError } from './row.js';

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

/** What a worker needs to run a user module on a chunk. Plain data. */
export interface UserSpec {
  kind: UserKind;
  /** The module's URL, as given (for messages). */
  url: string;
  /** The URL imported: this job's instance of the module (instance.ts). */
  instance: string;
  params: unknown;
  columns: string[];
  onBadRow: BadRowPolicy;
  onBadNumber: BadNumberPolicy;
  quote: string;
  /** Transforms: the output format and declared CSV columns. */
  format?: OutputFormat;
  outputColumns?: readonly string[] | undefined;
}

/** Common to both sinks: the field-count policy, the Row, and turning a throw into a SinkError. */
abstract class UserSink implements ChunkSink {
  error: SinkError | null = null;
  rowsUsed = 0;
  readonly badRows: BadRows;
  protected readonly row: CsvRow;

  constructor(
    readonly width: number,
    onBadRow: BadRowPolicy,
    protected readonly ctx: Context,
    quote: string,
    onBadNumber: BadNumberPolicy,
  ) {
    this.row = new CsvRow(ctx.columns, quote, onBadNumber);
    this.badRows = new BadRows(width, onBadRow, quote);
  }

  get rowsRejected(): number {
    return this.badRows.rejected;
  }

  record(buf: Buffer, slots: FieldSlots, fieldCount: number, recordStart: number): boolean {
    if (fieldCount !== this.width)
      return this.badRows.check(buf, slots, fieldCount, recordStart, (e) => (this.error = e));
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
  /** The built-in stats task's reduce from the record bytes, or null: reduce() runs per row. */
  private readonly bytes: StatsBytes | null;
  /** The built-in group-measures task's reduce from the record bytes, or null. */
  private readonly groupBytes: GroupMeasuresBytes | null;

  constructor(
    private readonly def: AnyTask,
    width: number,
    onBadRow: BadRowPolicy,
    ctx: Context,
    quote: string,
    onBadNumber: BadNumberPolicy,
    /** The built-in module whose rows take a byte path, if it is one. */
    builtin: 'stats' | 'group-measures' | null = null,
  ) {
    super(width, onBadRow, ctx, quote, onBadNumber);
    this.acc = callUser('init()', () => def.init(ctx));
    this.bytes = builtin === 'stats' ? new StatsBytes(width, limitOf(ctx.params as StatsParams), quote) : null;
    this.groupBytes =
      builtin === 'group-measures' ? GroupMeasuresBytes.for(ctx.params as GroupMeasuresParams, ctx.columns) : null;
  }

  override record(buf: Buffer, slots: FieldSlots, fieldCount: number, recordStart: number): boolean {
    if ((this.bytes === null && this.groupBytes === null) || fieldCount !== this.width)
      return super.record(buf, slots, fieldCount, recordStart);
    try {
      const row = this.row.at(buf, slots, fieldCount);
      if (this.bytes !== null) this.bytes.record(buf, slots, row);
      else this.groupBytes!.record(this.acc as GroupMeasuresAcc, buf, slots, row);
    } catch (e) {
      this.error = rowFailure(e, this.what(), recordStart);
      return false;
    }
    this.rowsUsed++;
    return true;
  }

  protected what(): string {
    return 'reduce()';
  }

  protected consume(row: Row): void {
    const next = this.def.reduce(this.acc, row, this.ctx);
    if (next !== undefined) this.acc = next;
  }

  partial(): UserPartial {
    if (this.bytes !== null) this.acc = this.bytes.finish();
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
    return {
      acc: this.acc,
      rowsOut: 0,
      rowsUsed: this.rowsUsed,
      rowsRejected: this.rowsRejected,
      valuesSkipped: this.row.valuesSkipped,
    };
  }
}

export class TransformSink extends UserSink {
  private readonly encoder: OutputEncoder;
  /** The built-in select's rows written from their bytes, or null: transform() runs per row. */
  private readonly plan: RecordPlan | null;

  constructor(
    private readonly def: AnyTransform,
    format: OutputFormat,
    columns: readonly string[] | undefined,
    width: number,
    onBadRow: BadRowPolicy,
    ctx: Context,
    quote: string,
    onBadNumber: BadNumberPolicy,
    /** The built-in module (stats / select): its rows take the byte path. */
    builtin = false,
  ) {
    super(width, onBadRow, ctx, quote, onBadNumber);
    this.encoder = new OutputEncoder(format, columns);
    this.plan = builtin ? selectPlan(ctx.params as SelectParams, ctx.columns, format, quote) : null;
  }

  override record(buf: Buffer, slots: FieldSlots, fieldCount: number, recordStart: number): boolean {
    if (this.plan === null || fieldCount !== this.width) return super.record(buf, slots, fieldCount, recordStart);
    const bad = this.encoder.addRecord(buf, slots, this.plan);
    // A field that is not UTF-8: the Row's get() raises the very error the transform would.
    if (bad >= 0) return super.record(buf, slots, fieldCount, recordStart);
    this.rowsUsed++;
    return true;
  }

  protected what(): string {
    return 'transform()';
  }

  protected consume(row: Row): void {
    this.encoder.emit(this.def.transform(row, this.ctx));
  }

  partial(): UserPartial {
    const { encoder } = this;
    return {
      output: encoder.finish(),
      keys: encoder.keys,
      rowsOut: encoder.rows,
      rowsUsed: this.rowsUsed,
      rowsRejected: this.rowsRejected,
      valuesSkipped: this.row.valuesSkipped,
    };
  }
}

/**
 * The built-in modules, recognised by URL (each job imports its own instance of a module, so the
 * definition objects differ): their rows take the byte paths, with the same results.
 */
const STATS_URL = new URL('../builtin/stats.js', import.meta.url).href;
const SELECT_URL = new URL('../builtin/select.js', import.meta.url).href;
const GROUP_MEASURES_URL = new URL('../builtin/group-measures.js', import.meta.url).href;

/**
 * Setup runs once per module instance per worker thread: an instance is keyed by the module's
 * bytes, params and columns (instance.ts), so jobs sharing a long-lived pool never see each
 * other's setup state unless setup saw the same inputs.
 */
const setups = new Map<string, Promise<void>>();

/**
 * Loads the module (cached), runs its setup (once per thread when `setupOnce`, else now) and
 * returns the sink for one chunk.
 */
export async function userSink(
  work: UserSpec,
  ctx: Context,
  chunkIndex: number,
  setupOnce: boolean,
): Promise<TaskSink | TransformSink> {
  const def =
    work.kind === 'task'
      ? await loadDefinition(work.instance, 'task', work.url)
      : await loadDefinition(work.instance, 'transform', work.url);
  if (def.setup !== undefined) {
    let done = setupOnce ? setups.get(work.instance) : undefined;
    if (done === undefined) {
      done = callUserAsync('setup()', () => def.setup!(ctx));
      if (setupOnce) setups.set(work.instance, done);
    }
    await done;
  }
  ctx.chunkIndex = chunkIndex;
  const width = work.columns.length;
  return work.kind === 'task'
    ? new TaskSink(
        def as AnyTask,
        width,
        work.onBadRow,
        ctx,
        work.quote,
        work.onBadNumber,
        work.url === STATS_URL ? 'stats' : work.url === GROUP_MEASURES_URL ? 'group-measures' : null,
      )
    : new TransformSink(
        def as AnyTransform,
        work.format ?? 'csv',
        work.outputColumns,
        width,
        work.onBadRow,
        ctx,
        work.quote,
        work.onBadNumber,
        work.url === SELECT_URL,
      );
}

/** The output columns a transform declares, if any (output.columns wins). */
export function declaredColumns(
  def: AnyTransform,
  ctx: Context,
  override: readonly string[] | undefined,
): readonly string[] | undefined {
  if (override !== undefined) return override;
  const { columns } = def;
  if (typeof columns !== 'function') return columns;
  const names = callUser('columns()', () => columns(ctx));
  if (!isStringArray(names))
    throw new ChunkmillError({ code: 'ERR_TASK_INVALID', message: 'columns() must return an array of names' });
  return names;
}

function rowFailure(e: unknown, what: string, recordStart: number): SinkError {
  if (e instanceof RowError) return { data: e.data, offset: e.offset };
  const data: ErrorData =
    e instanceof ChunkmillError ? e.toData() : { code: 'ERR_TASK_FAILED', message: `${what} threw: ${messageOf(e)}` };
  return { data, offset: recordStart };
}
