/**
 * One request to an object store or HTTP server, with what every caller needs: SigV4 signing
 * for s3:// (aws4fetch's signer; the request goes over node:http, http-transport.ts says why),
 * a time limit per try, retries of transient faults
 * (5xx, 429, 503 SlowDown, a reset connection, a timeout) with exponential backoff and full
 * jitter up to a bound, and every other failure as a coded error naming the URL.
 *
 * The caller's `accept` runs inside the retry loop and reads the body: a connection reset in the
 * middle of a body is retried like one before the headers.
 */
import { createRequire } from 'node:module';
import { AwsV4Signer } from 'aws4fetch';
import type { X2jOptions, XMLParser } from 'fast-xml-parser';
import { ChunkmillError } from '../errors.js';
import { type Answer, transmit } from './http-transport.js';
import { displayUrl, parseObjectUrl } from './object-url.js';
import { answerError, describe, unavailable, unreachable, type ServerAnswer } from './remote-errors.js';
import { requireCredentials, resolveS3Settings, s3HttpUrl, type S3Config, type S3Settings } from './s3-config.js';

export interface RetryOptions {
  /** Tries in all, the first included (default 6). */
  tries?: number;
  /** The first backoff's upper bound; each next one doubles (default 200 ms). */
  baseDelayMs?: number;
  /** The largest backoff (default 4 s): 6 tries wait at most 0.2+0.4+0.8+1.6+3.2 s ≈ 6 s. */
  maxDelayMs?: number;
}

/** Settings of every object call: the `s3` option's fields, plus retries and time limits. */
export interface RemoteSettings extends S3Settings {
  retry?: RetryOptions;
  /**
   * The limit of one try, headers and body (default 30 s: a 4 MiB piece fits at 140 KB/s). A
   * request that sends a body gets 1 ms more per 256 bytes of it (an 8 MiB part: 33 s more), so
   * that an upload over a slow link (256 KB/s) is not cut off and sent again forever.
   */
  timeoutMs?: number;
  /** Aborts the request (and its retries) at once. */
  signal?: AbortSignal;
}

export interface ObjectRequest {
  /** The object (s3:// or http(s)://); for s3, `key` below overrides its key (a bucket call: ''). */
  url: string;
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  key?: string;
  /** The query string of an S3 call, without `?` ("uploads", "list-type=2&prefix=x"). */
  query?: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Aborts this request alone (a read-ahead piece no longer wanted), beside settings.signal. */
  signal?: AbortSignal;
}

/**
 * Reads a 2xx (or 304/416) answer. The try's time limit covers the body too, unless `disarm` is
 * called: a stream of a whole object may take longer than any one limit (it keeps its own idle
 * limit instead).
 */
export type Accept<T> = (response: Answer, disarm: () => void) => Promise<T>;

export type { Answer } from './http-transport.js';

/**
 * fast-xml-parser is loaded by the first XML answer of an object store: every job (and the CLI)
 * imports this module, few read objects, and the parser costs about 60 ms of start-up. require()
 * keeps parseXml and errorOf synchronous (import() could not).
 */
const requireLazily = createRequire(import.meta.url);
let xml: XMLParser | undefined;

function xmlParser(isArray?: (name: string) => boolean): XMLParser {
  const { XMLParser: Parser } = requireLazily('fast-xml-parser') as typeof import('fast-xml-parser');
  const options: X2jOptions = { ignoreAttributes: true, parseTagValue: false };
  if (isArray !== undefined) return new Parser({ ...options, isArray });
  xml ??= new Parser(options);
  return xml;
}

/**
 * Resolved S3 configurations by what they were resolved from: resolving reads the ~/.aws files,
 * and a worker thread gets its settings as a fresh copy with every chunk request.
 */
const configs = new Map<string, S3Config>();

/**
 * Signing keys (aws4fetch's cache: HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service),
 * "aws4_request"), by secret, date, region and service). Without it every request derives its key
 * again: four more WebCrypto HMACs, each an async hop, which doubled a request's signing CPU (0.97
 * against 0.46 ms per request with the key kept; load average 16).
 */
const signingKeys = new Map<string, ArrayBuffer>();

/** The S3 configuration for `settings` (and this process's AWS_* environment), resolved once. */
export function s3ConfigFor(settings: RemoteSettings | undefined): S3Config {
  const s3: S3Settings = {
    endpoint: settings?.endpoint,
    region: settings?.region,
    credentials: settings?.credentials,
    forcePathStyle: settings?.forcePathStyle,
  };
  const env = Object.entries(process.env).filter(([k]) => k.startsWith('AWS_') || k === 'HOME');
  const key = JSON.stringify([s3, env]);
  let config = configs.get(key);
  if (config === undefined) {
    if (configs.size >= 16) configs.clear(); // a handful in any real process; never a leak
    config = resolveS3Settings(s3);
    configs.set(key, config);
  }
  return config;
}

/** Sends `req` with retries and returns what `accept` made of the answer. */
export async function send<T>(req: ObjectRequest, settings: RemoteSettings | undefined, accept: Accept<T>): Promise<T> {
  const tries = Math.max(1, settings?.retry?.tries ?? 6);
  const base = settings?.retry?.baseDelayMs ?? 200;
  const max = settings?.retry?.maxDelayMs ?? 4000;
  const timeoutMs = (settings?.timeoutMs ?? 30_000) + Math.ceil((req.body?.length ?? 0) / 256);
  let last = '';
  for (let attempt = 1; ; attempt++) {
    const stop = joinSignals(settings?.signal, req.signal);
    stop?.throwIfAborted();
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new Error('timeout')), timeoutMs);
    const disarm = (): void => clearTimeout(timer);
    const signal = stop === undefined ? timeout.signal : AbortSignal.any([timeout.signal, stop]);
    try {
      const response = await exchange(req, settings, signal);
      if (isTransientStatus(response.status)) {
        last = describe(await readAnswer(response));
      } else if (response.status >= 300 && !(response.status === 416 || response.status === 304)) {
        throw answerError(req.url, await readAnswer(response));
      } else {
        return await accept(response, disarm);
      }
    } catch (e) {
      if (e instanceof ChunkmillError) throw e;
      if (stop?.aborted === true) throw stop.reason;
      const fault = classify(e, timeout.signal.aborted, timeoutMs);
      if (fault.fatal !== undefined) throw unreachable(req.url, fault.fatal, e);
      last = fault.transient;
    } finally {
      disarm();
    }
    if (attempt >= tries) throw unavailable(req.url, tries, last);
    // Full jitter (AWS's "Exponential Backoff and Jitter"): clients that failed together do not
    // come back together.
    const delay = Math.random() * Math.min(max, base * 2 ** (attempt - 1));
    await sleep(delay, stop);
  }
}

/** The status, S3 code and message of an error answer (its body read and released). */
export async function readAnswer(response: Answer): Promise<ServerAnswer> {
  let text = '';
  try {
    text = await response.text();
  } catch {
    // a body cut off: the status alone says enough
  }
  const answer: ServerAnswer = { status: response.status, code: '', message: response.statusText };
  const region = response.headers.get('x-amz-bucket-region');
  if (region !== null && region !== '') answer.region = region;
  return { ...answer, ...errorOf(text) };
}

/** S3's `<Error><Code>` and `<Message>` in a body, if it holds them. */
export function errorOf(text: string): { code?: string; message?: string } {
  if (!text.includes('<Error')) return {};
  try {
    const err = (xmlParser().parse(text) as { Error?: { Code?: unknown; Message?: unknown } }).Error;
    return {
      ...(typeof err?.Code === 'string' ? { code: err.Code } : {}),
      ...(typeof err?.Message === 'string' ? { message: err.Message } : {}),
    };
  } catch {
    return {}; // not XML after all
  }
}

/** Parses an S3 XML answer body. */
export function parseXml(text: string, isArray?: (name: string) => boolean): Record<string, unknown> {
  return xmlParser(isArray).parse(text) as Record<string, unknown>;
}

function isTransientStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/** Redirects followed for an http(s) object, within its origin (a moved path, a trailing slash). */
const MAX_REDIRECTS = 5;

/**
 * Sends the request: for s3, signed (the payload marked UNSIGNED-PAYLOAD: TLS protects it, and
 * hashing an 8 MiB part first would cost a pass over it); for http(s), a user:password in the
 * URL becomes a Basic Authorization header, and redirects of a GET or HEAD are followed.
 */
async function exchange(
  req: ObjectRequest,
  settings: RemoteSettings | undefined,
  signal: AbortSignal,
): Promise<Answer> {
  const target = parseObjectUrl(req.url, { allowEmptyKey: true });
  // identity: byte ranges are of the stored bytes, never of a compressed transfer.
  const headers: Record<string, string> = { 'accept-encoding': 'identity', ...req.headers };
  const body = req.body ?? null;
  if (target.kind === 's3') {
    const config = s3ConfigFor(settings);
    const credentials = requireCredentials(config, req.url);
    const url = s3HttpUrl(config, target.bucket, req.key ?? target.key, req.query ?? '');
    if (signingKeys.size >= 16) signingKeys.clear(); // a key a day per secret and region: never a leak
    const signer = new AwsV4Signer({
      method: req.method,
      url,
      headers,
      ...credentials,
      service: 's3',
      region: config.region,
      cache: signingKeys,
    });
    const signed = await signer.sign();
    return transmit({ method: req.method, url: signed.url.href, headers: signed.headers, body, signal });
  }
  let url = new URL(target.url);
  for (let hop = 0; ; hop++) {
    const sent = { ...headers };
    if (url.username !== '' || url.password !== '') {
      const pair = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      sent.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
      url.username = '';
      url.password = '';
    }
    const answer = await transmit({ method: req.method, url: url.href, headers: sent, body, signal });
    const location = answer.headers.get('location');
    const redirect = [301, 302, 303, 307, 308].includes(answer.status) && location !== null;
    if (!redirect || hop >= MAX_REDIRECTS || (req.method !== 'GET' && req.method !== 'HEAD')) return answer;
    answer.cancel();
    const next = new URL(location, url);
    // Only within the origin the job named: a redirect elsewhere could lead a server's job to an
    // address no request may name (the cloud's metadata endpoint, a loopback service: SSRF).
    if (next.origin !== url.origin)
      throw new ChunkmillError({
        code: 'ERR_OBJECT_FORBIDDEN',
        file: displayUrl(req.url),
        message: `${displayUrl(req.url)} redirects to another host (${next.origin}); chunkmill follows redirects only within the URL's own scheme, host and port`,
        hint: 'name the final URL',
      });
    url = next; // a password in the first URL is not sent on: `next` has none
  }
}

/** A network failure: `fatal` (no use retrying) or `transient` (what to name if all tries fail). */
function classify(e: unknown, timedOut: boolean, timeoutMs: number): { fatal?: string; transient: string } {
  if (timedOut) return { transient: `no answer within ${timeoutMs} ms` };
  const cause = (e as { cause?: unknown }).cause ?? e;
  const code = String((cause as { code?: unknown }).code ?? '');
  const message = (cause as { message?: unknown }).message;
  if (code === 'ECONNREFUSED') return { fatal: 'connection refused', transient: '' };
  if (code === 'ENOTFOUND') return { fatal: 'no such host (DNS)', transient: '' };
  if (code === 'EAI_AGAIN') return { transient: 'a DNS lookup that failed for now' };
  if (/CERT|SSL|TLS|SELF_SIGNED|EPROTO|UNABLE_TO_VERIFY/.test(code))
    return { fatal: `TLS failed (${code}${typeof message === 'string' ? `: ${message}` : ''})`, transient: '' };
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE')
    return { transient: 'a connection reset' };
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') return { transient: 'a connect timeout' };
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
    return { fatal: `network unreachable (${code})`, transient: '' };
  return { transient: `a network error (${code !== '' ? code : String(message ?? e)})` };
}

function joinSignals(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  if (a === undefined) return b;
  return b === undefined ? a : AbortSignal.any([a, b]);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
