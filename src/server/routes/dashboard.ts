/**
 * GET / and GET /assets/:file: the dashboard, a static page and its compiled scripts (built by
 * `npm run build` from dashboard/ into dist/dashboard/, shipped in the package, read into memory
 * once). These routes are public: they hold no data; the page asks for the token and sends it
 * with every API call. Every URL of the page is relative to it, so it works mounted under a path
 * (the Fastify plugin, the Express middleware) as at the root. The Content-Security-Policy lets the page run only its own scripts and
 * talk only to this server, so a value in a CSV can never become markup or code in it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { HttpError } from '../http-error.js';

const DIR = fileURLToPath(new URL('../../dashboard/', import.meta.url));
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function dashboardRoutes(app: FastifyInstance): void {
  const assets = loadAssets();
  const send = (reply: FastifyReply, name: string) => {
    const asset = assets.get(name);
    if (asset === undefined) {
      const built = assets.size > 0 ? '' : ' (the dashboard was not built: npm run build)';
      throw new HttpError(404, 'ERR_NOT_FOUND', `No asset ${name}${built}`);
    }
    return reply
      .type(asset.type)
      .headers({ 'content-security-policy': CSP, 'cache-control': 'no-cache', 'referrer-policy': 'no-referrer' })
      .send(asset.body);
  };
  const config = { public: true };
  app.get('/', { config }, async (request, reply) => {
    // Mounted under a path (/jobs), the page must be at /jobs/, not /jobs: its asset and API URLs
    // are relative to it. Express keeps the path the browser asked for in originalUrl.
    const asked = (request.raw as { originalUrl?: unknown }).originalUrl;
    const [path = '', query] = (typeof asked === 'string' ? asked : request.url).split('?');
    if (!path.endsWith('/'))
      return reply.redirect(`${path.slice(path.lastIndexOf('/') + 1)}/${query === undefined ? '' : `?${query}`}`);
    return send(reply, 'index.html');
  });
  app.get('/assets/:file', { config }, async (request, reply) =>
    send(reply, (request.params as { file: string }).file),
  );
}

function loadAssets(): Map<string, { type: string; body: Buffer }> {
  const assets = new Map<string, { type: string; body: Buffer }>();
  let names: string[] = [];
  try {
    names = readdirSync(DIR);
  } catch {
    return assets;
  }
  for (const name of names) {
    const type = TYPES[extname(name)];
    if (type !== undefined) assets.set(name, { type, body: readFileSync(join(DIR, name)) });
  }
  return assets;
}
