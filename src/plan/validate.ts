/**
 * validate(): every option checked before anything starts, defaults filled in. A bad value fails
 * with ERR_INVALID_OPTION naming the option, the value and what it should be; so does an unknown
 * key at any level (a misspelt csv.delimeter would otherwise be ignored without a word).
 */
import { availableParallelism } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import type { ResourceLimits } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MEASURE_KINDS, type AggregateSpec, type MeasureSpec } from '../api/measures.js';
import { DEFAULTS, MAX_RECORD_SIZE, type AnyProcessOptions, type OutputOptions } from '../api/options.js';
import type { TaskModuleRef } from '../api/tasks.js';
import { ChunkmillError, invalidOption } from '../errors.js';
import type { WorkRequest } from '../kinds/computation.js';
import { parseWhere, WhereSyntaxError, type WhereExpr } from '../kinds/filter/parse.js';
import type { ResolvedOutput } from '../kinds/output/writer.js';
import { resolveCluster } from './cluster-options.js';
import type { ResolvedInput, ResolvedOptions } from './resolved-options.js';

const KNOWN = new Set([
  'input',
  'format',
  'gzip',
  'workers',
  'chunkSize',
  'chunkRows',
  'csv',
  'aggregate',
  'task',
  'transform',
  'params',
  'output',
  'rejects',
  'onBadRow',
  'onBadNumber',
  'onQuoteMismatch',
  'maxRecordSize',
  'progressInterval',
  'workerResourceLimits',
  'signal',
  'retries',
  'retryTaskErrors',
  'timeout',
  'checkpoint',
  'where',
  'cluster',
]);

/** Checks every option and fills in defaults. Throws ERR_INVALID_OPTION naming the option. */
export function validate(options: AnyProcessOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object')
    throw invalidOption('options', `expected an object, got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw invalidOption(key, `unknown option; the options are ${[...KNOWN].join(', ')}`);
  }
  const csv = options.csv ?? {};
  if (csv === null || typeof csv !== 'object') throw invalidOption('csv', `expected an object, got ${describe(csv)}`);
  knownKeys('csv', csv, ['delimiter', 'quote', 'header']);
  const input = resolveInput(options);
  const cluster = resolveCluster(options.cluster, options);
  const resolved: ResolvedOptions = {
    input,
    path: input.name,
    work: resolveWork(options),
    // A cluster job's default is every thread of the cluster: processDataset caps this once it knows them.
    workers: positiveInteger('workers', options.workers, cluster ? Number.MAX_SAFE_INTEGER : availableParallelism()),
    chunkSize: positiveInteger(
      'chunkSize',
      options.chunkSize,
      options.transform !== undefined ? DEFAULTS.transformChunkSize : DEFAULTS.chunkSize,
    ),
    chunkRows: positiveInteger('chunkRows', options.chunkRows, DEFAULTS.chunkRows),
    delimiter: oneAsciiChar('csv.delimiter', csv.delimiter, DEFAULTS.delimiter),
    quote: oneAsciiChar('csv.quote', csv.quote, DEFAULTS.quote),
    header: boolean('csv.header', csv.header, DEFAULTS.header),
    onBadRow: oneOf('onBadRow', options.onBadRow, ['error', 'skip', 'report'], DEFAULTS.onBadRow),
    rejects: rejectsPath(options.onBadRow, options.rejects),
    onBadNumber: oneOf('onBadNumber', options.onBadNumber, ['error', 'skip'], DEFAULTS.onBadNumber),
    onQuoteMismatch: oneOf(
      'onQuoteMismatch',
      options.onQuoteMismatch,
      ['sequential', 'error'],
      DEFAULTS.onQuoteMismatch,
    ),
    maxRecordSize: positiveInteger('maxRecordSize', options.maxRecordSize, DEFAULTS.maxRecordSize, MAX_RECORD_SIZE),
    progressInterval: nonNegativeNumber('progressInterval', options.progressInterval, DEFAULTS.progressInterval),
    workerResourceLimits: resourceLimits(options.workerResourceLimits),
    signal: abortSignal(options.signal),
    retries: options.retries === undefined ? DEFAULTS.retries : nonNegativeInteger('retries', options.retries),
    retryTaskErrors: boolean('retryTaskErrors', options.retryTaskErrors, DEFAULTS.retryTaskErrors),
    timeout: options.timeout === undefined ? undefined : positiveInteger('timeout', options.timeout, 0, 2 ** 31 - 1),
    checkpoint: undefined,
    where: where(options.where),
    cluster,
  };
  resolved.checkpoint = checkpointPath(options.checkpoint, resolved);
  for (const [name, value] of [
    ['csv.delimiter', resolved.delimiter],
    ['csv.quote', resolved.quote],
  ] as const) {
    if (value === '\n' || value === '\r') throw invalidOption(name, `${JSON.stringify(value)} is a line break`);
  }
  if (resolved.delimiter === resolved.quote)
    throw invalidOption('csv.quote', `must differ from csv.delimiter (both ${JSON.stringify(resolved.quote)})`);
  return resolved;
}

function resolveInput(options: AnyProcessOptions): ResolvedInput {
  const { input } = options;
  const format = oneOf('format', options.format, ['csv', 'ndjson'], undefined);
  const gzip = options.gzip === undefined ? undefined : boolean('gzip', options.gzip, false);
  if (Array.isArray(input)) {
    if (format !== undefined || gzip !== undefined)
      throw invalidOption(format !== undefined ? 'format' : 'gzip', 'does not apply to an in-memory array input');
    return { kind: 'array', name: '<array>', rows: input };
  }
  if (input !== null && typeof input === 'object' && !(input instanceof URL) && Symbol.asyncIterator in input) {
    if (gzip) throw invalidOption('gzip', 'applies to files; pipe a stream through zlib.createGunzip() instead');
    return { kind: 'stream', name: '<stream>', stream: input as AsyncIterable<Uint8Array>, format: format ?? 'csv' };
  }
  let path: string;
  if (input instanceof URL) {
    if (input.protocol !== 'file:')
      throw invalidOption('input', `only file: URLs are supported, got ${input.protocol}`);
    path = fileURLToPath(input);
  } else if (typeof input === 'string' && input.length > 0) {
    path = input.startsWith('file:') ? fileURLToPath(input) : input;
  } else {
    throw invalidOption(
      'input',
      `expected a file path, a file: URL, a readable stream or an array of records, got ${describe(input)}`,
    );
  }
  const compressed = /\.gz$/i.test(path);
  const plain = compressed ? path.slice(0, -3) : path;
  return {
    kind: 'file',
    name: path,
    path,
    format: format ?? (/\.(ndjson|jsonl)$/i.test(plain) ? 'ndjson' : 'csv'),
    gzip: gzip ?? compressed,
  };
}

/** Exactly one of aggregate, task and transform says what to compute. */
function resolveWork(options: AnyProcessOptions): WorkRequest {
  const given = (['aggregate', 'task', 'transform'] as const).filter((k) => options[k] !== undefined);
  if (given.length !== 1) {
    throw invalidOption(
      given[1] ?? 'aggregate',
      given.length === 0
        ? 'say what to compute: aggregate, task or transform'
        : `aggregate, task and transform exclude each other; got ${given.join(' and ')}`,
    );
  }
  if (options.output !== undefined && options.transform === undefined)
    throw invalidOption('output', 'applies to a transform only');
  if (options.params !== undefined && options.aggregate !== undefined)
    throw invalidOption('params', 'applies to a task or transform only');
  if (options.aggregate !== undefined) return { kind: 'aggregate', spec: aggregateSpec(options.aggregate) };
  if (options.task !== undefined) return { kind: 'task', url: moduleUrl('task', options.task), params: options.params };
  return {
    kind: 'transform',
    url: moduleUrl('transform', options.transform),
    params: options.params,
    output: resolveOutput(options.output),
  };
}

/** A module location as a URL string; relative paths are taken from the working directory. */
function moduleUrl(name: string, value: unknown): string {
  const location =
    value !== null &&
    typeof value === 'object' &&
    !(value instanceof URL) &&
    typeof (value as TaskModuleRef).url === 'string'
      ? (value as TaskModuleRef).url
      : value;
  if (location instanceof URL) return location.href;
  if (typeof location === 'string' && location.length > 0) {
    if (/^(file|data):/.test(location)) return location;
    return pathToFileURL(resolvePath(location)).href;
  }
  throw invalidOption(name, `expected a module URL or path, got ${describe(value)}`);
}

function resolveOutput(output: unknown): ResolvedOutput {
  if (output === null || typeof output !== 'object')
    throw invalidOption('output', `expected { path } or { stream }, got ${describe(output)}`);
  knownKeys('output', output, ['path', 'stream', 'format', 'columns']);
  const { path, stream, format, columns } = output as OutputOptions;
  if ((path === undefined) === (stream === undefined))
    throw invalidOption('output', 'give exactly one of output.path and output.stream');
  if (path !== undefined && (typeof path !== 'string' || path.length === 0))
    throw invalidOption('output.path', `expected a file path, got ${describe(path)}`);
  if (stream !== undefined && typeof (stream as NodeJS.WritableStream).write !== 'function')
    throw invalidOption('output.stream', `expected a writable stream, got ${describe(stream)}`);
  if (columns !== undefined && (!Array.isArray(columns) || columns.some((c) => typeof c !== 'string')))
    throw invalidOption('output.columns', `expected an array of names, got ${describe(columns)}`);
  const guessed =
    path === undefined ? 'csv' : /\.(ndjson|jsonl)$/i.test(path) ? 'ndjson' : /\.json$/i.test(path) ? 'json' : 'csv';
  return { path, stream, format: oneOf('output.format', format, ['csv', 'ndjson', 'json'], guessed), columns };
}

function aggregateSpec(spec: unknown): AggregateSpec {
  if (spec === null || typeof spec !== 'object')
    throw invalidOption('aggregate', `expected { groupBy?, measures }, got ${describe(spec)}`);
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
      throw invalidOption(
        `aggregate.measures.${name}`,
        `expected a measure (${MEASURE_KINDS.map((k) => `${k}()`).join(', ')}), got ${describe(m)}`,
      );
    }
    if (kind !== 'count' && typeof (m as { column?: unknown }).column !== 'string') {
      throw invalidOption(`aggregate.measures.${name}`, `${kind}() needs a column name`);
    }
    if ((groupBy ?? []).includes(name)) {
      throw invalidOption(
        `aggregate.measures.${name}`,
        `"${name}" is also a group-by column; result rows would have two fields of that name`,
      );
    }
  }
  return { groupBy: groupBy ?? [], measures };
}

/** The where expression, parsed: a syntax error names the option and points at the character. */
function where(value: unknown): { text: string; expr: WhereExpr } | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw invalidOption('where', `expected an expression as a string, got ${describe(value)}`);
  try {
    return { text: value, expr: parseWhere(value) };
  } catch (e) {
    if (!(e instanceof WhereSyntaxError)) throw e;
    throw new ChunkmillError({
      code: 'ERR_INVALID_OPTION',
      option: 'where',
      message: `Invalid option "where": ${e.describe()}`,
    });
  }
}

function positiveInteger(name: string, value: unknown, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw invalidOption(name, `expected an integer from 1 to ${max}, got ${describe(value)}`);
  }
  return value;
}

function checkpointPath(path: unknown, resolved: ResolvedOptions): string | undefined {
  if (path === undefined) return undefined;
  if (typeof path !== 'string' || path.length === 0)
    throw invalidOption('checkpoint', `expected a file path, got ${describe(path)}`);
  const { input, work } = resolved;
  if (input.kind !== 'file' || input.gzip || input.format !== 'csv')
    throw invalidOption(
      'checkpoint',
      'applies to plain CSV files: a stream or a compressed file cannot be re-read from a chunk',
    );
  if (work.kind === 'transform')
    throw invalidOption(
      'checkpoint',
      "applies to aggregates and tasks: a transform's output file would have to be rewound too",
    );
  return path;
}

function rejectsPath(policy: unknown, path: unknown): string | undefined {
  if (policy === 'report' && path === undefined)
    throw invalidOption('rejects', 'onBadRow: "report" writes rejected records to a file: give its path in rejects');
  if (path === undefined) return undefined;
  if (policy !== 'report') throw invalidOption('rejects', 'applies to onBadRow: "report" only');
  if (typeof path !== 'string' || path.length === 0)
    throw invalidOption('rejects', `expected a file path, got ${describe(path)}`);
  return path;
}

function nonNegativeInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw invalidOption(name, `expected an integer >= 0, got ${describe(value)}`);
  return value;
}

/** A misspelt nested key (csv.delimeter) would otherwise be ignored without a word. */
function knownKeys(name: string, object: object, known: readonly string[]): void {
  for (const key of Object.keys(object)) {
    if (!known.includes(key))
      throw invalidOption(`${name}.${key}`, `unknown option; the options of ${name} are ${known.join(', ')}`);
  }
}

function nonNegativeNumber(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value))
    throw invalidOption(name, `expected a number >= 0, got ${describe(value)}`);
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

function oneOf<T extends string, F extends T | undefined>(
  name: string,
  value: unknown,
  allowed: readonly T[],
  fallback: F,
): T | F {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T))
    throw invalidOption(name, `expected ${allowed.map((a) => `'${a}'`).join(' or ')}, got ${describe(value)}`);
  return value as T;
}

const LIMITS = ['maxOldGenerationSizeMb', 'maxYoungGenerationSizeMb', 'codeRangeSizeMb', 'stackSizeMb'] as const;

function resourceLimits(value: unknown): ResourceLimits | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object')
    throw invalidOption('workerResourceLimits', `expected an object, got ${describe(value)}`);
  knownKeys('workerResourceLimits', value, LIMITS);
  for (const [key, limit] of Object.entries(value)) {
    if (typeof limit !== 'number' || !(limit > 0) || !Number.isFinite(limit))
      throw invalidOption(`workerResourceLimits.${key}`, `expected a number of MB > 0, got ${describe(limit)}`);
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
