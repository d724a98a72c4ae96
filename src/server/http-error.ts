/**
 * What a client is told when a request fails: `{ "error": { "code", "message", ...location } }`
 * with the status that fits. Location keys name where the problem is: `field` (a body, query or
 * header field: `spec.aggregate.groupBy[0]`, `limit`, `Last-Event-ID`), and for data errors the
 * `file`, `line`, `column`, `byteOffset` a job error carries.
 */
import type { ErrorPlace } from '../internal.js';

export type { ErrorPlace };

/** The server's own error codes; a job's errors keep the engine's codes (ERR_INVALID_OPTION, ERR_CSV_*). */
export type HttpErrorCode =
  | 'ERR_UNAUTHORIZED'
  | 'ERR_LINK_EXPIRED'
  | 'ERR_CROSS_ORIGIN'
  | 'ERR_HOST_NOT_ALLOWED'
  | 'ERR_PATH_FORBIDDEN'
  | 'ERR_MODULE_FORBIDDEN'
  | 'ERR_INVALID_REQUEST'
  | 'ERR_FILE_NOT_FOUND'
  | 'ERR_BODY_TOO_LARGE'
  | 'ERR_UNSUPPORTED_MEDIA_TYPE'
  | 'ERR_NOT_FOUND'
  | 'ERR_JOB_NOT_FOUND'
  | 'ERR_JOB_FINISHED'
  | 'ERR_JOB_NOT_DONE'
  | 'ERR_JOB_RUNNING'
  | 'ERR_UPLOAD_EXISTS'
  | 'ERR_NO_SPACE'
  | 'ERR_UNAVAILABLE'
  | 'ERR_INTERNAL';

export const PLACE_KEYS: readonly (keyof ErrorPlace)[] = [
  'field',
  'file',
  'line',
  'column',
  'columnIndex',
  'byteOffset',
  'option',
  'hint',
  'requestId',
];

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: HttpErrorCode | string,
    message: string,
    readonly place: ErrorPlace = {},
    /** Response headers that go with it (WWW-Authenticate for a 401). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }

  body(): { error: { code: string; message: string } & ErrorPlace } {
    const place: ErrorPlace = {};
    for (const key of PLACE_KEYS) if (this.place[key] !== undefined) Object.assign(place, { [key]: this.place[key] });
    return { error: { code: this.code, message: this.message, ...place } };
  }
}

export const badRequest = (field: string, message: string): HttpError =>
  new HttpError(400, 'ERR_INVALID_REQUEST', `${field}: ${message}`, { field });

export const forbiddenPath = (field: string, message: string): HttpError =>
  new HttpError(403, 'ERR_PATH_FORBIDDEN', `${field}: ${message}`, { field });

export const jobNotFound = (id: string): HttpError => new HttpError(404, 'ERR_JOB_NOT_FOUND', `No job ${id}`);
