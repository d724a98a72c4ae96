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
 *
 * With `engine: false` (`serve --no-engine`) it is an API-only replica: no engine and no worker
 * pool here; jobs are queued in the store and run by engines on other hosts, and the event
 * streams, which read the store's event log, follow them all the same.
 */
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { createEngine, ChunkmillError, openQueue, type Engine, type Queue } from '../index.js';
import { installAccess } from './access.js';
import { installCors } from './cors.js';
import { limitConnections, timeoutOptions } from './connection-limits.js';
import { DataDir } from './data-dir.js';
import { installErrorHandler } from './error-handler.js';
import { InputAllowList } from './input-allow.js';
import { LinkSigner, redactAccess } from './links.js';
import { Metrics } from './metrics.js';
import { Presenter } from './presenter.js';
import { ReadinessCheck } from './readiness.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { eventRoutes } from './routes/events.js';
import { fileRoutes } from './routes/files.js';
import { jobRoutes } from './routes/jobs.js';
import { resultRoutes } from './routes/results.js';
import { statusRoutes } from './routes/status.js';
import { uploadRoutes } from './routes/uploads.js';
import type { ServerContext } from './server-context.js';
import { resolveServerOptions, type ResolvedServerOptions, type ServerOptions } from './server-options.js';
import type { SseStream } from './sse-stream.js';
import { TaskModules } from './task-modules.js';
import { installValidation } from './validation.js';

/** How long the streams get to forward the engine's last writes: a few of the queue's 50 ms polls. */
const STREAM_FLUSH_MS = 200;

export class ChunkmillServer {
  private closing: Promise<void> | null = null;

  private constructor(
    readonly options: ResolvedServerOptions,
    readonly app: FastifyInstance,
    /** Null on an API-only replica (`engine: false`). */
    readonly engine: Engine | null,
    readonly queue: Queue,
    private readonly streams: Set<SseStream>,
  ) {}

  /** Opens the store, starts the engine and listens. Throws ERR_INVALID_OPTION naming a bad option. */
  static async start(options: ServerOptions = {}): Promise<ChunkmillServer> {
    const opts = resolveServerOptions(options);
    const queue = openQueue(opts.store);
    const dataDir = new DataDir(opts.dataDir, opts.store);
    let engine: Engine | null = null;
    try {
      if (opts.engine)
        engine = await createEngine({
          store: opts.store,
          workers: opts.workers,
          cluster: opts.cluster,
          concurrency: opts.concurrency,
          leaseMs: opts.leaseMs,
          webhooks: opts.webhooks,
          // The paths a request names are checked at submit; each job checks them again at open.
          confine: { root: dataDir.root, protect: dataDir.storeFiles },
        });
      const streams = new Set<SseStream>();
      const app = buildApp(opts, queue, engine, dataDir, streams, () => server.closing !== null);
      const server = new ChunkmillServer(opts, app, engine, queue, streams);
      engine?.on('error', (e) => app.log.error({ err: e }, 'engine error'));
      await app.listen({ host: opts.host, port: opts.port }).catch((e: NodeJS.ErrnoException) => {
        throw new ChunkmillError({
          code: 'ERR_INVALID_OPTION',
          option: 'port',
          message: `Cannot listen on ${opts.host}:${opts.port}: ${e.code === 'EADDRINUSE' ? 'the port is in use' : e.message}`,
        });
      });
      return server;
    } catch (e) {
      await engine?.close();
      await queue.close();
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
    await this.engine?.close();
    await new Promise((r) => setTimeout(r, STREAM_FLUSH_MS));
    for (const stream of this.streams)
      stream.end('shutdown', 'The server is stopping; reconnect with Last-Event-ID to go on');
    await stopped;
    await this.queue.close();
  }
}

/** startServer(options): ChunkmillServer.start. */
export function startServer(options: ServerOptions = {}): Promise<ChunkmillServer> {
  return ChunkmillServer.start(options);
}

function buildApp(
  opts: ResolvedServerOptions,
  queue: Queue,
  engine: Engine | null,
  dataDir: DataDir,
  streams: Set<SseStream>,
  closing: () => boolean,
): FastifyInstance {
  const app = Fastify({
    bodyLimit: opts.bodyLimit,
    logger:
      opts.logLevel === 'silent'
        ? false
        : {
            level: opts.logLevel,
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
          },
    return503OnClosing: true,
    ...timeoutOptions(opts),
  });
  limitConnections(app, opts.maxConnectionsPerClient);
  const ctx: ServerContext = {
    queue,
    dataDir,
    modules: new TaskModules(opts.tasksDir),
    allowInput: new InputAllowList(opts.allowInput),
    presenter: new Presenter(opts.dataDir, opts.tasksDir),
    streams,
    heartbeatMs: opts.heartbeatMs,
    idleTimeout: opts.idleTimeout,
    uploadLimit: opts.uploadLimit,
    closing,
    links: opts.token === undefined ? null : new LinkSigner(opts.token, opts.linkTtlMs),
  };
  // JSON bodies only (and the upload route's raw stream): text/plain would let a cross-site
  // form post reach a route without a CORS preflight.
  app.removeContentTypeParser('text/plain');
  app.setReplySerializer((payload) => ctx.presenter.json(payload));
  app.addHook('onSend', async (_request, reply) => {
    void reply.header('x-content-type-options', 'nosniff');
  });
  installValidation(app);
  installErrorHandler(app);
  installCors(app, opts.corsOrigins);
  installAccess(app, opts.token, { links: ctx.links, corsOrigins: opts.corsOrigins });
  const metrics = new Metrics(queue, engine, () => streams.size);
  metrics.install(app);
  jobRoutes(app, ctx);
  eventRoutes(app, ctx);
  resultRoutes(app, ctx);
  uploadRoutes(app, ctx);
  fileRoutes(app, ctx);
  const readiness = new ReadinessCheck(queue, engine, opts.dataDir, closing, app.log);
  statusRoutes(app, ctx, engine, metrics, readiness);
  dashboardRoutes(app);
  return app;
}
