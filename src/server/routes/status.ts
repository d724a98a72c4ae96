/**
 * GET /api/health: liveness, 200 `{ status: "ok", ... }` while the process answers and its store
 * can be read (503 through the error handler when it cannot). GET /api/ready: readiness, 200 when
 * the store can be written, the thread pool answers and (with a cluster) Redis and a worker are
 * there, else 503 with the reasons (readiness.ts). GET /metrics: Prometheus text (metrics.ts).
 * On an API-only replica `engine` is null in /api/health. All need the token like the API (Prometheus sends one with `authorization: { credentials_file: ... }`).
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../index.js';
import type { Metrics } from '../metrics.js';
import type { ReadinessCheck } from '../readiness.js';
import type { ServerContext } from '../server-context.js';

const VERSION = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export function statusRoutes(
  app: FastifyInstance,
  ctx: ServerContext,
  engine: Engine | null,
  metrics: Metrics,
  readiness: ReadinessCheck,
): void {
  const started = Date.now();
  app.get('/api/health', async () => ({
    status: ctx.closing() ? 'stopping' : 'ok',
    version: VERSION,
    uptimeSeconds: Math.round((Date.now() - started) / 1000),
    engine: engine === null ? null : { id: engine.id, running: engine.running },
    jobs: await ctx.queue.counts(),
    tasks: ctx.modules.dir !== null,
  }));

  app.get('/api/ready', async (_request, reply) => {
    const state = await readiness.check();
    return reply.code(state.ready ? 200 : 503).send(state);
  });

  app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.render()));
}
