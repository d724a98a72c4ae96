/**
 * The JSON schemas of the API's bodies and queries. The job spec is an allow-list: the
 * processDataset options a client may set, each with its type and bounds; anything else is a 400
 * naming it. It is the job model's `http` surface (api/job-model/fields.ts): options that reach
 * past the data dir or the pool (checkpoint, workerResourceLimits, signal, cluster) are not on it,
 * bounds are tighter where a client could ask for too much, and paths and modules are strings the
 * server resolves itself (data-dir.ts, task-modules.ts). What the schema leaves open (a measure's
 * kind, a column name) the queue's own validation checks, with the same 400.
 *
 * A new option is refused here until the model puts it on the `http` surface: the server exposes
 * nothing by accident.
 */
import { META_KEY, QUEUEING_SCHEMAS, specSchemaOn } from '../internal.js';
import type { JobState } from '../index.js';

const JOB_STATE_NAMES = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
] as const satisfies readonly JobState[];

/** The job spec a client may post: generated from the job model's `http` surface (api/job-model/). */
export const specSchema = specSchemaOn('http');

/** POST /api/jobs: the spec, and how it is queued (queue.add's options, from the job model: api/job-model/queueing.ts). */
export const addJobBody = {
  type: 'object',
  additionalProperties: false,
  required: ['spec'],
  properties: { spec: specSchema, ...QUEUEING_SCHEMAS },
} as const;

/** POST /api/jobs/bulk: what to do to every job in a state. */
export const bulkBody = {
  type: 'object',
  additionalProperties: false,
  required: ['action', 'state'],
  properties: { action: { enum: ['cancel', 'remove'] }, state: { enum: JOB_STATE_NAMES } },
} as const;

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  // meta.<key>=<value>: only jobs with that label (up to 8 of them: list-sql.ts).
  patternProperties: { [`^meta\\.${META_KEY.source.slice(1, -1)}$`]: { type: 'string', maxLength: 256 } },
  maxProperties: 12,
  properties: {
    state: { enum: JOB_STATE_NAMES },
    /** Only jobs whose name holds this text (case-insensitive): the dashboard's search. */
    name: { type: 'string', maxLength: 200 },
    limit: { type: 'integer', minimum: 1, maximum: 200 },
    cursor: { type: 'string', pattern: '^[0-9A-Za-z_-]{1,64}$' },
  },
} as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', maxLength: 64 } },
} as const;

/** The most rows one page of a result may ask for (`limit`): one or two stored pages to read. */
export const RESULT_PAGE_MAX = 10_000;

export const resultQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    format: { enum: ['json', 'csv', 'ndjson'] },
    /** With format=csv: neutralise cells a spreadsheet would run as a formula (results.ts). */
    spreadsheetSafe: { type: 'boolean' },
    /** A page of the rows: at most `limit` of them, after the first `offset` (results.ts). */
    limit: { type: 'integer', minimum: 1, maximum: RESULT_PAGE_MAX },
    offset: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
  },
} as const;

/** A new upload's name: a plain file name (no folder) of a kind a job reads. */
export const UPLOAD_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const DATA_EXTENSIONS = /\.(csv|tsv|txt|ndjson|jsonl)(\.gz)?$/i;

/** `name` is required for a raw body; a multipart one may take its file part's name (uploads.ts). */
export const uploadQuery = {
  type: 'object',
  additionalProperties: false,
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
