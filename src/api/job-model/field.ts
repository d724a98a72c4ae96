/**
 * The vocabulary of the job model (fields.ts): a field is a TypeBox schema (JSON Schema and a
 * TypeScript type at once) with what JSON Schema cannot say under `x-` keys: the surfaces it is
 * allowed on, its default, its bounds over HTTP, why a queued job refuses it. The `x-` keys are
 * read by validate() and by jsonSchemaOn(); no validator ever sees them.
 */
import type { OptionalKind, TSchema } from '@sinclair/typebox';
import { Type } from './typebox.js';

// Declarations of the model's tables name it (every field is optional).
export type { OptionalKind };

/** Where a field may be given. */
export type Surface = 'options' | 'queue' | 'http';

export const EVERYWHERE = ['options', 'queue', 'http'] as const;
export const NOT_OVER_HTTP = ['options', 'queue'] as const;
export const OPTIONS_ONLY = ['options'] as const;

/** A field's schema with what JSON Schema cannot say, under `x-` keys (never sent to a validator as is). */
export type Field<T extends TSchema = TSchema, S extends readonly Surface[] = readonly Surface[], D = unknown> = T & {
  /** Every field is optional (TypeBox's TOptional, spelt out so that declarations can name it). */
  [OptionalKind]: 'Optional';
  'x-on': S;
  'x-default': D;
};

interface FieldInfo<S extends readonly Surface[], D> {
  on: S;
  /** One line for the docs and the JSON schema's description. */
  doc: string;
  /** Filled in by validate() when the field is not given; undefined: none (or one that depends on other fields). */
  default?: D;
  /** Bounds for an untrusted client (POST /api/jobs), replacing the schema's own bounds there. */
  http?: Bounds;
  /** A queued job refuses this field, and the message says why. Only for fields not on `queue`. */
  refused?: string;
  /** Checked as one ASCII character (not a line break): a delimiter or a quote. */
  char?: true;
  /** What a message says the value should be, where the type alone does not say it ("a file path"). */
  expected?: string;
}

/** The JSON Schema bound keywords a surface may tighten. */
export interface Bounds {
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  maxProperties?: number;
}

export function field<T extends TSchema, const S extends readonly Surface[], const D = undefined>(
  schema: T,
  info: FieldInfo<S, D>,
): Field<T, S, D> {
  const out = Type.Optional(schema) as Field<T, S, D>;
  Object.assign(out, {
    description: info.doc,
    'x-on': info.on,
    'x-default': info.default,
    ...(info.http && { 'x-http': info.http }),
    ...(info.refused && { 'x-refused': info.refused }),
    ...(info.char && { 'x-char': true }),
    ...(info.expected && { 'x-expected': info.expected }),
  });
  return out;
}

/** One of a few words: JSON Schema's `enum` (a 400 over HTTP then lists them). */
export const oneOf = <const L extends readonly string[]>(...values: L) => Type.Unsafe<L[number]>({ enum: values });

/** A value the library takes as it is (a stream, a signal): no JSON Schema, checked by validate(). */
export const live = <T>() => Type.Unsafe<T>({});

/**
 * A field whose shape depends on the surface (a stream from code, a path in a store, a name over
 * HTTP): the schema is the stored (queued) shape, and validate() checks it by its own rules.
 */
export function shaped<T extends TSchema>(schema: T, info: Omit<FieldInfo<typeof EVERYWHERE, undefined>, 'on'>) {
  return Object.assign(field(schema, { ...info, on: EVERYWHERE }), { 'x-shaped': true as const });
}
