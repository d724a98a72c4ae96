/**
 * One field of the job model (api/job-model.ts) checked against a value, with the coded error
 * that names the option and says what it should be. The message comes from the field's schema
 * (its type and bounds), so a field's rule is written once, in the model.
 */
import type { TSchema } from '@sinclair/typebox';
import type { Field } from '../api/job-model/index.js';
import { invalidOption } from '../errors.js';

interface JsonSchema {
  type?: string;
  enum?: readonly string[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  'x-char'?: true;
  'x-expected'?: string;
}

/**
 * `value` as the field allows it, or its default when undefined (which may be undefined).
 * Throws ERR_INVALID_OPTION naming `name`.
 */
export function checkField(name: string, field: Field | TSchema, value: unknown): unknown {
  const schema = field as JsonSchema & { 'x-default'?: unknown };
  if (value === undefined) return schema['x-default'];
  if (!fits(schema, value)) throw invalidOption(name, `expected ${expected(schema)}, got ${describe(value)}`);
  return value;
}

/** Every field of `fields` in `given` (named `prefix` + its name), in the table's order: their values or defaults. */
export function checkFields(fields: Record<string, Field>, given: object, prefix: string): Record<string, unknown> {
  const values = given as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(fields)) out[name] = checkField(prefix + name, field, values[name]);
  return out;
}

function fits(schema: JsonSchema, value: unknown): boolean {
  if (schema.enum !== undefined) return schema.enum.includes(value as string);
  if (schema['x-char']) return typeof value === 'string' && value.length === 1 && value.charCodeAt(0) <= 127;
  switch (schema.type) {
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string' && value.length >= (schema.minLength ?? 0);
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value) && inBounds(schema, value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && inBounds(schema, value);
    default:
      throw new Error(`checkField: no rule for a schema of type ${String(schema.type)}`);
  }
}

function inBounds(schema: JsonSchema, value: number): boolean {
  return (
    (schema.minimum === undefined || value >= schema.minimum) &&
    (schema.maximum === undefined || value <= schema.maximum)
  );
}

/** What the field should be, as the messages have always said it. */
function expected(schema: JsonSchema): string {
  if (schema.enum !== undefined) return schema.enum.map((a) => `'${a}'`).join(' or ');
  if (schema['x-char']) return 'one ASCII character';
  if (schema['x-expected'] !== undefined) return schema['x-expected'];
  const { minimum, maximum } = schema;
  switch (schema.type) {
    case 'boolean':
      return 'true or false';
    case 'integer':
      return maximum === undefined ? `an integer >= ${minimum}` : `an integer from ${minimum} to ${maximum}`;
    case 'number':
      return maximum === undefined ? `a number >= ${minimum}` : `a number from ${minimum} to ${maximum}`;
    default:
      return 'a non-empty string';
  }
}

/** A value as a message shows it: text quoted, objects by kind (never their contents). */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}
