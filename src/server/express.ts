/**
 * chunkmillMiddleware: the API, its event streams and the dashboard of `chunkmill serve`, mounted
 * in an Express (or Connect, or plain node:http) app under a path, as bull-board's adapters do:
 *
 *   const jobs = chunkmillMiddleware({ store: 'jobs.db', dataDir: './data', token });
 *   app.use('/jobs', jobs);          // before any body parser: the upload route reads the raw body
 *   process.on('SIGTERM', () => void jobs.close());
 *
 * A plain (req, res, next) handler: Express is not imported. Behind it is a Fastify instance of
 * its own with chunkmillPlugin (plugin.ts) at its root, which never listens: each request is
 * handed to its router (fastify.routing), so routes, validation, the token check, confinement
 * and the engine are exactly serve's. Express takes the mount path off req.url and keeps it in
 * req.baseUrl; the links and Location headers the API sends get it back (mount.ts), and the
 * dashboard's own URLs are relative to its page.
 *
 * The parts open at once (the options are checked at the call, ERR_INVALID_OPTION naming a bad
 * one); a request that comes before they are open waits for them, and one that comes after they
 * failed to open goes to next(error). `logLevel` sets the inner Fastify's request and error log
 * (JSON lines on stderr, as serve's; default warn).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify from 'fastify';
import { chunkmillPlugin, type EmbedOptions, resolveEmbedOptions } from './plugin.js';
import type { ServerOptions } from './server-options.js';
import { loggerOptions } from './server.js';

export type MiddlewareOptions = EmbedOptions & Pick<ServerOptions, 'logLevel'>;

export interface ChunkmillMiddleware {
  (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void;
  /** Resolves once the store is open and the engine started; rejects with why they could not. */
  ready(): Promise<void>;
  /** Stops the engine (running jobs keep their checkpoints), ends the event streams, closes the store. */
  close(): Promise<void>;
}

export function chunkmillMiddleware(options: MiddlewareOptions = {}): ChunkmillMiddleware {
  const { logLevel, ...rest } = options ?? {};
  const checked = resolveEmbedOptions(rest); // throws now, at the call, for a bad option
  const app = Fastify({ logger: loggerOptions(logLevel ?? checked.logLevel), return503OnClosing: true });
  void app.register(chunkmillPlugin, rest);
  const ready = new Promise<void>((resolve, reject) => {
    app.ready((e) => (e ? reject(e) : resolve()));
  });
  // A failure to open is the requests' (next(error)) and ready()'s to tell, not an unhandled rejection.
  ready.catch(() => {});
  const handler = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => {
    if ((req as { _body?: unknown })._body === true || req.readableEnded) {
      // A body parser (express.json(), ...) took the body: an upload or a job could never be read.
      next(
        new Error(
          'chunkmillMiddleware: the request body was already read by a body parser; mount chunkmill before express.json() and other body parsers',
        ),
      );
      return;
    }
    ready.then(() => app.routing(req, res), next);
  };
  return Object.assign(handler, { ready: () => ready, close: () => app.close() });
}
