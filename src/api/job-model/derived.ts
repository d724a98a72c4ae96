/**
 * What the job model's table (fields.ts) gives everyone else: the types of each surface's
 * options, the resolved fields, the fields validate() checks by their schema alone, and the
 * options a queued job refuses.
 */
import type { Static, TObject } from '@sinclair/typebox';
import type { Field, Surface } from './field.js';
import { type CSV_FIELDS, JOB_FIELDS } from './fields.js';

type JobFields = typeof JOB_FIELDS;
type CsvFields = typeof CSV_FIELDS;

/** The fields that say what to compute; their types in the library are options.ts's. */
export type WorkField = 'aggregate' | 'task' | 'transform' | 'params' | 'output';
/**
 * Fields validate() resolves by rules of its own: their shape differs per surface or is not JSON
 * (a signal), or their default depends on other fields. Every other field is checked by its
 * schema alone.
 */
const RESOLVED_APART = [
  'input',
  'csv',
  'aggregate',
  'task',
  'transform',
  'params',
  'output',
  'format',
  'gzip',
  'workers',
  'chunkSize',
  'workerResourceLimits',
  'signal',
  'checkpoint',
  'where',
  'cluster',
  's3',
] as const satisfies readonly (keyof JobFields)[];
type SpecialField = (typeof RESOLVED_APART)[number];

/** The names of the fields of `F` allowed on surface `S`. */
export type KeysOn<F extends Record<string, Field>, S extends Surface> = {
  [K in keyof F]: S extends F[K]['x-on'][number] ? K : never;
}[keyof F];

/** The fields of `F` allowed on `S`, as a caller gives them (every one optional). */
export type FieldsOn<F extends Record<string, Field>, S extends Surface> = Static<TObject<Pick<F, KeysOn<F, S>>>>;

/** The fields of `F` as validate() leaves them: a field with a default always has a value. */
export type Resolved<F extends Record<string, Field>> = {
  -readonly [K in keyof F]-?: undefined extends F[K]['x-default']
    ? Static<F[K]> | undefined
    : Exclude<Static<F[K]>, undefined>;
};

/** `csv: { ... }`, the CSV dialect of a job. */
export type CsvOptions = FieldsOn<CsvFields, 'options'>;
/** The fields of processDataset's options (options.ts types the input and the work for the library). */
export type JobFieldOptions = FieldsOn<JobFields, 'options'>;
/**
 * A job spec as a store keeps it: JSON only, the input an absolute path, modules as URLs, and
 * none of the fields a queued job refuses (QUEUE_REFUSED).
 */
export type StoredSpec = FieldsOn<JobFields, 'queue'> & { input: string };
/** A job spec as a client posts it (POST /api/jobs): paths and module names relative to the server's dirs. */
export type HttpSpec = FieldsOn<JobFields, 'http'> & { input: string };
/** The plain fields after validate(): checked, defaults filled in (csv's fields are flattened beside them). */
export type ResolvedFields = Resolved<Omit<JobFields, SpecialField>> & Resolved<CsvFields>;

/** Every field a job takes, in order: what the "unknown option" message lists. */
export const JOB_FIELD_NAMES = Object.keys(JOB_FIELDS) as (keyof JobFields)[];
/** The fields validate() checks by the model alone, in order (the rest it resolves by rules of its own). */
export const PLAIN_FIELDS = JOB_FIELD_NAMES.filter(
  (name) => !(RESOLVED_APART as readonly string[]).includes(name),
) as Exclude<keyof JobFields, SpecialField>[];

/** Whether a field may be given on a surface. */
export function allowedOn(schema: Field, surface: Surface): boolean {
  return (schema['x-on'] as readonly Surface[]).includes(surface);
}

/** The options a queued job refuses, each with why (the fields not on `queue`). */
export type RefusedField = Exclude<keyof JobFields, KeysOn<JobFields, 'queue'>>;
export const QUEUE_REFUSED = Object.fromEntries(
  Object.entries(JOB_FIELDS)
    .filter(([, schema]) => !allowedOn(schema, 'queue'))
    .map(([name, schema]) => [name, String((schema as { 'x-refused'?: string })['x-refused'])]),
) as Readonly<Record<RefusedField, string>>;
