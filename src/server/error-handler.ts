/**
 * Every failure of a request as an HttpError: the server's own, a schema violation (400 naming
 * the field), Fastify's body errors (413, 415, bad JSON), a job spec the engine refuses (400
 * naming the option), an unknown job (404), a running job or one that cannot be retried (409),
 * and anything else as a 500 that says only where to look (the request id in the server's log).
 * A client never sees a stack trace, a driver's message or a path the server did not choose to
 * show.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ChunkmillError } from '../index.js';
import { HttpError } from './http-error.js';
import { validationError } from './validation.js';

/** Fastify's request errors that are the client's: their messages say nothing about the server. */
const FASTIFY_CLIENT_ERRORS: Record<string, [status: number, code: string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'ERR_BODY_TOO_LARGE'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'ERR_UNSUPPORTED_MEDIA_TYPE'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'ERR_INVALID_REQUEST'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'ERR_INVALID_REQUEST'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'ERR_INVALID_REQUEST'],
};

/** A ChunkmillError a request can cause, and its status; others are the server's problem. */
const CHUNKMILL_STATUS: Partial<Record<string, number>> = {
  ERR_INVALID_OPTION: 400,
  ERR_JOB_NOT_FOUND: 404,
  ERR_JOB_RUNNING: 409,
  ERR_JOB_NOT_RETRYABLE: 409,
};

export function toHttpError(error: unknown, requestId: string): HttpError {
  if (error instanceof HttpError) return error;
  const e = error as FastifyError;
  if (Array.isArray(e?.validation)) return validationError(e.validation, e.validationContext);
  const fastify = typeof e?.code === 'string' ? FASTIFY_CLIENT_ERRORS[e.code] : undefined;
  if (fastify !== undefined) {
    const [status, code] = fastify;
    return new HttpError(status, code, e.message);
  }
  if (error instanceof ChunkmillError) {
    const status = CHUNKMILL_STATUS[error.code];
    if (status === 404) return new HttpError(404, error.code, 'No such job');
    if (status !== undefined) {
      const data = error.toData();
      if (data.option === undefined) return new HttpError(status, error.code, error.message, data);
      // Named as the client wrote it: the spec's options are under `spec`.
      const field = `spec.${data.option}`;
      const message = `${field}: ${error.message.replace(/^Invalid option "[^"]*": /, '')}`;
      return new HttpError(status, error.code, message, { ...data, field });
    }
    // A full disk under the store is the server's insufficient storage, as for an upload.
    if (error.code === 'ERR_STORE_FULL')
      return new HttpError(507, 'ERR_NO_SPACE', `The job store's disk is full (request ${requestId})`, { requestId });
    if (error.code.startsWith('ERR_STORE'))
      return new HttpError(503, 'ERR_UNAVAILABLE', `The job store cannot be used now (request ${requestId})`, {
        requestId,
      });
  }
  return new HttpError(
    500,
    'ERR_INTERNAL',
    `An internal error occurred (request ${requestId}); the server log has it`,
    {
      requestId,
    },
  );
}

/** Installs the handlers: every error, and every URL that matches no route, as `{ error }`. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const http = toHttpError(error, request.id);
    if (http.status >= 500) request.log.error({ err: error }, 'request failed');
    void reply.code(http.status).headers(http.headers).send(http.body());
  });
  app.setNotFoundHandler((request, reply) => {
    void reply
      .code(404)
      .send(new HttpError(404, 'ERR_NOT_FOUND', `No route ${request.method} ${pathOf(request)}`).body());
  });
}

/** The path of a request without its query (which could hold anything), for messages. */
function pathOf(request: FastifyRequest): string {
  const path = request.url.split('?')[0] ?? '';
  return path.length > 200 ? `${path.slice(0, 200)}...` : path;
}
