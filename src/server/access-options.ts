/**
 * The server options of browser access and API-only replicas, resolved apart from
 * server-options.ts so that file stays one list: `corsOrigins` (cors.ts), `linkTtlMs` (links.ts)
 * and `engine` (server.ts: false runs no engine, so other hosts on the same store run the jobs).
 */
import { ChunkmillError } from '../index.js';
import { invalidOption } from '../internal.js';
import { isOrigin } from './cors.js';
import { InputAllowList } from './input-allow.js';

export interface AccessServerOptions {
  /**
   * Origins of frontends that may call the API from a browser (CORS), each exactly as the browser
   * sends it: `https://app.example.com`, `http://localhost:3000`. `*` allows every origin, and
   * needs a token. @default none: a browser request from another origin is refused
   */
  corsOrigins?: string[];
  /** Milliseconds a link token (the `links` of a job's record) stays valid. @default 86400000 (24 h) */
  linkTtlMs?: number;
  /**
   * false: an API-only replica. No engine and no worker pool in this process: jobs are queued in
   * the store (PostgreSQL, or a SQLite file on this host) and run by engines elsewhere
   * (`chunkmill engine`, or `serve` on other hosts). @default true
   */
  engine?: boolean;
  /**
   * Object URL prefixes (`https://data.example.com/exports/`, `s3://bucket/prefix/`) a request may
   * name as a job's input. The server never fetches an address a request chose otherwise: a URL
   * outside them is refused with 403 (input-allow.ts). @default none: files in the data dir only
   */
  allowInput?: string[];
}

export interface ResolvedAccessOptions {
  allowInput: string[];
  corsOrigins: string[];
  linkTtlMs: number;
  engine: boolean;
}

/** The options that only an engine uses: refused on an API-only replica, where they would do nothing. */
const ENGINE_ONLY = ['workers', 'cluster', 'concurrency', 'leaseMs', 'webhooks', 'memoryBudget'] as const;

export function resolveAccessOptions(
  options: AccessServerOptions & Partial<Record<(typeof ENGINE_ONLY)[number], unknown>>,
  token: string | undefined,
): ResolvedAccessOptions {
  const origins = options.corsOrigins ?? [];
  if (!Array.isArray(origins)) throw invalidOption('corsOrigins', 'expected an array of origins');
  for (const origin of origins)
    if (typeof origin !== 'string' || !isOrigin(origin))
      throw invalidOption(
        'corsOrigins',
        `expected an origin such as https://app.example.com (scheme, host and port; no path or trailing slash) or *, got ${JSON.stringify(origin)}`,
      );
  if (origins.includes('*') && token === undefined)
    throw new ChunkmillError({
      code: 'ERR_INVALID_OPTION',
      option: 'corsOrigins',
      message: 'Refusing corsOrigins * without a token: any page a visitor opens could run jobs on this server',
      hint: 'list the frontend origins, or set a token',
    });
  const ttl = options.linkTtlMs ?? 86_400_000;
  if (typeof ttl !== 'number' || !Number.isSafeInteger(ttl) || ttl < 1_000 || ttl > 30 * 86_400_000)
    throw invalidOption('linkTtlMs', `expected an integer from 1000 to ${30 * 86_400_000}, got ${String(ttl)}`);
  const engine = options.engine ?? true;
  if (typeof engine !== 'boolean') throw invalidOption('engine', 'expected true or false');
  if (!engine)
    for (const name of ENGINE_ONLY)
      if (options[name] !== undefined)
        throw invalidOption(name, 'applies to an engine; this server runs none (engine: false)');
  const allowInput = options.allowInput ?? [];
  if (!Array.isArray(allowInput)) throw invalidOption('allowInput', 'expected an array of URL prefixes');
  new InputAllowList(allowInput); // each one checked now, at start, not at the first request
  return { allowInput, corsOrigins: [...new Set(origins)], linkTtlMs: ttl, engine };
}
