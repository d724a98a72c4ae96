/**
 * queue.add's checks of how a job is queued (the bounds of api/job-model/queueing.ts), each
 * refused with ERR_INVALID_OPTION naming the option, so a script gets the same answer a request
 * to the server gets as a 400.
 */
import { MAX_BACKOFF_MS, META_KEY, META_LIMITS } from '../api/job-model/index.js';
import { type Backoff, type BulkAction, type JobMeta, type JobState, JOB_STATES } from '../api/wire.js';
import { invalidOption } from '../errors.js';
import { MAX_META_FILTERS } from '../store/list-sql.js';

export function integer(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max)
    throw invalidOption(name, `expected an integer from ${min} to ${max}, got ${String(value)}`);
  return value;
}

/** A job's labels: at most META_LIMITS.keys, keys of META_KEY's letters, short string values. */
export function checkMeta(meta: unknown): JobMeta {
  if (meta === undefined) return {};
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta))
    throw invalidOption('meta', 'expected an object of strings, like { "userId": "u-7" }');
  const entries = Object.entries(meta);
  if (entries.length > META_LIMITS.keys)
    throw invalidOption('meta', `at most ${META_LIMITS.keys} labels, got ${entries.length}`);
  for (const [key, value] of entries) {
    if (!META_KEY.test(key))
      throw invalidOption(`meta.${key}`, `a key is 1 to ${META_LIMITS.keyLength} letters, digits, _ or -`);
    if (typeof value !== 'string') throw invalidOption(`meta.${key}`, `expected a string, got ${typeof value}`);
    if (value.length > META_LIMITS.valueLength)
      throw invalidOption(`meta.${key}`, `at most ${META_LIMITS.valueLength} characters, got ${value.length}`);
  }
  return { ...(meta as JobMeta) };
}

/** A backoff: { type: 'fixed' | 'exponential', delayMs }; none: null. */
export function checkBackoff(backoff: unknown): Backoff | null {
  if (backoff === undefined || backoff === null) return null;
  const b = backoff as Partial<Backoff>;
  if (typeof backoff !== 'object' || (b.type !== 'fixed' && b.type !== 'exponential'))
    throw invalidOption('backoff', "expected { type: 'fixed' | 'exponential', delayMs }");
  const extra = Object.keys(backoff).find((k) => k !== 'type' && k !== 'delayMs');
  if (extra !== undefined) throw invalidOption(`backoff.${extra}`, 'unknown: a backoff has a type and delayMs');
  return { type: b.type, delayMs: integer('backoff.delayMs', b.delayMs, 0, MAX_BACKOFF_MS) };
}

/** A bulk action that makes sense: cancel queued or running jobs, remove jobs that are not running. */
export function checkBulk(action: BulkAction, state: JobState): void {
  if (action !== 'cancel' && action !== 'remove') throw invalidOption('action', "expected 'cancel' or 'remove'");
  if (!JOB_STATES.includes(state)) throw invalidOption('state', `expected one of ${JOB_STATES.join(', ')}`);
  if (action === 'cancel' && state !== 'queued' && state !== 'running')
    throw invalidOption('state', `only queued or running jobs can be cancelled, not ${state} ones`);
  if (action === 'remove' && state === 'running')
    throw invalidOption('state', 'running jobs cannot be removed: cancel them first');
}

/** list()'s filters: labels as a job's are checked (at most MAX_META_FILTERS), a name as text. */
export function checkListFilters(meta: unknown, name: unknown): { meta?: JobMeta; name?: string } {
  const labels = meta === undefined ? undefined : checkMeta(meta);
  if (labels !== undefined && Object.keys(labels).length > MAX_META_FILTERS)
    throw invalidOption('meta', `at most ${MAX_META_FILTERS} labels to filter on`);
  if (name !== undefined && typeof name !== 'string') throw invalidOption('name', 'expected a string');
  return { ...(labels && { meta: labels }), ...(name !== undefined && { name: name as string }) };
}
