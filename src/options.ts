/**
 * The options of processDataset: types with their defaults, one defaults object, and validate(),
 * which names the bad option, its value and what it should be, before anything starts.
 */
import { availableParallelism } from 'node:os';
import type { ResourceLimits } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { invalidOption } from './errors.js';
import { MEASURE_KINDS, type AggregateSpec, type MeasureSpec } from './tasks/measures.js';
import type { BadNumberPolicy, BadRowPolicy } from './tasks/aggregate.js';

export interface CsvOptions {
  /** Field delimiter, one ASCII character. @default ',' */
  delimiter?: string;
  /** Quote character, one ASCII character. @default '"' */
  quote?: string;
  /** The first record names the columns. Without a header, columns are named '1', '2', ... @default true */
  header?: boolean;
}

export interface ProcessOptions<G extends string = string, M extends Record<string, MeasureSpec> = Record<string, MeasureSpec>> {
  /** The CSV file: a path or a file: URL. */
  input: string | URL;
  /** Worker threads. @default os.availableParallelism() */
  workers?: number;
  /** Bytes per chunk; every value >= 1 gives the same result. @default 8 MiB */
  chunkSize?: number;
  csv?: CsvOptions;
  /** The group-by aggregate to compute. */
  aggregate: AggregateSpec<G, M>;
  /** A record whose field count differs from the header's: fail, or skip and count it. @default 'error' */
  onBadRow?: BadRowPolicy;
  /** A measure value that is not a number: fail, or treat it as empty and count it. @default 'error' */
  onBadNumber?: BadNumberPolicy;
  /**
   * A bare quote inside an unquoted field breaks the quote parity that parallel boundary
   * resolution relies on. 'sequential': re-parse sequentially from the first disputed chunk (and
   * emit a warning); 'error': fail with ERR_CSV_QUOTE_MISMATCH. @default 'sequential'
   */
  onQuoteMismatch?: 'sequential' | 'error';
  /** Longest record accepted, in bytes; guards memory against an unclosed quote. @default 64 MiB */
  maxRecordSize?: number;
  /** Minimum milliseconds between two `progress` events. @default 100 */
  progressInterval?: number;
  /**
   * Memory limits of each worker thread (Node's Worker resourceLimits: maxOldGenerationSizeMb,
   * maxYoungGenerationSizeMb, codeRangeSizeMb, stackSizeMb). A worker that exceeds them is ended
   * and the job fails with ERR_WORKER_EXITED; the host process lives on. @default none
   */
  workerResourceLimits?: ResourceLimits;
  /** Cancels the job, like job.cancel(). */
  signal?: AbortSignal;
}

/** 1 GiB: record offsets are 32-bit, and a longer record is not CSV anyone can use. */
export const MAX_RECORD_SIZE = 1 << 30;

export const DEFAULTS = {
  /** 8 MiB: ~25 ms of work per chunk at 300 MB/s, so per-task overhead (~50 us) is noise and progress stays fine-grained. */
  chunkSize: 8 << 20,
  delimiter: ',',
  quote: '"',
  header: true,
  onBadRow: 'error',
  onBadNumber: 'error',
  onQuoteMismatch: 'sequential',
  /** 64 MiB: far above real records, low enough that an unclosed quote cannot exhaust memory. */
  maxRecordSize: 64 << 20,
  /** At most ~10 progress events per second: enough for a bar, cheap for a UI. */
  progressInterval: 100,
} as const;

/** Options with every default filled in and every value checked. */
export interface ResolvedOptions {
  path: string;
  workers: number;
  chunkSize: number;
  delimiter: string;
  quote: string;
  header: boolean;
  aggregate: AggregateSpec;
  onBadRow: BadRowPolicy;
  onBadNumber: BadNumberPolicy;
  onQuoteMismatch: 'sequential' | 'error';
  maxRecordSize: number;
  progressInterval: number;
  workerResourceLimits: ResourceLimits | undefined;
  signal: AbortSignal | undefined;
}

const KNOWN = new Set([
  'input', 'workers', 'chunkSize', 'csv', 'aggregate', 'onBadRow', 'onBadNumber',
  'onQuoteMismatch', 'maxRecordSize', 'progressInterval', 'workerResourceLimits', 'signal',
]);

/** Checks every option and fills in defaults. Throws ERR_INVALID_OPTION naming the option. */
export function validate(options: ProcessOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') throw invalidOption('options', `expected an object, got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw invalidOption(key, `unknown option; the options are ${[...KNOWN].join(', ')}`);
  }
  const csv = options.csv ?? {};
  if (csv === null || typeof csv !== 'object') throw invalidOption('csv', `expected an object, got ${describe(csv)}`);
  knownKeys('csv', csv, ['delimiter', 'quote', 'header']);
  const resolved: ResolvedOptions = {
    path: inputPath(options.input),
    workers: positiveInteger('workers', options.workers, availableParallelism()),
    chunkSize: positiveInteger('chunkSize', options.chunkSize, DEFAULTS.chunkSize),
    delimiter: oneAsciiChar('csv.delimiter', csv.delimiter, DEFAULTS.delimiter),
    quote: oneAsciiChar('csv.quote', csv.quote, DEFAULTS.quote),
    header: boolean('csv.header', csv.header, DEFAULTS.header),
    aggregate: aggregateSpec(options.aggregate),
    onBadRow: oneOf('onBadRow', options.onBadRow, ['error', 'skip'], DEFAULTS.onBadRow),
    onBadNumber: oneOf('onBadNumber', options.onBadNumber, ['error', 'skip'], DEFAULTS.onBadNumber),
    onQuoteMismatch: oneOf('onQuoteMismatch', options.onQuoteMismatch, ['sequential', 'error'], DEFAULTS.onQuoteMismatch),
    maxRecordSize: positiveInteger('maxRecordSize', options.maxRecordSize, DEFAULTS.maxRecordSize, MAX_RECORD_SIZE),
    progressInterval: nonNegativeNumber('progressInterval', options.progressInterval, DEFAULTS.progressInterval),
    workerResourceLimits: resourceLimits(options.workerResourceLimits),
    signal: abortSignal(options.signal),
  };
  for (const [name, value] of [['csv.delimiter', resolved.delimiter], ['csv.quote', resolved.quote]] as const) {
    if (value === '\n' || value === '\r') throw invalidOption(name, `${JSON.stringify(value)} is a line break`);
  }
  if (resolved.delimiter === resolved.quote) throw invalidOption('csv.quote', `must differ from csv.delimiter (both ${JSON.stringify(resolved.quote)})`);
  return resolved;
}

function inputPath(input: unknown): string {
  if (input instanceof URL) {
    if (input.protocol !== 'file:') throw invalidOption('input', `only file: URLs are supported, got ${input.protocol}`);
    return fileURLToPath(input);
  }
  if (typeof input === 'string' && input.length > 0) return input.startsWith('file:') ? fileURLToPath(input) : input;
  throw invalidOption('input', `expected a file path or file: URL, got ${describe(input)}`);
}

function aggregateSpec(spec: unknown): AggregateSpec {
  if (spec === null || typeof spec !== 'object') throw invalidOption('aggregate', `expected { groupBy?, measures }, got ${describe(spec)}`);
  knownKeys('aggregate', spec, ['groupBy', 'measures']);
  const { groupBy, measures } = spec as AggregateSpec;
  if (groupBy !== undefined) {
    if (!Array.isArray(groupBy) || groupBy.some((c) => typeof c !== 'string')) {
      throw invalidOption('aggregate.groupBy', `expected an array of column names, got ${describe(groupBy)}`);
    }
  }
  if (measures === null || typeof measures !== 'object' || Object.keys(measures).length === 0) {
    throw invalidOption('aggregate.measures', 'expected at least one measure, e.g. { orders: count() }');
  }
  for (const [name, m] of Object.entries(measures)) {
    const kind = (m as MeasureSpec | null)?.kind;
    if (!MEASURE_KINDS.includes(kind as never)) {
      throw invalidOption(`aggregate.measures.${name}`, `expected a measure (${MEASURE_KINDS.map((k) => `${k}()`).join(', ')}), got ${describe(m)}`);
    }
    if (kind !== 'count' && typeof (m as { column?: unknown }).column !== 'string') {
      throw invalidOption(`aggregate.measures.${name}`, `${kind}() needs a column name`);
    }
    if ((groupBy ?? []).includes(name)) {
      throw invalidOption(`aggregate.measures.${name}`, `"${name}" is also a group-by column; result rows would have two fields of that name`);
    }
  }
  return { groupBy: groupBy ?? [], measures };
}

function positiveInteger(name: string, value: unknown, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw invalidOption(name, `expected an integer from 1 to ${max}, got ${describe(value)}`);
  }
  return value;
}

/** A misspelt nested key (csv.delimeter) would otherwise be ignored without a word. */
function knownKeys(name: string, object: object, known: readonly string[]): void {
  for (const key of Object.keys(object)) {
    if (!known.includes(key)) throw invalidOption(`${name}.${key}`, `unknown option; the options of ${name} are ${known.join(', ')}`);
  }
}

function nonNegativeNumber(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) throw invalidOption(name, `expected a number >= 0, got ${describe(value)}`);
  return value;
}

function oneAsciiChar(name: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.length !== 1 || value.charCodeAt(0) > 127) {
    throw invalidOption(name, `expected one ASCII character, got ${describe(value)}`);
  }
  return value;
}

function boolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalidOption(name, `expected true or false, got ${describe(value)}`);
  return value;
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) throw invalidOption(name, `expected ${allowed.map((a) => `'${a}'`).join(' or ')}, got ${describe(value)}`);
  return value as T;
}

const LIMITS = ['maxOldGenerationSizeMb', 'maxYoungGenerationSizeMb', 'codeRangeSizeMb', 'stackSizeMb'] as const;

function resourceLimits(value: unknown): ResourceLimits | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object') throw invalidOption('workerResourceLimits', `expected an object, got ${describe(value)}`);
  knownKeys('workerResourceLimits', value, LIMITS);
  for (const [key, limit] of Object.entries(value)) {
    if (typeof limit !== 'number' || !(limit > 0) || !Number.isFinite(limit)) throw invalidOption(`workerResourceLimits.${key}`, `expected a number of MB > 0, got ${describe(limit)}`);
  }
  return value as ResourceLimits;
}

function abortSignal(value: unknown): AbortSignal | undefined {
  if (value === undefined || value instanceof AbortSignal) return value;
  throw invalidOption('signal', `expected an AbortSignal, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}
