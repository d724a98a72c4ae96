/**
 * The JSON schemas of the API's bodies and queries. The job spec is an allow-list: the
 * processDataset options a client may set, each with its type and bounds; anything else is a 400
 * naming it. Options that reach past the data dir or the pool (checkpoint, workerResourceLimits,
 * signal) are not in it, and paths and modules are strings the server resolves itself
 * (data-dir.ts, task-modules.ts). What the schema leaves open (a measure's kind, a column name)
 * the queue's own validation checks, with the same 400.
 *
 * A new processDataset option is refused here until it is added: the server exposes nothing by
 * accident.
 */
import type { JobState } from '../index.js';

const name = { type: 'string', minLength: 1, maxLength: 1024 } as const;
const columnName = { type: 'string', maxLength: 1024 } as const;
const columns = { type: 'array', items: columnName, maxItems: 1024 } as const;

/** The smallest chunk a client may ask for: 64 KiB keeps a 1 GB file under ~16k chunks. */
const MIN_CHUNK = 64 << 10;

const measure = {
  type: 'object',
  required: ['kind'],
  properties: { kind: { type: 'string', maxLength: 64 }, column: columnName },
  // A measure's other parameters (later kinds have some) are the queue's to check.
  additionalProperties: { type: ['string', 'number', 'boolean', 'null'] },
} as const;

export const specSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['input'],
  properties: {
    input: name,
    format: { enum: ['csv', 'ndjson'] },
    gzip: { type: 'boolean' },
    workers: { type: 'integer', minimum: 1, maximum: 1024 },
    chunkSize: { type: 'integer', minimum: MIN_CHUNK, maximum: 1 << 30 },
    csv: {
      type: 'object',
      additionalProperties: false,
      properties: {
        delimiter: { type: 'string', minLength: 1, maxLength: 4 },
        quote: { type: 'string', minLength: 1, maxLength: 4 },
        header: { type: 'boolean' },
      },
    },
    aggregate: {
      type: 'object',
      additionalProperties: false,
      required: ['measures'],
      properties: {
        groupBy: columns,
        measures: { type: 'object', maxProperties: 256, additionalProperties: measure },
      },
    },
    task: { type: 'string', minLength: 1, maxLength: 256 },
    transform: { type: 'string', minLength: 1, maxLength: 256 },
    params: {},
    output: {
      type: 'object',
      additionalProperties: false,
      required: ['path'],
      properties: { path: name, format: { enum: ['csv', 'ndjson', 'json'] }, columns },
    },
    onBadRow: { enum: ['error', 'skip', 'report'] },
    rejects: name,
    onBadNumber: { enum: ['error', 'skip'] },
    onQuoteMismatch: { enum: ['sequential', 'error'] },
    maxRecordSize: { type: 'integer', minimum: 1, maximum: 1 << 30 },
    progressInterval: { type: 'number', minimum: 0, maximum: 60_000 },
    retries: { type: 'integer', minimum: 0, maximum: 10 },
    timeout: { type: 'integer', minimum: 1 },
  },
} as const;

/** POST /api/jobs: the spec, and how it is queued (queue.add's options). */
export const addJobBody = {
  type: 'object',
  additionalProperties: false,
  required: ['spec'],
  properties: {
    spec: specSchema,
    name: { type: 'string', maxLength: 200 },
    priority: { type: 'integer', minimum: -1000, maximum: 1000 },
    delay: { type: 'integer', minimum: 0, maximum: 366 * 86_400_000 },
    attempts: { type: 'integer', minimum: 1, maximum: 100 },
  },
} as const;

const STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const satisfies readonly JobState[];

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    state: { enum: STATES },
    limit: { type: 'integer', minimum: 1, maximum: 200 },
    cursor: { type: 'string', pattern: '^[0-9A-Za-z_-]{1,64}$' },
  },
} as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', maxLength: 64 } },
} as const;

export const resultQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { format: { enum: ['json', 'csv', 'ndjson'] } },
} as const;

/** A new upload's name: a plain file name (no folder) of a kind a job reads. */
export const UPLOAD_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const DATA_EXTENSIONS = /\.(csv|tsv|txt|ndjson|jsonl)(\.gz)?$/i;

export const uploadQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { name: { type: 'string', pattern: UPLOAD_NAME.source } },
} as const;

export const eventsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    /** Comma-separated event types to send (the all-jobs feed). */
    types: { type: 'string', pattern: '^[a-zA-Z]+(,[a-zA-Z]+)*$', maxLength: 200 },
  },
} as const;
