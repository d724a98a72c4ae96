/**
 * Who may call the API. Every route is protected unless it says `config: { public: true }` (the
 * dashboard's page and assets, which hold no data), so a route added later is closed by default.
 *
 * - With a token: a protected request needs `Authorization: Bearer <token>`, compared in
 *   constant time (SHA-256 of both sides, then timingSafeEqual: equal lengths, no early exit),
 *   else 401.
 * - Without one, the server listens on loopback only (server-options.ts), and a protected
 *   request's Host must name a loopback address: a page elsewhere that points a DNS name at
 *   127.0.0.1 (DNS rebinding) is refused (403).
 * - With a token, a link token (`?access=`, links.ts) stands in for it on GET of its own job's
 *   record, events and result, and nowhere else; a request that sends a bearer header is judged
 *   by the header alone. The `access` parameter is taken off those routes' query once checked, so
 *   their schemas never see it (and the request log redacts it, server.ts).
 * - Either way, a browser request that says it comes from another site (Origin, or
 *   Sec-Fetch-Site: cross-site) is refused (403): a page on another origin cannot drive the API
 *   with its visitor's network position. Only an origin on the `corsOrigins` allow-list
 *   (cors.ts) passes: the operator named it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { corsAllows } from './cors.js';
import { HttpError } from './http-error.js';
import { LINK_ROUTES, type LinkSigner } from './links.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route needs no token (the dashboard's page and assets). @default false */
    public?: boolean;
  }
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export interface AccessOptions {
  /** Checks link tokens; null: none are accepted (nor needed, on a server without a token). */
  links?: LinkSigner | null;
  /** Origins whose browser requests are not refused as cross-site (cors.ts). */
  corsOrigins?: readonly string[];
}

export function installAccess(app: FastifyInstance, token: string | undefined, options: AccessOptions = {}): void {
  const expected = token === undefined ? null : digest(token);
  const { links = null, corsOrigins = [] } = options;
  // Mounted under a prefix (the Fastify plugin), a route's url starts with it: the link routes are named without.
  const route = (request: FastifyRequest) => (request.routeOptions.url ?? '').slice(app.prefix.length);
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.public === true) return;
    if (!corsAllows(corsOrigins, request.headers.origin)) crossSite(request);
    const query = request.query as Record<string, unknown> | undefined;
    const access = query?.access;
    if (expected === null) loopbackHost(request);
    else if (access !== undefined && links !== null && request.headers.authorization === undefined)
      linkToken(request, route(request), links, access);
    else bearer(request, expected);
    if (access !== undefined && LINK_ROUTES.has(route(request))) delete query!.access;
  });
}

const unauthorized = (code: string, message: string): HttpError =>
  new HttpError(401, code, message, { field: 'access' }, { 'www-authenticate': 'Bearer realm="chunkmill"' });

function linkToken(request: FastifyRequest, route: string, links: LinkSigner, access: unknown): void {
  if (!LINK_ROUTES.has(route) || (request.method !== 'GET' && request.method !== 'HEAD'))
    throw unauthorized(
      'ERR_UNAUTHORIZED',
      'A link token reads only its own job (GET /api/jobs/:id, its /events and /result); this request needs Authorization: Bearer <token>',
    );
  const id = (request.params as { id?: string }).id ?? '';
  const check = typeof access === 'string' ? links.check(id, access) : 'invalid';
  if (check === 'expired')
    throw unauthorized(
      'ERR_LINK_EXPIRED',
      `The link has expired: GET /api/jobs/${id}/links with the token mints a fresh one`,
    );
  if (check !== 'ok') throw unauthorized('ERR_UNAUTHORIZED', 'The link token is not valid for this job');
}

function bearer(request: FastifyRequest, expected: Buffer): void {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer +(\S+) *$/i.exec(header) : null;
  if (match === null || !timingSafeEqual(digest(match[1]!), expected)) {
    throw new HttpError(
      401,
      'ERR_UNAUTHORIZED',
      match === null ? 'This server needs a token: send Authorization: Bearer <token>' : 'The token is not valid',
      { field: 'Authorization' },
      { 'www-authenticate': 'Bearer realm="chunkmill"' },
    );
  }
}

function crossSite(request: FastifyRequest): void {
  const origin = request.headers.origin;
  const site = request.headers['sec-fetch-site'];
  let foreign = site === 'cross-site';
  if (typeof origin === 'string' && origin !== 'null') {
    try {
      foreign ||= new URL(origin).host !== request.headers.host;
    } catch {
      foreign = true;
    }
  } else if (origin === 'null') foreign = true;
  if (foreign)
    throw new HttpError(403, 'ERR_CROSS_ORIGIN', 'Requests from another site are refused', { field: 'Origin' });
}

function loopbackHost(request: FastifyRequest): void {
  const host = (request.headers.host ?? '').toLowerCase();
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  if (!isLoopback(name)) {
    throw new HttpError(
      403,
      'ERR_HOST_NOT_ALLOWED',
      `This server has no token and answers only requests to a loopback address, not to ${JSON.stringify(name)}`,
      { field: 'Host' },
    );
  }
}

/** localhost, 127.0.0.0/8 and ::1 (bracketed or not). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}
