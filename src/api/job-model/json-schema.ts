/**
 * The job model as plain JSON Schema for one surface: the fields allowed there, each with its
 * bounds on that surface (a field's `x-http` bounds replace its own for `http`), and none of the
 * model's `x-` keys or TypeBox's symbols. The server compiles the `http` one into the validator
 * of POST /api/jobs, so a field the model does not allow over HTTP is refused there by name.
 */
import type { Surface } from './field.js';
import { JOB_FIELDS } from './fields.js';

type Node = Record<string, unknown>;

/** The JSON Schema keywords the model uses, in the order they are written out. */
const KEYWORDS = [
  'description',
  'type',
  'enum',
  'items',
  'properties',
  'required',
  'additionalProperties',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'maxItems',
  'maxProperties',
] as const;
const BOUNDS = new Set(['minimum', 'maximum', 'minLength', 'maxLength', 'maxItems', 'maxProperties']);

/** A job spec's schema on `surface`: an object of the fields allowed there, `input` required, nothing else. */
export function specSchemaOn(surface: Surface): Node {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['input'],
    properties: propertiesOn(JOB_FIELDS, surface),
  };
}

function propertiesOn(properties: object, surface: Surface): Node {
  const out: Node = {};
  for (const [name, child] of Object.entries(properties) as [string, Node][]) {
    const on = child['x-on'] as readonly Surface[] | undefined;
    if (on === undefined || on.includes(surface)) out[name] = schemaOn(child, surface);
  }
  return out;
}

function schemaOn(node: Node, surface: Surface): Node {
  const tighter = surface === 'http' ? (node['x-http'] as Node | undefined) : undefined;
  const out: Node = {};
  for (const key of KEYWORDS) {
    const value = node[key];
    if (value === undefined || (tighter !== undefined && BOUNDS.has(key))) continue;
    if (key === 'properties') out.properties = propertiesOn(value as object, surface);
    else if (key === 'required') out.required = (value as string[]).filter((name) => name in (out.properties as Node));
    else if (key === 'items' || (key === 'additionalProperties' && typeof value === 'object'))
      out[key] = schemaOn(value as Node, surface);
    else out[key] = value;
  }
  return tighter === undefined ? out : { ...out, ...tighter };
}
