/**
 * The multipart side of POST /api/uploads: a browser's FormData or `curl -F file=@sales.csv`.
 * @fastify/multipart (busboy) parses the body as it arrives; the one file part is handed on as a
 * stream, never held in memory, and is written while the rest of the body is still being read.
 *
 * - Exactly one file part. A second one, or none, is a 400 that says so; a partial or written
 *   file is removed (the caller's `discard`).
 * - Other (text) fields are allowed and ignored, up to FIELDS of them, each up to FIELD_BYTES
 *   (and a name up to NAME_BYTES): a form may carry a CSRF token or a label. More, or longer, is
 *   a 400 naming the field: busboy would otherwise cut it short without a word.
 * - A body that is not well-formed multipart (no boundary, cut short, a bad part header) is a 400.
 * - The file's size is bounded by the caller's counter (413); busboy's own cut is set one byte
 *   past it, so the counter always sees the excess and answers first.
 */
import type { Readable } from 'node:stream';
import type { MultipartFile, MultipartValue } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { badRequest, HttpError } from './http-error.js';

export const FIELDS = 16;
export const FIELD_BYTES = 16 * 1024;
export const NAME_BYTES = 100;

/** What a form may add to the file's own bytes: its fields, part headers and boundaries. */
export const FORM_OVERHEAD = FIELDS * (FIELD_BYTES + 1024) + 64 * 1024;

/** The file part as the caller needs it: its bytes and the name the client gave it (maybe ''). */
export interface FilePart {
  file: Readable;
  filename: string;
}

/**
 * Reads the form to its end: `save` the one file part (it returns what `discard` needs to undo
 * it), and refuses anything else the form holds that breaks the rules above.
 */
export async function saveFormFile<T>(
  request: FastifyRequest,
  maxFileBytes: number,
  save: (part: FilePart) => Promise<T>,
  discard: (saved: T) => Promise<void>,
): Promise<T> {
  let saved: { value: T } | null = null;
  try {
    const parts = request.parts({
      limits: {
        files: 1,
        fields: FIELDS,
        fieldSize: FIELD_BYTES,
        fieldNameSize: NAME_BYTES,
        fileSize: maxFileBytes + 1,
        parts: FIELDS + 1,
      },
    });
    for await (const part of parts as AsyncIterable<MultipartFile | MultipartValue>) {
      if (part.type === 'field') checkField(part);
      else saved = { value: await save({ file: part.file, filename: part.filename }) };
    }
  } catch (e) {
    if (saved !== null) await discard(saved.value);
    throw formError(e);
  }
  if (saved === null)
    throw badRequest('file', 'the form has no file part: send the file as one part, e.g. curl -F file=@sales.csv');
  return saved.value;
}

function checkField(part: MultipartValue): void {
  if (part.fieldnameTruncated) throw badRequest('form', `a field's name is longer than ${NAME_BYTES} bytes`);
  if (part.valueTruncated)
    throw badRequest(
      part.fieldname,
      `the form field is longer than ${FIELD_BYTES} bytes (only the file part may be large)`,
    );
}

/** The parser's failures as the client's 400s; our own errors (413, 507, a bad name) as they are. */
function formError(e: unknown): unknown {
  if (e instanceof HttpError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  switch (code) {
    case 'FST_FILES_LIMIT':
      return badRequest('file', 'the form has more than one file part: send exactly one file per upload');
    case 'FST_FIELDS_LIMIT':
    case 'FST_PARTS_LIMIT':
      return badRequest('form', `the form has more than ${FIELDS} fields besides its file`);
    case 'FST_PROTO_VIOLATION':
      return badRequest('form', 'a field is named after an object prototype property (such as __proto__)');
    case 'FST_INVALID_JSON_FIELD_ERROR':
      return badRequest('form', 'a field of type application/json is not valid JSON');
    case 'FST_MP_PREMATURE_CLOSE':
      return badRequest('form', 'the request ended before the multipart body did');
  }
  if (e instanceof Error && typeof code !== 'string' && !('errno' in e))
    return badRequest('form', `the multipart body is not well-formed: ${e.message}`);
  return e;
}
