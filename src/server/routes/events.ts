/**
 * The event streams (Server-Sent Events, see sse-stream.ts for the format):
 *
 *   GET /api/jobs/:id/events  one job's log from the store: replayed after Last-Event-ID (0: from
 *                             the start), then followed live, ended after its final `state`.
 *   GET /api/events           every job's events, from Last-Event-ID or (without it) from now;
 *                             `?types=state,progress` sends only those (a name it does not know
 *                             is a 400 listing the known ones). It ends only with the server.
 *
 * An event goes by its stream name (api/wire.ts, streamEventName): a failure is `failed`, not
 * the `error` the log keeps, which EventSource would take for its own connection error.
 *
 * Both come from the store's event log (queue.watch / watchAll), never from this process's
 * memory, so a stream tells the same story whichever process ran the job, and a client that
 * reconnects with its last id misses nothing: not a state change, not the end.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { JobEventRecord } from '../../index.js';
import { STREAM_EVENT_NAMES, type StreamEventName, streamEventName } from '../../internal.js';
import { badRequest, HttpError, jobNotFound } from '../http-error.js';
import { eventsQuery, idParams } from '../schemas.js';
import type { ServerContext } from '../server-context.js';
import { wholeProgress } from '../presenter.js';
import { SseStream } from '../sse-stream.js';

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

export function eventRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { queue } = ctx;
  const toSse = (e: JobEventRecord) => ({
    id: e.id,
    event: streamEventName(e.type),
    data: ctx.presenter.json({
      jobId: e.jobId,
      at: e.at,
      data: e.type === 'progress' ? wholeProgress(e.data) : e.data,
    }),
  });

  app.get('/api/jobs/:id/events', { schema: { params: idParams } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const after = lastEventId(request) ?? 0;
    const job = await queue.get(id);
    if (job === null) throw jobNotFound(id);
    // A client that already saw the final state gets the end at once (a watch would wait forever).
    const seenAll = FINAL.has(job.state) && (await queue.store.events(id, after, 1)).length === 0;
    const stream = open(ctx, reply);
    if (seenAll) {
      ctx.streams.delete(stream);
      return stream.end('finished', `Job ${id} ${job.state}`);
    }
    let final: string | null = null;
    try {
      for await (const e of queue.watch(id, { after, signal: stream.signal })) {
        await stream.send(toSse(e));
        if (e.type === 'state' && FINAL.has(e.data.state)) final = e.data.state;
      }
      if (final !== null) stream.end('finished', `Job ${id} ${final}`);
      else if (stream.open && (await queue.get(id)) === null) stream.end('removed', `Job ${id} was removed`);
    } catch (e) {
      request.log.error({ err: e }, 'event stream failed');
      stream.end('failed', 'The job store could not be read; reconnect with Last-Event-ID');
    } finally {
      ctx.streams.delete(stream);
    }
  });

  app.get('/api/events', { schema: { querystring: eventsQuery } }, async (request, reply) => {
    const types = (request.query as { types?: string }).types;
    const wanted = types === undefined ? null : streamNames(types);
    const after = lastEventId(request) ?? (await queue.lastEventId());
    const stream = open(ctx, reply);
    try {
      for await (const e of queue.watchAll({ after, signal: stream.signal }))
        if (wanted === null || wanted.has(streamEventName(e.type))) await stream.send(toSse(e));
    } catch (e) {
      request.log.error({ err: e }, 'event stream failed');
      stream.end('failed', 'The job store could not be read; reconnect with Last-Event-ID');
    } finally {
      ctx.streams.delete(stream);
    }
  });
}

function open(ctx: ServerContext, reply: FastifyReply): SseStream {
  if (ctx.closing()) throw new HttpError(503, 'ERR_UNAVAILABLE', 'The server is stopping; reconnect later');
  const stream = new SseStream(reply, ctx.heartbeatMs);
  // Its heartbeats keep it moving; a client that stops reading is closed after this long.
  reply.raw.socket?.setTimeout(Math.max(ctx.idleTimeout, 2 * ctx.heartbeatMs));
  ctx.streams.add(stream);
  return stream;
}

/** Before the rename: `error` asks for what is now `failed`. @deprecated for one release. */
const OLD_NAMES = new Map<string, StreamEventName>([['error', 'failed']]);

/** `?types=a,b` as stream names; a name that is not one is a 400 (a stream of nothing would answer 200). */
function streamNames(types: string): Set<StreamEventName> {
  const known = new Set<string>(STREAM_EVENT_NAMES);
  const names = new Set<StreamEventName>();
  for (const name of types.split(',')) {
    const stream = known.has(name) ? (name as StreamEventName) : OLD_NAMES.get(name);
    if (stream === undefined)
      throw badRequest(
        'types',
        `unknown event type ${JSON.stringify(name)}; the types are: ${STREAM_EVENT_NAMES.join(', ')}`,
      );
    names.add(stream);
  }
  return names;
}

/** The Last-Event-ID header: a store event id, or undefined without one. */
function lastEventId(request: FastifyRequest): number | undefined {
  const value = request.headers['last-event-id'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value.trim()))
    throw badRequest('Last-Event-ID', 'expected the id of an event (a whole number)');
  return Number(value.trim());
}
