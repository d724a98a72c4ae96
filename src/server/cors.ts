/**
 * CORS for a frontend on another origin (`--cors-origin`, `corsOrigins`): an allow-list matched
 * exactly against the browser's Origin header. Only a listed origin gets
 * Access-Control-Allow-Origin (its own value, with `Vary: Origin`) and an answer to its preflight;
 * any other gets no CORS header at all, so its browser keeps the response from its page (and
 * access.ts refuses the request itself as cross-site). `*` allows every origin only when given
 * explicitly, and server-options.ts refuses it on a server without a token.
 *
 * Access-Control-Allow-Credentials is never sent: the API takes a bearer header or a link
 * token, never a cookie, so a page has no credentials of its visitor's to borrow.
 *
 * A small hook rather than @fastify/cors, which is not a dependency yet; it should replace this
 * once it is (same rules: an origin list, no credentials, these methods and headers).
 */
import type { FastifyInstance } from 'fastify';

/** Headers a page may read from a response: where a new job is, a result page's whole count, a 401's scheme. */
const EXPOSE = 'Location, X-Total-Count, WWW-Authenticate, Retry-After';
/** Request headers a page may send: the token, a JSON body's type, an event stream's resume point. */
const ALLOW_HEADERS = 'Authorization, Content-Type, Last-Event-ID';
const ALLOW_METHODS = 'GET, HEAD, POST, DELETE';
/** Seconds a browser may cache a preflight's answer. */
const MAX_AGE = '600';

/** Whether the allow-list lets a request with this Origin header through. */
export function corsAllows(origins: readonly string[], origin: string | string[] | undefined): boolean {
  if (origins.length === 0 || typeof origin !== 'string' || origin === 'null') return false;
  return origins.includes('*') || origins.includes(origin);
}

/** Nothing at all without an allow-list: responses stay as they are, and OPTIONS stays unanswered. */
export function installCors(app: FastifyInstance, origins: readonly string[]): void {
  if (origins.length === 0) return;
  const any = origins.includes('*');
  // onRequest, before the access check: a 401 or 403 carries the headers too, so the page can read why.
  app.addHook('onRequest', async (request, reply) => {
    if (!any) void reply.header('vary', 'Origin');
    if (!corsAllows(origins, request.headers.origin)) return;
    void reply.header('access-control-allow-origin', any ? '*' : request.headers.origin!);
    void reply.header('access-control-expose-headers', EXPOSE);
  });
  // A preflight carries no token (the browser sends none), hence public.
  app.options('*', { config: { public: true } }, async (request, reply) => {
    if (corsAllows(origins, request.headers.origin) && request.headers['access-control-request-method'] !== undefined) {
      void reply.header('access-control-allow-methods', ALLOW_METHODS);
      void reply.header('access-control-allow-headers', ALLOW_HEADERS);
      void reply.header('access-control-max-age', MAX_AGE);
    }
    return reply.code(204).send();
  });
}

/** A `corsOrigins` entry: `*`, or an origin exactly as a browser sends it (scheme://host[:port], no path). */
export function isOrigin(text: string): boolean {
  if (text === '*') return true;
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === text;
  } catch {
    return false;
  }
}
