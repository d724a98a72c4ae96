/**
 * How a job is queued, beside its spec: its name, priority, delay, attempts, backoff and labels
 * (meta). queue.add takes them as its options (AddOptions) and POST /api/jobs beside `spec`; each
 * is described here once, with its bounds: the JSON schema the server checks a request with, and
 * the bounds queue.add checks (queue/add-options.ts) with coded errors that name the option.
 */
/** The bounds of a job's `meta`, checked wherever a job is queued (queue.add, POST /api/jobs). */
export const META_LIMITS = { keys: 16, keyLength: 64, valueLength: 256 } as const;

/** A label's key: a word a URL query can carry as `meta.<key>` without escaping. */
export const META_KEY = /^[A-Za-z0-9_-]{1,64}$/;

/** The longest backoff delay: a day, far past any transient fault (a longer wait is a mistake). */
export const MAX_BACKOFF_MS = 86_400_000;

/** Each option's JSON schema (over HTTP: bounds an untrusted client cannot go past). */
export const QUEUEING_SCHEMAS = {
  name: { type: 'string', maxLength: 200 },
  priority: { type: 'integer', minimum: -1000, maximum: 1000 },
  delay: { type: 'integer', minimum: 0, maximum: 366 * 86_400_000 },
  /** Runs the job may take: a run lost with its engine counts, and so does one failed with a transient fault (with `backoff`). */
  attempts: { type: 'integer', minimum: 1, maximum: 100 },
  /** How a run that failed with a transient fault is retried; without it such a failure fails the job. */
  backoff: {
    type: 'object',
    additionalProperties: false,
    required: ['type', 'delayMs'],
    properties: {
      type: { enum: ['fixed', 'exponential'] },
      delayMs: { type: 'integer', minimum: 0, maximum: MAX_BACKOFF_MS },
    },
  },
  /** The caller's labels: a few short strings (META_LIMITS). */
  meta: {
    type: 'object',
    maxProperties: META_LIMITS.keys,
    propertyNames: { pattern: META_KEY.source },
    additionalProperties: { type: 'string', maxLength: META_LIMITS.valueLength },
  },
} as const;
