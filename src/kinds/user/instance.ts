/**
 * Which instance of a user module a job runs. A module is imported once per thread and keyed by
 * its URL, and its setup() runs once per thread per instance; a long-lived pool (an engine's)
 * serves many jobs, so the URL alone would hand a job the state another job's setup() built, or
 * a module file edited since it was first loaded. The instance URL adds a fragment keyed by
 * what that state may depend on: the file's bytes, the params and the input's columns. Jobs
 * that agree on all three share an instance (a repeated job reloads nothing); any change gives a
 * fresh one. Node keys ES modules by the whole URL, fragment included, and reads the file
 * without it.
 *
 * Modules the user module imports are not followed (they stay shared, as in any Node process),
 * and an instance, once loaded, stays for the thread's life: distinct configurations cost memory.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { serialize } from 'node:v8';

export function instanceUrl(url: string, params: unknown, columns: readonly string[]): string {
  const hash = createHash('sha256');
  if (url.startsWith('file:')) {
    try {
      hash.update(readFileSync(new URL(url)));
    } catch {
      return url; // not readable: loading it fails with ERR_TASK_LOAD naming the plain URL
    }
  }
  try {
    hash.update(serialize(params));
  } catch {
    hash.update(String(params)); // not cloneable: the job fails when the params are sent
  }
  hash.update(JSON.stringify(columns));
  const key = `chunkmill=${hash.digest('hex').slice(0, 16)}`;
  const hashAt = url.indexOf('#');
  return hashAt < 0 ? `${url}#${key}` : `${url}&${key}`;
}
