/**
 * JSON-schema validation of every request (Ajv, as Fastify uses it), with two changes to
 * Fastify's defaults, both so that a bad request is refused rather than quietly changed:
 * - bodies are not coerced ("2" is not the number 2) and unknown fields are errors, not removed
 *   (Fastify's default `removeAdditional` would drop a misspelt option without a word);
 * - query strings are coerced (every value in a URL is text), with unknown fields errors too.
 * A failure is a 400 naming the field as a client wrote it: `spec.aggregate.groupBy[0]`, `limit`.
 */
import { Ajv, type ErrorObject } from 'ajv';
import type { FastifyInstance } from 'fastify';
import { HttpError } from './http-error.js';

const body = new Ajv({
  allowUnionTypes: true,
  coerceTypes: false,
  useDefaults: false,
  removeAdditional: false,
  allErrors: false,
});
const query = new Ajv({
  allowUnionTypes: true,
  coerceTypes: true,
  useDefaults: false,
  removeAdditional: false,
  allErrors: false,
});

export function installValidation(app: FastifyInstance): void {
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? body : query).compile(schema as object));
}

/** A schema violation as a 400 that names the field and says what it should be. */
export function validationError(errors: readonly Partial<ErrorObject>[], context: string | undefined): HttpError {
  const e = errors[0] ?? {};
  const params = (e.params ?? {}) as Record<string, unknown>;
  let path = fieldPath(e.instancePath ?? '');
  let message = e.message ?? 'is not valid';
  if (e.keyword === 'additionalProperties') {
    path = join(path, String(params.additionalProperty));
    message = 'is not a known field';
  } else if (e.keyword === 'required') {
    path = join(path, String(params.missingProperty));
    message = 'is required';
  } else if (e.keyword === 'enum' && Array.isArray(params.allowedValues)) {
    message = `must be one of ${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  const field = path === '' ? (context === 'body' ? 'body' : (context ?? 'request')) : path;
  return new HttpError(400, 'ERR_INVALID_REQUEST', `${field}: ${message}`, { field });
}

/** "/spec/aggregate/groupBy/0" -> "spec.aggregate.groupBy[0]". */
function fieldPath(pointer: string): string {
  let path = '';
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    path = /^\d+$/.test(part) ? `${path}[${part}]` : join(path, part);
  }
  return path;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
