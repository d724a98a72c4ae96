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
 * - Either way, a browser request that says it comes from another site (Origin, or
 *   Sec-Fetch-Site: cross-site) is refused (403): a page on another origin cannot drive the API
 *   with its visitor's network position.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './http-error.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route needs no token (the dashboard's page and assets). @default false */
    public?: boolean;
  }
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export function installAccess(app: FastifyInstance, token: string | undefined): void {
  const expected = token === undefined ? null : digest(token);
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.public === true) return;
    crossSite(request);
    if (expected === null) loopbackHost(request);
    else bearer(request, expected);
  });
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
