/**
 * The public shape of user code: task modules (map-reduce to one value) and transform modules
 * (rows in, rows out, written in input order). A module's default export is the object returned
 * by defineTask / defineTransform; the engine imports the module once in each worker thread.
 *
 * Types only, plus two identity functions that exist to carry the types: nothing here runs per row.
 */

/**
 * One input row, handed to `reduce` / `transform`. Reused between rows: do not keep it.
 * It has no line number: a chunk's first line is known only once every earlier chunk is parsed.
 * Errors thrown while a row is processed do carry the file line (the engine adds it).
 */
export interface Row {
  /** Fields in this row. */
  readonly length: number;
  /**
   * The field's text: quotes removed and doubled quotes undone ('' for an empty field). A column
   * is a header name or a 0-based index; an unknown name fails with ERR_UNKNOWN_COLUMN.
   */
  get(column: string | number): string;
  /**
   * The field as a number, parsed from its bytes (the same double as Number()); null for an empty
   * field. Text that is not a number fails with ERR_CSV_BAD_NUMBER, or gives null with
   * onBadNumber: 'skip'.
   */
  number(column: string | number): number | null;
  /** `{ [header name]: field text }`. Allocates: prefer get()/number() in hot code. */
  toObject(): Record<string, string>;
  /** Every field's text, in order. */
  toArray(): string[];
}

/** What user code sees of the engine. */
export interface TaskContext<P = unknown> {
  /** `options.params`, structured-cloned into each worker. */
  readonly params: P;
  /** The header's column names (or '1', '2', ... without a header). */
  readonly columns: readonly string[];
  /** The chunk being processed (-1 in setup). */
  readonly chunkIndex: number;
  /** The worker thread's id (0 on the calling thread, in processSerial). */
  readonly threadId: number;
  /** A log line: comes out of the Job as a `log` event. Throttled by nothing: do not log per row. */
  log(message: string): void;
  /** Task-defined progress (a number or small object): comes out as a `taskProgress` event. */
  progress(value: unknown): void;
}

/**
 * A map-reduce task. `A` is the per-chunk accumulator: it crosses threads by structured clone,
 * so it may hold numbers, strings, arrays, plain objects, Map, Set and typed arrays, not class
 * instances or functions.
 */
export interface TaskDefinition<A, R = A, P = unknown> {
  /** Once per worker thread, before its first chunk (load a lookup table, compile a regex). */
  setup?(ctx: TaskContext<P>): void | Promise<void>;
  /** A fresh accumulator for each chunk. */
  init(ctx: TaskContext<P>): A;
  /** Folds one row in; returns the accumulator (or nothing, having changed it in place). */
  // biome-ignore lint/suspicious/noConfusingVoidType: a reduce that mutates acc in place returns nothing (void), not undefined
  reduce(acc: A, row: Row, ctx: TaskContext<P>): A | void;
  /** Associative: `combine(earlier, later)`, called on the coordinator in chunk order. */
  combine(a: A, b: A): A;
  /** Turns the combined accumulator into the result, on the coordinator. */
  finalize?(acc: A, ctx: { params: P; columns: readonly string[] }): R;
}

/** An output row: an object (keys are columns) or an array of values. */
export type OutputRow = Record<string, unknown> | readonly unknown[];

/** A row-wise transform: each input row gives zero, one or many output rows. */
export interface TransformDefinition<P = unknown> {
  setup?(ctx: TaskContext<P>): void | Promise<void>;
  /**
   * The CSV output's header. Without it, the keys of the first output object are the header
   * (every later object must have the same keys); array rows get no header.
   */
  columns?: readonly string[] | ((ctx: TaskContext<P>) => readonly string[]);
  /** null/undefined drops the row; an array of rows (an array whose items are rows) emits each. */
  // biome-ignore lint/suspicious/noConfusingVoidType: a transform that returns nothing (no return statement) drops the row
  transform(row: Row, ctx: TaskContext<P>): OutputRow | OutputRow[] | null | undefined | void;
}

/**
 * Declares a task module's default export. Two forms:
 *
 *   defineTask<Params>()({ init, reduce, combine, finalize })   params typed, the rest inferred
 *   defineTask({ init, reduce, combine, finalize })             params unknown, the rest inferred
 *
 * The curried form exists because TypeScript infers either all of a call's type arguments or
 * none: `defineTask<Params>({...})` would have to spell out the accumulator and result types too.
 * The explicit form `defineTask<A, R, P>({...})` still works.
 */
export function defineTask<P>(): <A, R = A>(definition: TaskDefinition<A, R, P>) => TaskDefinition<A, R, P>;
export function defineTask<A, R = A, P = unknown>(definition: TaskDefinition<A, R, P>): TaskDefinition<A, R, P>;
export function defineTask(
  definition?: TaskDefinition<unknown, unknown, unknown>,
):
  | TaskDefinition<unknown, unknown, unknown>
  | ((definition: TaskDefinition<unknown, unknown, unknown>) => TaskDefinition<unknown, unknown, unknown>) {
  return definition ?? ((d) => d);
}

export function defineTransform<P = unknown>(definition: TransformDefinition<P>): TransformDefinition<P> {
  return definition;
}

/** What a task definition's result type is. */
// biome-ignore lint/suspicious/noExplicitAny: the params type does not decide the result type
export type TaskResultOf<T> = T extends TaskDefinition<infer A, infer R, any> ? (unknown extends R ? A : R) : unknown;

/**
 * A task module's location, carrying its result type to `job.result`:
 *   task: taskModule<typeof import('./sum.js')>(new URL('./sum.js', import.meta.url))
 */
export interface TaskModuleRef<R = unknown> {
  readonly url: string;
  /** Type-level only. */
  readonly __result?: R;
}

// biome-ignore lint/suspicious/noExplicitAny: any task definition; its types are inferred from the module
export function taskModule<M extends { default: TaskDefinition<any, any, any> }>(
  location: string | URL,
): TaskModuleRef<TaskResultOf<M['default']>> {
  return { url: location instanceof URL ? location.href : location };
}
