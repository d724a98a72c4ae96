/**
 * What a webhook receives for a job's end, and how it is signed (docs/server.md#webhooks): a
 * JSON body, and `Chunkmill-Signature: t=<unix seconds>,v1=<hex>`, the HMAC-SHA256 of
 * `<t>.<body>` under the secret. The timestamp is inside what is signed, so a receiver that
 * refuses old timestamps refuses a replayed delivery too.
 */
import { createHash, createHmac } from 'node:crypto';
import type { ErrorData } from '../errors.js';
import type { FinalState, JobMeta, JobRecord, ResultSummary } from '../store/records.js';

/** How a job ended, as an engine's `ended` event and a webhook tell it (an aggregate's rows left out). */
export type JobOutcome =
  | { state: 'succeeded'; result: ResultSummary }
  | { state: 'failed' | 'cancelled'; error: ErrorData };

export type WebhookEvent = `job.${FinalState}`;

/** The body of a delivery. */
export interface WebhookPayload {
  event: WebhookEvent;
  id: string;
  name: string | null;
  state: FinalState;
  /** The job's labels (its `meta`), when it has some. */
  meta?: JobMeta;
  /**
   * succeeded: the result summary (an aggregate's rowCount and stats; a task's stats, its value
   * left out: read it from the API; a transform's counts); failed or cancelled: the error's code and message.
   */
  summary: Record<string, unknown>;
  /** When the job ended, in ms since the epoch. */
  finishedAt: number | null;
}

export function payloadOf(job: JobRecord, outcome: JobOutcome): WebhookPayload {
  const { meta } = job;
  const summary: Record<string, unknown> =
    outcome.state === 'succeeded'
      ? withoutValue(outcome.result)
      : { error: { code: outcome.error.code, message: outcome.error.message } };
  return {
    event: `job.${outcome.state}`,
    id: job.id,
    name: job.name,
    state: outcome.state,
    ...(meta === undefined || Object.keys(meta).length === 0 ? {} : { meta }),
    summary,
    finishedAt: job.finishedAt,
  };
}

/** A task's value may be large and need not be JSON: the receiver reads it from the API. */
function withoutValue(result: ResultSummary): Record<string, unknown> {
  if (result.kind !== 'task') return { ...result };
  const { value: _value, ...rest } = result;
  return rest;
}

/** The `Chunkmill-Signature` header of `body` sent at `seconds` (unix time). */
export function signature(secret: string, seconds: number, body: string): string {
  const hex = createHmac('sha256', secret).update(`${seconds}.${body}`).digest('hex');
  return `t=${seconds},v1=${hex}`;
}

/**
 * A URL as logs and events show it: its origin, and its path only as a short hash. Credentials,
 * the query and the fragment may hold a secret, and so may the path (Slack's and Discord's
 * webhook URLs carry their token there): events are readable by any client of the job.
 */
export function shownUrl(url: URL): string {
  if (url.pathname === '/' || url.pathname === '') return url.origin;
  return `${url.origin}/…#${createHash('sha256').update(url.pathname).digest('hex').slice(0, 8)}`;
}
