/**
 * validate(): every option checked before anything starts, defaults filled in. A bad value fails
 * with ERR_INVALID_OPTION naming the option, the value and what it should be; so does an unknown
 * key at any level (a misspelt csv.delimeter would otherwise be ignored without a word).
 *
 * The fields' types, bounds and defaults are the job model's (api/job-model/), checked by
 * check-field.ts; what is here are the rules between fields and the fields whose shape is not
 * plain JSON (the input, the work, the output).
 */
import { availableParallelism } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import type { ResourceLimits } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import {
  CSV_FIELDS,
  JOB_FIELD_NAMES,
  JOB_FIELDS,
  OUTPUT_SCHEMA,
  PLAIN_FIELDS,
  type ResolvedFields,
  type StoredSpec,
} from '../api/job-model/index.js';
import { MEASURE_KINDS, type AggregateSpec, type MeasureSpec } from '../api/measures.js';
import { DEFAULTS, type AnyProcessOptions, type OutputOptions } from '../api/options.js';
import type { S3Settings } from '../api/s3-settings.js';
import type { TaskModuleRef } from '../api/tasks.js';
import { ChunkmillError, invalidOption } from '../errors.js';
import type { WorkRequest } from '../kinds/computation.js';
import { parseWhere, WhereSyntaxError, type WhereExpr } from '../kinds/filter/parse.js';
import type { ResolvedOutput } from '../kinds/output/writer.js';
import { checkField, checkFields, describe } from './check-field.js';
import { resolveCluster } from './cluster-options.js';
import { resolveInput } from './resolve-input.js';
import type { ResolvedOptions } from './resolved-options.js';

/** Checks every option and fills in defaults. Throws ERR_INVALID_OPTION naming the option. */
export function validate(options: AnyProcessOptions | StoredSpec): ResolvedOptions {
  if (options === null || typeof options !== 'object')
    throw invalidOption('options', `expected an object, got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (!(key in JOB_FIELDS)) throw invalidOption(key, `unknown option; the options are ${JOB_FIELD_NAMES.join(', ')}`);
  }
  // Every check below reads the options as the library's: a stored spec is one (it was checked
  // by this function when it was queued, and JSON is a subset of what the library takes).
  const o = options as AnyProcessOptions;
  const csv = o.csv ?? {};
  if (csv === null || typeof csv !== 'object') throw invalidOption('csv', `expected an object, got ${describe(csv)}`);
  knownKeys('csv', csv, Object.keys(CSV_FIELDS));
  const input = resolveInput(o);
  const cluster = resolveCluster(o.cluster, o);
  const work = resolveWork(o);
  const resolved: ResolvedOptions = {
    input,
    path: input.name,
    work,
    // A cluster job's default is every thread of the cluster: processDataset caps this once it knows them.
    workers:
      (checkField('workers', JOB_FIELDS.workers, o.workers) as number | undefined) ??
      (cluster ? Number.MAX_SAFE_INTEGER : availableParallelism()),
    chunkSize:
      (checkField('chunkSize', JOB_FIELDS.chunkSize, o.chunkSize) as number | undefined) ??
      (o.transform !== undefined ? DEFAULTS.transformChunkSize : DEFAULTS.chunkSize),
    ...csvFields(csv),
    ...plainFields(o),
    rejects: rejectsPath(o.onBadRow, o.rejects),
    workerResourceLimits: resourceLimits(o.workerResourceLimits),
    signal: abortSignal(o.signal),
    checkpoint: undefined,
    where: where(o.where),
    cluster,
    s3: s3Settings(o.s3),
    confinement: undefined, // an engine's own (engine/job-run.ts), never an option
    openTarget: undefined, // the job layer's (job/output-target.ts), never an option
  };
  resolved.checkpoint = checkpointPath(o.checkpoint, resolved);
  if (resolved.unionColumns && (input.kind === 'stream' || input.kind === 'array'))
    throw invalidOption(
      'unionColumns',
      `applies to files and objects, whose headers it unites; the input is ${input.name}`,
    );
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

/** The job model's plain fields, checked in the model's order, defaults filled in. */
function plainFields(options: AnyProcessOptions): ResolvedFields {
  const fields = Object.fromEntries(PLAIN_FIELDS.map((name) => [name, JOB_FIELDS[name]]));
  return checkFields(fields, options, '') as ResolvedFields;
}

function csvFields(csv: object): { delimiter: string; quote: string; header: boolean } {
  return checkFields(CSV_FIELDS, csv, 'csv.') as { delimiter: string; quote: string; header: boolean };
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
    path === undefined
      ? 'csv'
      : /\.(ndjson|jsonl)$/i.test(path)
        ? 'ndjson'
        : /\.json$/i.test(path)
          ? 'json'
          : /\.tsv$/i.test(path)
            ? 'tsv'
            : 'csv';
  const checked = checkField('output.format', OUTPUT_SCHEMA.properties.format, format) as ResolvedOutput['format'];
  return { path, stream, format: checked ?? guessed, columns };
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
    // A field no measure reads ({ kind: 'count', foo: 'bar' }) is a mistake, not something to ignore.
    knownKeys(`aggregate.measures.${name}`, m as object, kind === 'count' ? ['kind'] : ['kind', 'column']);
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
  const text = checkField('where', JOB_FIELDS.where, value) as string;
  try {
    return { text, expr: parseWhere(text) };
  } catch (e) {
    if (!(e instanceof WhereSyntaxError)) throw e;
    throw new ChunkmillError({
      code: 'ERR_INVALID_OPTION',
      option: 'where',
      message: `Invalid option "where": ${e.describe()}`,
    });
  }
}

function checkpointPath(path: unknown, resolved: ResolvedOptions): string | undefined {
  if (path === undefined) return undefined;
  const checked = checkField('checkpoint', JOB_FIELDS.checkpoint, path) as string;
  const { input, work } = resolved;
  // A dataset's sources are known once it is expanded: one read as a stream is refused then (schedule-job.ts).
  const plain = input.kind === 'file' || input.kind === 'dataset';
  if (!plain || input.gzip === true || input.format === 'ndjson')
    throw invalidOption(
      'checkpoint',
      'applies to plain CSV files: a stream or a compressed file cannot be re-read from a chunk',
    );
  if (work.kind === 'transform')
    throw invalidOption(
      'checkpoint',
      "applies to aggregates and tasks: a transform's output file would have to be rewound too",
    );
  return checked;
}

function rejectsPath(policy: unknown, path: unknown): string | undefined {
  if (policy === 'report' && path === undefined)
    throw invalidOption('rejects', 'onBadRow: "report" writes rejected records to a file: give its path in rejects');
  if (path === undefined) return undefined;
  if (policy !== 'report') throw invalidOption('rejects', 'applies to onBadRow: "report" only');
  return path as string; // its type is checked with the plain fields
}

/** A misspelt nested key (csv.delimeter) would otherwise be ignored without a word. */
function knownKeys(name: string, object: object, known: readonly string[]): void {
  for (const key of Object.keys(object)) {
    if (!known.includes(key))
      throw invalidOption(`${name}.${key}`, `unknown option; the options of ${name} are ${known.join(', ')}`);
  }
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

/** The `s3` option: known keys of the right types; a secret is never shown in a message. */
function s3Settings(value: unknown): S3Settings | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object')
    throw invalidOption('s3', `expected an object, got ${describe(value)}`);
  knownKeys('s3', value, ['endpoint', 'region', 'credentials', 'forcePathStyle']);
  const { endpoint, region, credentials, forcePathStyle } = value as Record<string, unknown>;
  for (const [name, v] of [
    ['endpoint', endpoint],
    ['region', region],
  ] as const)
    if (v !== undefined && (typeof v !== 'string' || v === ''))
      throw invalidOption(`s3.${name}`, `expected a non-empty string, got ${describe(v)}`);
  if (forcePathStyle !== undefined && typeof forcePathStyle !== 'boolean')
    throw invalidOption('s3.forcePathStyle', `expected true or false, got ${describe(forcePathStyle)}`);
  if (credentials !== undefined) {
    if (credentials === null || typeof credentials !== 'object')
      throw invalidOption('s3.credentials', 'expected { accessKeyId, secretAccessKey, sessionToken? }');
    knownKeys('s3.credentials', credentials, ['accessKeyId', 'secretAccessKey', 'sessionToken']);
    const c = credentials as Record<string, unknown>;
    for (const key of ['accessKeyId', 'secretAccessKey', 'sessionToken'])
      if ((c[key] !== undefined || key !== 'sessionToken') && (typeof c[key] !== 'string' || c[key] === ''))
        throw invalidOption(`s3.credentials.${key}`, 'expected a non-empty string'); // never the value: it may be a secret
  }
  return value as S3Settings;
}

function abortSignal(value: unknown): AbortSignal | undefined {
  if (value === undefined || value instanceof AbortSignal) return value;
  throw invalidOption('signal', `expected an AbortSignal, got ${describe(value)}`);
}
