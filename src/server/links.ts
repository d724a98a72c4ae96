/**
 * Link tokens: a way for a browser to read one job without the main token, since an EventSource
 * cannot send an Authorization header and the main token must never sit in a URL (proxy logs,
 * history, Referer).
 *
 * A link token is `<expiry>.<mac>`: the expiry in epoch milliseconds (base 36) and
 * HMAC-SHA256(key, "<job id>\n<expiry>") in base64url, under a key derived from the main token,
 * HMAC-SHA256(token, "chunkmill link v1"). So it is
 *   - stateless: nothing is stored, and every replica that shares the token accepts it;
 *   - per job and read-only: access.ts accepts it only on GET of its own job's record, events
 *     and result (never on a write, another job or any other route, /links included, so a link
 *     cannot mint its own successor);
 *   - expiring: after `linkTtlMs` it is refused, and GET /api/jobs/:id/links (with the main
 *     token) mints a fresh one;
 *   - not the token: the key is a one-way derivation, and changing the token revokes every link.
 * The MAC is compared in constant time, as text of a fixed length (the base64url text, not its
 * decoded bytes, so that no second spelling of a MAC is accepted).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The URLs a client follows to read one job; `expiresAt` is null where no token is needed. */
export interface JobLinks {
  job: string;
  events: string;
  result: string;
  /** Epoch milliseconds after which the links are refused; null on a server without a token. */
  expiresAt: number | null;
}

export type LinkCheck = 'ok' | 'invalid' | 'expired';

const FORMAT = /^([0-9a-z]{1,11})\.([A-Za-z0-9_-]{43})$/;

export class LinkSigner {
  private readonly key: Buffer;

  constructor(
    token: string,
    readonly ttlMs: number,
  ) {
    this.key = createHmac('sha256', token).update('chunkmill link v1').digest();
  }

  /** A link token for `jobId`, valid until now + ttlMs. */
  mint(jobId: string, now = Date.now()): { token: string; expiresAt: number } {
    const expiresAt = now + this.ttlMs;
    const expiry = expiresAt.toString(36);
    return { token: `${expiry}.${this.mac(jobId, expiry)}`, expiresAt };
  }

  /** Whether `text` is a link token for `jobId` that has not expired. */
  check(jobId: string, text: string, now = Date.now()): LinkCheck {
    const match = FORMAT.exec(text);
    if (match === null) return 'invalid';
    const [, expiry, mac] = match as unknown as [string, string, string];
    const expected = Buffer.from(this.mac(jobId, expiry), 'ascii');
    // Both are 43 characters (FORMAT), so timingSafeEqual compares them whole.
    if (!timingSafeEqual(Buffer.from(mac, 'ascii'), expected)) return 'invalid';
    return Number.parseInt(expiry, 36) > now ? 'ok' : 'expired';
  }

  private mac(jobId: string, expiry: string): string {
    return createHmac('sha256', this.key).update(`${jobId}\n${expiry}`).digest('base64url');
  }
}

/** The links of one job: with `?access=` under a signer, plain on a server without a token. */
export function jobLinks(jobId: string, signer: LinkSigner | null, now = Date.now()): JobLinks {
  const base = `/api/jobs/${encodeURIComponent(jobId)}`;
  if (signer === null) return { job: base, events: `${base}/events`, result: `${base}/result`, expiresAt: null };
  const { token, expiresAt } = signer.mint(jobId, now);
  const q = `?access=${token}`;
  return { job: base + q, events: `${base}/events${q}`, result: `${base}/result${q}`, expiresAt };
}

/** The routes (GET and HEAD only) where a link token stands in for the main token. */
export const LINK_ROUTES: ReadonlySet<string> = new Set([
  '/api/jobs/:id',
  '/api/jobs/:id/events',
  '/api/jobs/:id/result',
]);

/** A URL with its `access` parameter's value hidden: what the request log may show. */
export function redactAccess(url: string): string {
  return url.replace(/([?&]access=)[^&#]*/gi, '$1[redacted]');
}
