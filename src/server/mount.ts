/**
 * What `chunkmill serve`, the Fastify plugin (plugin.ts) and the Express middleware (express.ts)
 * share: the parts a server runs (the queue on the store, the data dir, the engine, the upload
 * retention, the open event streams), opened and closed in one order, and the API with its
 * dashboard installed on a Fastify instance: the root one of `chunkmill serve`, or a scope of
 * someone else's app under a prefix. Everything installed here is encapsulated in that scope:
 * hooks, the token check, the error handler and the reply serializer reach no route of the app.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createEngine, type Engine, openQueue, type Queue } from '../index.js';
import { installAccess } from './access.js';
import { installCors } from './cors.js';
import { DataDir } from './data-dir.js';
import { isObjectUrl, listPrefixEntries } from '../internal.js';
import { ObjectDataDir } from './object-data-dir.js';
import { installErrorHandler } from './error-handler.js';
import { InputAllowList } from './input-allow.js';
import { LinkSigner } from './links.js';
import { Metrics } from './metrics.js';
import { Presenter } from './presenter.js';
import { ReadinessCheck } from './readiness.js';
import { startUploadRetention, type UploadRetention } from './retention.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { eventRoutes } from './routes/events.js';
import { fileRoutes } from './routes/files.js';
import { jobRoutes } from './routes/jobs.js';
import { resultRoutes } from './routes/results.js';
import { statusRoutes } from './routes/status.js';
import { uploadRoutes } from './routes/uploads.js';
import type { ServerContext } from './server-context.js';
import type { ResolvedServerOptions } from './server-options.js';
import type { SseStream } from './sse-stream.js';
import { TaskModules } from './task-modules.js';
import { installValidation } from './validation.js';

/** How long the streams get to forward the engine's last writes: a few of the queue's 50 ms polls. */
const STREAM_FLUSH_MS = 200;

export interface ServerParts {
  queue: Queue;
  dataDir: DataDir | ObjectDataDir;
  /** With a data dir in a bucket: the empty folder the engine is confined to (removed at stop). */
  noFiles: string | null;
  /** Null on an API-only replica (`engine: false`). */
  engine: Engine | null;
  /** Null without `retention`. */
  uploads: UploadRetention | null;
  streams: Set<SseStream>;
}

/** Opens the store and starts the engine; on a failure closes what was opened and throws. */
export async function openParts(opts: ResolvedServerOptions, log: (error: unknown) => void): Promise<ServerParts> {
  const queue = openQueue(opts.store);
  const dataDir = isObjectUrl(opts.dataDir) ? new ObjectDataDir(opts.dataDir) : new DataDir(opts.dataDir, opts.store);
  // A bucket's jobs read and write objects only: their engine is confined to a folder of its own that
  // stays empty, so no job (one queued on the store by other means, too) opens a local file.
  const noFiles = dataDir.kind === 'bucket' ? mkdtempSync(join(tmpdir(), 'chunkmill-no-files-')) : null;
  try {
    // A bucket that cannot be listed (no such bucket, bad credentials) fails the start, not the first request.
    if (dataDir.kind === 'bucket') await listPrefixEntries(dataDir.under(), undefined, { limit: 1 });
    const engine = opts.engine
      ? await createEngine({
          store: opts.store,
          workers: opts.workers,
          cluster: opts.cluster,
          concurrency: opts.concurrency,
          leaseMs: opts.leaseMs,
          webhooks: opts.webhooks,
          memoryBudget: opts.memoryBudget,
          ...(opts.retention === undefined ? {} : { retention: opts.retention }),
          // The paths a request names are checked at submit; each job checks them again at open.
          confine: dataDir.kind === 'folder' ? { root: dataDir.root, protect: dataDir.storeFiles } : { root: noFiles! },
        })
      : null;
    engine?.on('error', log);
    const uploads = opts.retention === undefined ? null : startUploadRetention(dataDir.root, opts.retention, log);
    return { queue, dataDir, noFiles, engine, uploads, streams: new Set() };
  } catch (e) {
    await queue.close();
    if (noFiles !== null) rmSync(noFiles, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Stops the engine (running jobs keep their checkpoints and go back to the queue), gives the
 * event streams a moment to forward those state changes, then ends each with `end: shutdown`
 * (a client reconnects later with Last-Event-ID and misses nothing). The queue stays open: the
 * streams and the last requests may still read it; closeQueue() closes it after them.
 */
export async function stopParts(parts: ServerParts): Promise<void> {
  parts.uploads?.stop();
  await parts.engine?.close();
  if (parts.noFiles !== null) rmSync(parts.noFiles, { recursive: true, force: true });
  await new Promise((r) => setTimeout(r, STREAM_FLUSH_MS));
  for (const stream of parts.streams)
    stream.end('shutdown', 'The server is stopping; reconnect with Last-Event-ID to go on');
}

/**
 * Installs the API (/api/...), /metrics and the dashboard (/ and /assets/...) on `app`, under
 * its prefix. `embedded`: in another app, whose clients see every path under a prefix (the
 * plugin's, and an Express mount path): the links and Location headers the API sends get it.
 */
export function mountChunkmill(
  app: FastifyInstance,
  opts: ResolvedServerOptions,
  parts: ServerParts,
  closing: () => boolean,
  embedded = false,
): void {
  const { queue, engine, dataDir, streams } = parts;
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
  if (embedded) prefixPaths(app, opts.bodyLimit);
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
  // The probe of libuv's file-I/O pool stats a local folder: a bucket's data dir is none.
  const readiness = new ReadinessCheck(queue, engine, parts.noFiles ?? opts.dataDir, closing, app.log);
  statusRoutes(app, ctx, engine, metrics, readiness);
  dashboardRoutes(app);
}

/**
 * The path prefix a client sees in front of the API's own paths: an Express mount path
 * (req.baseUrl, which Express takes off req.url) and the plugin's prefix.
 */
export function publicPrefix(request: FastifyRequest, scopePrefix: string): string {
  const base = (request.raw as { baseUrl?: unknown }).baseUrl;
  return (typeof base === 'string' ? base : '') + scopePrefix;
}

/**
 * In another app: the body limit per route (a Fastify instance has one for all its routes, the
 * app's), and the paths the API sends (Location, a job's `links`) under the prefix.
 */
function prefixPaths(app: FastifyInstance, bodyLimit: number): void {
  const scopePrefix = app.prefix;
  app.addHook('onRoute', (route) => {
    route.bodyLimit ??= bodyLimit;
  });
  app.addHook('preSerialization', async (request, _reply, payload: unknown) => {
    const prefix = publicPrefix(request, scopePrefix);
    if (prefix === '' || payload === null || typeof payload !== 'object') return payload;
    const record = payload as Record<string, unknown>;
    if (isLinks(record)) return withPrefix(record, prefix);
    if (isLinks(record.links)) return { ...record, links: withPrefix(record.links, prefix) };
    return payload;
  });
  app.addHook('onSend', async (request, reply) => {
    const location = reply.getHeader('location');
    const prefix = publicPrefix(request, scopePrefix);
    if (typeof location === 'string' && location.startsWith('/api/') && prefix !== '')
      void reply.header('location', prefix + location);
  });
}

type Links = { job: string; events: string; result: string };

function isLinks(value: unknown): value is Links & Record<string, unknown> {
  const v = value as Partial<Links> | null;
  return typeof v === 'object' && v !== null && [v.job, v.events, v.result].every((p) => p?.startsWith('/api/'));
}

function withPrefix(links: Links & Record<string, unknown>, prefix: string): Record<string, unknown> {
  return { ...links, job: prefix + links.job, events: prefix + links.events, result: prefix + links.result };
}
