/**
 * GET /api/health: 200 `{ status: "ok", ... }` while the store answers (503 through the error
 * handler when it does not). GET /metrics: Prometheus text (metrics.ts); it needs the token like
 * the API (Prometheus sends one with `authorization: { credentials_file: ... }`).
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../index.js';
import type { Metrics } from '../metrics.js';
import type { ServerContext } from '../server-context.js';

const VERSION = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export function statusRoutes(app: FastifyInstance, ctx: ServerContext, engine: Engine, metrics: Metrics): void {
  const started = Date.now();
  app.get('/api/health', async () => ({
    status: ctx.closing() ? 'stopping' : 'ok',
    version: VERSION,
    uptimeSeconds: Math.round((Date.now() - started) / 1000),
    engine: { id: engine.id, running: engine.running },
    jobs: await ctx.queue.counts(),
    tasks: ctx.modules.dir !== null,
  }));

  app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.render()));
}
