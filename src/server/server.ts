/**
 * `chunkmill serve`: an engine on the store and an HTTP API over its queue, in one process.
 *
 * Fastify 5 carries the HTTP side: JSON-schema validation of every body and query compiled once
 * per route (Ajv), body limits, encapsulated content-type parsers (only the upload route takes
 * a raw stream), hooks for the token check, and a throughput that leaves the event loop to the
 * engine. The routes are thin: validate, call the queue, serialize (presenter.ts).
 *
 * close(), on SIGTERM or Ctrl-C:
 *   1. stop accepting: the listening socket closes, a request on a kept-alive connection gets 503;
 *   2. close the engine: running jobs stop, keep their checkpoint journals and go back to the
 *      queue (the next server on the store resumes them);
 *   3. give the event streams a moment to forward those state changes, then end each with
 *      `end: shutdown` (a client reconnects later with Last-Event-ID and misses nothing);
 *   4. close the queue's store connection.
 * (mount.ts: the same parts and routes, which the Fastify plugin and the Express middleware mount
 * in an app of one's own.)
 *
 * With `engine: false` (`serve --no-engine`) it is an API-only replica: no engine and no worker
 * pool here; jobs are queued in the store and run by engines on other hosts, and the event
 * streams, which read the store's event log, follow them all the same.
 */
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { ChunkmillError, type Engine, type Queue } from '../index.js';
import { limitConnections, timeoutOptions } from './connection-limits.js';
import { redactAccess } from './links.js';
import { mountChunkmill, openParts, type ServerParts, stopParts } from './mount.js';
import { resolveServerOptions, type ResolvedServerOptions, type ServerOptions } from './server-options.js';

export class ChunkmillServer {
  private closing: Promise<void> | null = null;

  private constructor(
    readonly options: ResolvedServerOptions,
    readonly app: FastifyInstance,
    private readonly parts: ServerParts,
  ) {}

  /** Null on an API-only replica (`engine: false`). */
  get engine(): Engine | null {
    return this.parts.engine;
  }

  get queue(): Queue {
    return this.parts.queue;
  }

  /** Opens the store, starts the engine and listens. Throws ERR_INVALID_OPTION naming a bad option. */
  static async start(options: ServerOptions = {}): Promise<ChunkmillServer> {
    const opts = resolveServerOptions(options);
    let server: ChunkmillServer | null = null;
    const parts = await openParts(opts, (e) => server?.app.log.error({ err: e }, 'engine error'));
    try {
      const app = buildApp(opts);
      server = new ChunkmillServer(opts, app, parts);
      const self = server;
      mountChunkmill(app, opts, parts, () => self.closing !== null);
      await app.listen({ host: opts.host, port: opts.port }).catch((e: NodeJS.ErrnoException) => {
        throw new ChunkmillError({
          code: 'ERR_INVALID_OPTION',
          option: 'port',
          message: `Cannot listen on ${opts.host}:${opts.port}: ${e.code === 'EADDRINUSE' ? 'the port is in use' : e.message}`,
        });
      });
      return server;
    } catch (e) {
      parts.uploads?.stop();
      await parts.engine?.close();
      await parts.queue.close();
      throw e;
    }
  }

  /** The base URL, e.g. http://127.0.0.1:8080 (the real port when `port` was 0). */
  get url(): string {
    const { address, port, family } = this.app.server.address() as AddressInfo;
    return `http://${family === 'IPv6' ? `[${address}]` : address}:${port}`;
  }

  /** Graceful: see the top of this file. Only the first call does it; later ones wait for it. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const stopped = this.app.close();
    await stopParts(this.parts);
    await stopped;
    await this.parts.queue.close();
  }
}

/** startServer(options): ChunkmillServer.start. */
export function startServer(options: ServerOptions = {}): Promise<ChunkmillServer> {
  return ChunkmillServer.start(options);
}

/** The server's own Fastify: its body limit, request log, timeouts and per-client connection limit. */
function buildApp(opts: ResolvedServerOptions): FastifyInstance {
  const app = Fastify({
    bodyLimit: opts.bodyLimit,
    logger: loggerOptions(opts.logLevel),
    return503OnClosing: true,
    ...timeoutOptions(opts),
  });
  limitConnections(app, opts.maxConnectionsPerClient);
  return app;
}

/** The request and error log: JSON lines on stderr, with any link token in a URL hidden. */
export function loggerOptions(level: ResolvedServerOptions['logLevel']): FastifyServerOptions['logger'] {
  if (level === 'silent') return false;
  return {
    level,
    stream: process.stderr,
    // Fastify's own request serializer, but a link token in a URL is not written to the log.
    serializers: {
      req: (request: FastifyRequest) => ({
        method: request.method,
        url: redactAccess(request.url),
        host: request.host,
        remoteAddress: request.ip,
        remotePort: request.socket?.remotePort,
      }),
    },
  };
}
