/**
 * Webhooks: an engine POSTs each job's end that it wrote (succeeded, failed or cancelled) to the
 * URLs its operator gave (createEngine's `webhooks`, `--webhook`), never to one a request names:
 * no job spec field holds a URL, so a client cannot make the server call an address of its choice.
 *
 * Each delivery runs apart from the engine's loop and from the job's end: attempts time out
 * (`timeoutMs`), and one that gets no 2xx is tried again after an exponential backoff with jitter,
 * up to `attempts` in all. Every attempt is logged in the job's events (`webhook`: store's
 * recordWebhook). Retries are kept in memory only: a process that exits drops those pending.
 * close() sends no more retries, gives attempts in flight a few seconds, then aborts them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { invalidOption } from '../errors.js';
import type { JobStore } from '../store/job-store.js';
import { isFinal, type WebhookDelivery } from '../api/wire.js';
import { type JobOutcome, payloadOf, shownUrl, signature } from './webhook-payload.js';

/** One webhook: where to POST, and the secret to sign with. */
export interface WebhookTarget {
  url: string;
  /** The HMAC-SHA256 key. @default process.env.CHUNKMILL_WEBHOOK_SECRET; none: deliveries go unsigned */
  secret?: string | undefined;
}

/** How deliveries are tried (the same for every webhook of an engine). */
export interface WebhookRetry {
  /** Milliseconds an attempt may take, answer included. @default 10000 */
  timeoutMs?: number;
  /** Attempts in all, the first included. @default 12 */
  attempts?: number;
  /** The wait after the first failed attempt; it doubles after each (a random 50-100% of it is waited). @default 1000 */
  backoffMs?: number;
  /** The longest wait between two attempts. @default 900000 (15 minutes) */
  maxBackoffMs?: number;
}

interface Resolved {
  url: URL;
  shown: string;
  headers: Record<string, string>;
  secret: string | undefined;
}

/** How long close() lets attempts in flight finish before it aborts them. */
const CLOSE_GRACE_MS = 5_000;
/** Deliveries (with their bodies and timers) held at once, all jobs and receivers together. */
const MAX_PENDING = 10_000;

export class Webhooks {
  private readonly targets: Resolved[];
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly pending = new Set<Promise<void>>();
  /** Aborted by close(): no more retries. */
  private readonly stopping = new AbortController();
  /** Aborted when close()'s grace is over: attempts in flight end. */
  private readonly killed = new AbortController();

  constructor(
    targets: readonly (string | WebhookTarget)[],
    retry: WebhookRetry,
    private readonly store: () => JobStore,
    private readonly report: (error: Error) => void,
  ) {
    if (!Array.isArray(targets)) throw invalidOption('webhooks', 'expected an array of URLs or { url, secret }');
    this.targets = targets.map(resolve);
    // Bounded: a timer past 2^31 - 1 ms fires at once in Node, which would retry without a pause.
    this.timeoutMs = count('timeoutMs', retry.timeoutMs, 10_000, 600_000);
    this.attempts = count('attempts', retry.attempts, 12, 100);
    this.backoffMs = count('backoffMs', retry.backoffMs, 1_000, 3_600_000);
    this.maxBackoffMs = count('maxBackoffMs', retry.maxBackoffMs, 900_000, 86_400_000);
    const unsigned = this.targets.filter((t) => t.secret === undefined).map((t) => t.shown);
    if (unsigned.length > 0)
      process.emitWarning(
        `webhook deliveries to ${unsigned.join(', ')} are not signed: set CHUNKMILL_WEBHOOK_SECRET so receivers can check them`,
        { code: 'WARN_WEBHOOK_UNSIGNED' },
      );
  }

  /** A job's end was written: deliver it to every webhook, in the background. */
  ended(jobId: string, outcome: JobOutcome): void {
    if (this.targets.length === 0) return;
    this.track(this.deliverEnd(jobId, outcome));
  }

  /** Sends no more retries; attempts in flight get a few seconds (at most `timeoutMs`), then are aborted. */
  async close(): Promise<void> {
    this.stopping.abort();
    const all = () => Promise.all([...this.pending]);
    await Promise.race([all(), sleep(Math.min(CLOSE_GRACE_MS, this.timeoutMs), undefined, { ref: false })]);
    this.killed.abort();
    // Their last records are store writes: bounded too, so a hung store never holds up a close.
    await Promise.race([all(), sleep(CLOSE_GRACE_MS, undefined, { ref: false })]);
  }

  private track(work: Promise<void>): void {
    const p = work.catch((e: unknown) => this.report(e as Error)).finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  private async deliverEnd(jobId: string, outcome: JobOutcome): Promise<void> {
    const job = await this.store().get(jobId);
    if (job === null || !isFinal(job.state)) return; // removed already
    const payload = payloadOf(job, outcome);
    const body = JSON.stringify(payload);
    for (const target of this.targets) {
      // A receiver that is down while thousands of jobs end must not hold thousands of bodies,
      // sockets and timers: past the bound a delivery is given up at once, and its log says so.
      if (this.pending.size >= MAX_PENDING) {
        const error = `not sent: ${MAX_PENDING} deliveries are pending already`;
        this.track(
          this.record(jobId, { url: target.shown, event: payload.event, attempt: 0, error, outcome: 'abandoned' }),
        );
      } else this.track(this.deliver(target, jobId, payload.event, body));
    }
  }

  private async deliver(target: Resolved, jobId: string, event: string, body: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1 && this.stopping.signal.aborted) {
        const error = 'not sent: the engine closed (pending retries are not kept)';
        await this.record(jobId, { url: target.shown, event, attempt, error, outcome: 'abandoned' });
        return;
      }
      const answer = await this.attempt(target, event, body);
      const ok = answer.status !== undefined && answer.status >= 200 && answer.status < 300;
      const last = attempt >= this.attempts;
      const outcome = ok ? 'delivered' : last ? 'abandoned' : 'retrying';
      await this.record(jobId, { url: target.shown, event, attempt, ...answer, outcome });
      if (outcome !== 'retrying') return;
      const wait = Math.min(this.maxBackoffMs, this.backoffMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      await sleep(wait, undefined, { signal: this.stopping.signal, ref: false }).catch(() => {});
    }
  }

  /** One POST: the receiver's status, or why there was none. */
  private async attempt(target: Resolved, event: string, body: string): Promise<{ status?: number; error?: string }> {
    const headers: Record<string, string> = {
      ...target.headers,
      'content-type': 'application/json',
      'user-agent': 'chunkmill-webhook',
      'chunkmill-event': event,
    };
    if (target.secret !== undefined)
      headers['chunkmill-signature'] = signature(target.secret, Math.floor(Date.now() / 1000), body);
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      const res = await fetch(target.url, {
        method: 'POST',
        headers,
        body,
        // A redirect is not followed: the operator named this address, not the one it points to.
        redirect: 'manual',
        signal: AbortSignal.any([timeout, this.killed.signal]),
      });
      await res.body?.cancel().catch(() => {}); // the answer's body is not read: the status is all
      return { status: res.status };
    } catch (e) {
      if (timeout.aborted) return { error: `no answer within ${this.timeoutMs} ms` };
      if (this.killed.signal.aborted) return { error: 'aborted: the engine closed' };
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      return { error: cause?.code ?? cause?.message ?? (e as Error).message };
    }
  }

  private async record(jobId: string, delivery: WebhookDelivery): Promise<void> {
    await this.store()
      .recordWebhook(jobId, delivery)
      .catch((e: unknown) => this.report(e as Error));
  }
}

/** A webhook as given, checked: an http(s) URL; credentials in it go as Basic auth (fetch refuses them in a URL). */
function resolve(target: string | WebhookTarget): Resolved {
  const given = typeof target === 'string' ? { url: target } : target;
  if (given === null || typeof given !== 'object' || typeof given.url !== 'string')
    throw invalidOption('webhooks', 'expected a URL or { url, secret }');
  let url: URL;
  try {
    url = new URL(given.url);
  } catch {
    throw invalidOption('webhooks', 'expected an http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalidOption('webhooks', `expected an http:// or https:// URL, got ${url.protocol}`);
  const headers: Record<string, string> = {};
  if (url.username !== '' || url.password !== '') {
    let user: string;
    try {
      user = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    } catch {
      throw invalidOption('webhooks', 'expected the user and password of a URL to be percent-encoded (%25 for a %)');
    }
    headers.authorization = `Basic ${Buffer.from(user).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  const secret = given.secret ?? (process.env.CHUNKMILL_WEBHOOK_SECRET || undefined);
  if (secret !== undefined && (typeof secret !== 'string' || secret === ''))
    throw invalidOption('webhooks', 'expected a secret to be a non-empty string');
  return { url, shown: shownUrl(url), headers, secret };
}

function count(name: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max)
    throw invalidOption(`webhookRetry.${name}`, `expected an integer from 1 to ${max}, got ${String(value)}`);
  return value;
}
