/**
 * A job spec: what processDataset takes, as plain JSON that can wait in a store and run in
 * another process. It is checked by the same validate() as processDataset, and refused before
 * it enters the queue (ERR_INVALID_OPTION naming the option) when it would fail there, or when
 * it holds something that cannot be stored: a stream, an array input, a signal, a function.
 *
 * Paths (input, task, transform, output.path, rejects) are made absolute against the producer's
 * working directory when the job is added: the engine that runs it may have another one. An
 * object URL (s3://) stays as it is: the engine's host writes (or reads) it.
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { QUEUE_REFUSED, type RefusedField, type StoredSpec } from '../api/job-model/index.js';
import type { MeasureSpec } from '../api/measures.js';
import type { ProcessOptions, TaskOptions, TransformOptions } from '../api/options.js';
import { invalidOption } from '../errors.js';
import { validate } from '../plan/validate.js';
import { isObjectUrl } from '../remote/object-url.js';

/** processDataset's options less those a queued job refuses (the job model's fields not on its `queue` surface). */
type Stored<T> = Omit<T, 'input' | RefusedField> & {
  /** The input file: a path (relative ones are taken from the working directory of add()) or a file: URL. */
  input: string | URL;
};

/** Where a queued transform writes: a file (a stream cannot wait in a store). */
export interface StoredOutput {
  path: string;
  format?: 'csv' | 'tsv' | 'ndjson' | 'json';
  columns?: readonly string[];
}

/** A job spec: processDataset's options, less the live ones. */
export type JobSpec<G extends string = string, M extends Record<string, MeasureSpec> = Record<string, MeasureSpec>> =
  | Stored<ProcessOptions<G, M>>
  | Stored<TaskOptions>
  | (Omit<Stored<TransformOptions>, 'output'> & { output: StoredOutput });

/**
 * Checks a spec and returns it as stored: JSON only, paths absolute, modules as URLs. Throws
 * ERR_INVALID_OPTION naming the option.
 */
export function normalizeSpec(spec: unknown, cwd = process.cwd()): StoredSpec {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec))
    throw invalidOption('spec', 'expected an object of processDataset options');
  const out: Record<string, unknown> = { ...(spec as Record<string, unknown>) };
  for (const [key, why] of Object.entries(QUEUE_REFUSED)) if (out[key] !== undefined) throw invalidOption(key, why);
  out.input = inputPath(out.input, cwd);
  for (const key of ['task', 'transform'] as const)
    if (out[key] !== undefined) out[key] = moduleUrl(key, out[key], cwd);
  if (out.output !== undefined) {
    const output = out.output as { path?: unknown; stream?: unknown } | null;
    if (output === null || typeof output !== 'object' || output.stream !== undefined || typeof output.path !== 'string')
      throw invalidOption(
        'output',
        'a queued transform writes to a file: give output.path (a stream cannot be stored)',
      );
    out.output = { ...output, path: outputPath(output.path, cwd) };
  }
  if (typeof out.rejects === 'string') out.rejects = outputPath(out.rejects, cwd);
  checkJson(out, '');
  // checkJson made it JSON: what validate() passes is a stored spec.
  const stored = out as StoredSpec;
  validate(stored);
  return JSON.parse(JSON.stringify(stored)) as StoredSpec;
}

/** A file's path made absolute; an object URL as it is (an http(s):// one is refused when the job opens it). */
function outputPath(path: string, cwd: string): string {
  return isObjectUrl(path) ? path : resolve(cwd, path);
}

/** A file's path (or a glob) made absolute; an object URL (s3://, https://) as it is: the engine's host reads it. */
function inputPath(input: unknown, cwd: string): string {
  if (input instanceof URL) {
    if (isObjectUrl(input.href)) return input.href;
    if (input.protocol !== 'file:')
      throw invalidOption('input', `only file:, s3:, http: and https: URLs are supported, got ${input.protocol}`);
    return fileURLToPath(input);
  }
  if (typeof input === 'string' && input.length > 0)
    return isObjectUrl(input) ? input : input.startsWith('file:') ? fileURLToPath(input) : resolve(cwd, input);
  throw invalidOption(
    'input',
    `a queued job reads files or objects: expected a path, a glob or a URL, got ${Array.isArray(input) ? 'an array' : typeof input === 'object' && input !== null ? 'an object (a stream?)' : String(input)}`,
  );
}

function moduleUrl(name: string, value: unknown, cwd: string): string {
  const location =
    value !== null && typeof value === 'object' && !(value instanceof URL) ? (value as { url?: unknown }).url : value;
  if (location instanceof URL) return location.href;
  if (typeof location === 'string' && location.length > 0) {
    if (/^(file|data):/.test(location)) return location;
    return pathToFileURL(isAbsolute(location) ? location : resolve(cwd, location)).href;
  }
  throw invalidOption(name, `expected a module URL or path, got ${typeof value}`);
}

/** Deeper is refused: no real spec nests so far, and every recursive reader (JSON.stringify, the store, a task) would run out of stack long before 10,000 levels. */
const MAX_DEPTH = 64;

/**
 * Only what JSON keeps exactly: a Map, a Date, NaN or a function would come back changed or not
 * at all. Walked with a stack of its own, not recursion, so a value nested too deep (or a cycle)
 * is an ERR_INVALID_OPTION naming its option, never a RangeError.
 */
function checkJson(spec: unknown, root: string): void {
  const todo: [value: unknown, path: string, depth: number][] = [[spec, root, 0]];
  for (let next = todo.pop(); next !== undefined; next = todo.pop()) {
    const [value, path, depth] = next;
    const fail = (what: string) =>
      invalidOption(path || 'spec', `${what} cannot be stored with a queued job; use JSON values only`);
    if (value === null || typeof value === 'string' || typeof value === 'boolean') continue;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw fail(String(value));
      continue;
    }
    if (typeof value !== 'object') throw fail(`a ${typeof value}`);
    if (depth >= MAX_DEPTH)
      throw invalidOption(/^[^.[]*/.exec(path)![0] || 'spec', `nested more than ${MAX_DEPTH} levels deep (or a cycle)`);
    const children: [unknown, string, number][] = [];
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) children.push([v, `${path}[${i}]`, depth + 1]);
    } else {
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw fail(`a ${proto?.constructor?.name ?? 'class'} instance`);
      for (const [k, v] of Object.entries(value))
        if (v !== undefined) children.push([v, path ? `${path}.${k}` : k, depth + 1]);
    }
    // Reversed onto the stack: the first bad value found is the first in the spec's order.
    for (let i = children.length - 1; i >= 0; i--) todo.push(children[i]!);
  }
}
