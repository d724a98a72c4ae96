/**
 * The job routes: each validates (schemas.ts), calls the queue, and sends what it answers.
 *
 *   POST   /api/jobs             202 the queued job's record (Location: /api/jobs/:id) and its `links`
 *   GET    /api/jobs             200 { jobs, next, counts, lastEventId, paused }: newest first, paged by
 *                                `cursor`; filtered by `state`, `name` (contains) and labels (`meta.userId=u-7`)
 *   GET    /api/jobs/:id         200 the record (state, progress, result summary or error)
 *   GET    /api/jobs/:id/links   200 fresh `links` (links.ts): URLs of its record, events and result
 *                                that carry a read-only link token, for a browser without the token
 *   POST   /api/jobs/:id/cancel  200 cancelled while queued, 202 asked of its engine, 409 already ended
 *   POST   /api/jobs/:id/retry   201 the new job's record (Location) and links, 409 not failed or cancelled
 *   DELETE /api/jobs/:id         204 removed, 409 running (cancel it first)
 * An unknown job is a 404 on each. The queue's own routes (pause, resume, bulk) are in queue.ts.
 */
import type { FastifyInstance } from 'fastify';
import type { AddOptions, JobState } from '../../index.js';
import { HttpError, jobNotFound } from '../http-error.js';
import type { HttpSpec } from '../../internal.js';
import { queueSpec } from '../job-request.js';
import { queueRoutes } from './queue.js';
import { jobLinks } from '../links.js';
import { presentJob } from '../presenter.js';
import { addJobBody, idParams, listQuery } from '../schemas.js';
import type { ServerContext } from '../server-context.js';

interface AddBody extends AddOptions {
  spec: HttpSpec;
}

export function jobRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { queue } = ctx;

  app.post('/api/jobs', { schema: { body: addJobBody } }, async (request, reply) => {
    const { spec, ...options } = request.body as AddBody;
    const job = await queue.add(await queueSpec(spec, ctx), options);
    return reply
      .code(202)
      .header('location', `/api/jobs/${job.id}`)
      .send({ ...presentJob(job), links: jobLinks(job.id, ctx.links) });
  });

  app.get('/api/jobs', { schema: { querystring: listQuery } }, async (request) => {
    const query = request.query as Record<string, string | number | undefined>;
    const { state, limit, cursor, name } = query as {
      state?: JobState;
      limit?: number;
      cursor?: string;
      name?: string;
    };
    // meta.userId=u-7: the label filters (the schema allows only such keys besides the named ones).
    const labels = Object.entries(query).filter(([key]) => key.startsWith('meta.'));
    const meta = labels.length === 0 ? undefined : Object.fromEntries(labels.map(([k, v]) => [k.slice(5), String(v)]));
    // Read before the page: a feed started from it misses nothing written after the page was read.
    const lastEventId = await queue.lastEventId();
    const [page, counts, paused] = await Promise.all([
      queue.list({ state, limit, cursor, ...(meta && { meta }), ...(name !== undefined && { name }) }),
      queue.counts(),
      queue.isPaused(),
    ]);
    return { ...page, jobs: page.jobs.map(presentJob), counts, lastEventId, paused }; // a JobList (api/wire.ts) once the presenter has named its paths
  });

  app.get('/api/jobs/:id', { schema: { params: idParams } }, async (request) => {
    const { id } = request.params as { id: string };
    const job = await queue.get(id);
    if (job === null) throw jobNotFound(id);
    return presentJob(job);
  });

  // Needs the main token: a link token is not accepted here (access.ts), so no link outlives its expiry.
  app.get('/api/jobs/:id/links', { schema: { params: idParams } }, async (request) => {
    const { id } = request.params as { id: string };
    if ((await queue.get(id)) === null) throw jobNotFound(id);
    return jobLinks(id, ctx.links);
  });

  // The routes that take no body, in a scope where an empty JSON body is no body: many clients
  // send `content-type: application/json` on every call, and Fastify's parser refuses it empty.
  void app.register(async (scope) => {
    const json = scope.getDefaultJsonParser('error', 'error');
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) =>
      body.length === 0 ? done(null, undefined) : json(request, String(body), done),
    );

    scope.post('/api/jobs/:id/cancel', { schema: { params: idParams } }, async (request, reply) => {
      const { id } = request.params as { id: string };
      const outcome = await queue.cancel(id);
      const job = await queue.get(id);
      if (outcome === 'finished')
        throw new HttpError(409, 'ERR_JOB_FINISHED', `Job ${id} has already ended (${job?.state ?? 'removed'})`);
      return reply.code(outcome === 'cancelled' ? 200 : 202).send({ outcome, job: job && presentJob(job) });
    });

    // A retry is a new job (queue.retry says why), hence 201 and its own Location.
    scope.post('/api/jobs/:id/retry', { schema: { params: idParams } }, async (request, reply) => {
      const { id } = request.params as { id: string };
      // The stored spec runs again: its module must be one this server would run if asked now.
      const spec = (await queue.get(id))?.spec;
      if (spec?.task !== undefined) await ctx.modules.check(spec.task, 'task');
      if (spec?.transform !== undefined) await ctx.modules.check(spec.transform, 'transform');
      const job = await queue.retry(id);
      return reply
        .code(201)
        .header('location', `/api/jobs/${job.id}`)
        .send({ ...presentJob(job), links: jobLinks(job.id, ctx.links) });
    });

    queueRoutes(scope, ctx);

    scope.delete('/api/jobs/:id', { schema: { params: idParams } }, async (request, reply) => {
      const { id } = request.params as { id: string };
      if (!(await queue.remove(id))) throw jobNotFound(id);
      return reply.code(204).send();
    });
  });
}
