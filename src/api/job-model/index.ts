/**
 * The job model: every option of a job described once (fields.ts), and what is generated from
 * it (derived.ts: the types and lists; json-schema.ts: the JSON Schema of a surface).
 */
export type { Bounds, Field, Surface } from './field.js';
export { CSV_FIELDS, HTTP_MAX_WORKERS, HTTP_MIN_CHUNK, JOB_FIELDS, OUTPUT_SCHEMA } from './fields.js';
export * from './derived.js';
export { specSchemaOn } from './json-schema.js';
export { MAX_BACKOFF_MS, META_KEY, META_LIMITS, QUEUEING_SCHEMAS } from './queueing.js';
