/**
 * What the `input` option names, resolved: a file, a dataset (files, a glob, objects), a stream or
 * an array of records; and what a file's name says of its format.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isDynamicPattern } from 'tinyglobby';
import { JOB_FIELDS } from '../api/job-model/index.js';
import type { AnyProcessOptions } from '../api/options.js';
import { invalidOption } from '../errors.js';
import { isObjectUrl } from '../remote/object-url.js';
import { checkField, describe } from './check-field.js';
import type { ResolvedInput } from './resolved-options.js';

export function resolveInput(options: AnyProcessOptions): ResolvedInput {
  const { input } = options;
  const format = checkField('format', JOB_FIELDS.format, options.format) as 'csv' | 'ndjson' | undefined;
  const gzip = checkField('gzip', JOB_FIELDS.gzip, options.gzip) as boolean | undefined;
  const dataset = datasetPatterns(input);
  if (dataset !== null) {
    const given = { ...(format !== undefined && { format }), ...(gzip !== undefined && { gzip }) };
    return { kind: 'dataset', name: dataset.join(', '), patterns: dataset, ...given };
  }
  if (Array.isArray(input)) {
    if (format !== undefined || gzip !== undefined)
      throw invalidOption(format !== undefined ? 'format' : 'gzip', 'does not apply to an in-memory array input');
    return { kind: 'array', name: '<array>', rows: input };
  }
  if (input !== null && typeof input === 'object' && !(input instanceof URL) && Symbol.asyncIterator in input) {
    if (gzip) throw invalidOption('gzip', 'applies to files; pipe a stream through zlib.createGunzip() instead');
    return { kind: 'stream', name: '<stream>', stream: input as AsyncIterable<Uint8Array>, format: format ?? 'csv' };
  }
  let path: string;
  if (input instanceof URL) {
    if (input.protocol !== 'file:')
      throw invalidOption('input', `only file:, s3:, http: and https: URLs are supported, got ${input.protocol}`);
    path = fileURLToPath(input);
  } else if (typeof input === 'string' && input.length > 0) {
    path = input.startsWith('file:') ? fileURLToPath(input) : input;
  } else {
    throw invalidOption(
      'input',
      `expected a file path, a glob, an s3:// or http(s):// URL, a list of those, a readable stream or an array of records, got ${describe(input)}`,
    );
  }
  const named = formatOfName(path);
  return { kind: 'file', name: path, path, format: format ?? named.format, gzip: gzip ?? named.gzip };
}

/**
 * The patterns of an input that is a dataset (plan/dataset.ts), or null: a non-empty list of
 * strings (an array of records holds objects or arrays, never strings), or one string that is
 * an object URL or a glob. A path that exists as it is written is a file, even with a `*` in it.
 */
function datasetPatterns(input: unknown): string[] | null {
  if (Array.isArray(input)) {
    if (input.length === 0 || !input.every((p) => typeof p === 'string')) return null;
    input.forEach((p: string, i) => {
      if (p.length === 0) throw invalidOption(`input[${i}]`, 'expected a file path, glob or URL, got ""');
    });
    return input.map((p: string) => (p.startsWith('file:') ? fileURLToPath(p) : p));
  }
  if (typeof input !== 'string' && !(input instanceof URL)) return null;
  const text = String(input);
  if (isObjectUrl(text)) return [text];
  if (typeof input === 'string' && isDynamicPattern(input) && !existsSync(input)) return [input];
  return null;
}

/**
 * What a file's name says of its contents, where the options do not: gzip for a `.gz` name, and
 * NDJSON for `.ndjson` or `.jsonl` (before the `.gz`), else CSV. The one rule of the engine, the
 * server's listing and submit checks, and the CLI's sniffing.
 */
export function formatOfName(path: string): { format: 'csv' | 'ndjson'; gzip: boolean } {
  const gzip = /\.gz$/i.test(path);
  const plain = gzip ? path.slice(0, -3) : path;
  return { format: /\.(ndjson|jsonl)$/i.test(plain) ? 'ndjson' : 'csv', gzip };
}
