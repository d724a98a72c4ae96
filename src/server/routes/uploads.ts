/**
 * POST /api/uploads?name=sales.csv: a data file (CSV, TSV or NDJSON, or one of those gzipped as
 * `.gz`) streamed into the data dir's `uploads/` folder, never held in memory. 201
 * `{ name, bytes }`, where `name` is what a job spec's `input` names it by. The file comes as:
 *
 * - multipart/form-data (a browser's FormData, `curl -F file=@sales.csv`): exactly one file part
 *   (upload-form.ts). `?name=` may be left out: the part's file name is then used, made safe the
 *   way the dashboard makes it (characters other than letters, digits, `.`, `_`, `-` become `_`);
 * - the raw body (`curl --data-binary @sales.csv`, whose default type is urlencoded, or a
 *   `fetch` of a File): `?name=` is required. RAW_TYPES lists the types taken as raw bytes, and
 *   a request with no Content-Type is too.
 * - Any other type is a 415 naming it and the accepted ones: before multipart was parsed, a
 *   form was stored as it came, boundary and all, and jobs on it failed later.
 *
 * - The name is a plain file name (no folder) with a data extension; a taken name gets a suffix
 *   (`sales-2.csv`): the file is created with O_EXCL, so an upload never replaces anything.
 * - More than the upload limit is a 413, told at once from Content-Length when it says so, or
 *   when the count passes the limit; the partial file is removed, as after a client that leaves.
 *   A multipart body may be FORM_OVERHEAD bytes larger than the file it carries.
 * - A `.gz` name whose bytes are not gzip is a 400 before anything is kept.
 * - A disk that fills up (ENOSPC, or a quota: EDQUOT) is a 507 `ERR_NO_SPACE` naming the
 *   upload, and the partial file is removed (which gives its space back).
 * - With a data dir in a bucket (`--data-dir s3://bucket/prefix`) the same rules hold for the
 *   object `prefix/uploads/<name>`: streamed as a multipart upload in bounded memory (parts of
 *   8 MiB, two in flight), made only when the body is complete; any failure aborts it (or deletes
 *   the object, when the form turns out bad after its file part), so no object is left. A bucket
 *   that fails is a 503 ERR_UNAVAILABLE.
 */
import { mkdir, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ChunkmillError } from '../../index.js';
import { safeUploadName } from '../../internal.js';
import { bucketFailure } from '../object-data-dir.js';
import { UPLOADS } from '../retention.js';
import { badRequest, HttpError } from '../http-error.js';
import { DATA_EXTENSIONS, UPLOAD_NAME, uploadQuery } from '../schemas.js';
import type { ServerContext } from '../server-context.js';
import { FORM_OVERHEAD, saveFormFile } from '../upload-form.js';

const GZIP_MAGIC = [0x1f, 0x8b];
const FORM = 'multipart/form-data';
/** The types whose body is the file itself: what curl, fetch(file) and browsers send for data files. */
export const RAW_TYPES = [
  'application/octet-stream',
  'text/csv',
  'text/plain',
  'text/tab-separated-values',
  'application/x-ndjson',
  'application/jsonl',
  'application/gzip',
  'application/x-gzip',
  'application/vnd.ms-excel', // what Windows browsers call a .csv file
  'application/x-www-form-urlencoded', // curl --data-binary's default
];

export function uploadRoutes(app: FastifyInstance, ctx: ServerContext): void {
  // Its own context: only this route takes a raw body (as a stream) or a multipart one.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    // The size is the route's own count (413, the file removed), not the parser's error.
    await scope.register(multipart, { throwFileSizeLimit: false });
    scope.post('/api/uploads', { schema: { querystring: uploadQuery } }, async (request, reply) => {
      const type = mediaType(request.headers['content-type']);
      if (type !== FORM && type !== '' && !RAW_TYPES.includes(type)) throw unsupported(type);
      const { name } = request.query as { name?: string };
      if (name === undefined && type !== FORM) throw badRequest('name', 'is required');
      if (name !== undefined) checkExtension(name, 'name');
      const declared = Number(request.headers['content-length'] ?? Number.NaN);
      if (declared > ctx.uploadLimit + (type === FORM ? FORM_OVERHEAD : 0)) throw tooLarge(ctx.uploadLimit);
      const saved =
        type === FORM
          ? await saveFormFile(
              request,
              ctx.uploadLimit,
              (part) => write(ctx, reply, name ?? fromFilename(part.filename), part.file),
              (file) => file.discard().catch(() => {}),
            ).catch((e: unknown) => {
              // A refusal before the body's end: close rather than read the rest to throw it away.
              if (!request.raw.readableEnded) void reply.header('connection', 'close');
              throw e;
            })
          : await write(ctx, reply, name!, (request.body as Readable | undefined) ?? request.raw);
      return reply.code(201).send({ name: saved.name, bytes: saved.bytes });
    });
  });
}

/** Streams `source` into a new `uploads/<name>` (or a numbered variant); removes it on any failure. */
async function write(ctx: ServerContext, reply: FastifyReply, name: string, source: Readable): Promise<Saved> {
  const target = await create(ctx, name).catch(noSpace(name));
  try {
    const counter = limit(ctx.uploadLimit, name.toLowerCase().endsWith('.gz'));
    // The target's stream owns its file (or upload) from here and closes it when done.
    await pipeline(source, counter, target.stream);
    return { name: target.name, bytes: counter.bytes, discard: target.discard };
  } catch (e) {
    await target.discard().catch(() => {});
    if (e instanceof HttpError && e.status === 413) void reply.header('connection', 'close');
    return noSpace(target.name)(e);
  } finally {
    await target.close();
  }
}

/** "Text/CSV; charset=utf-8" -> "text/csv"; '' when there is none. */
function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

function unsupported(type: string): HttpError {
  return new HttpError(
    415,
    'ERR_UNSUPPORTED_MEDIA_TYPE',
    `content-type: ${type} is not accepted for an upload: send ${FORM} (one file part) or the file's bytes as one of ${RAW_TYPES.join(', ')}`,
    { field: 'content-type' },
  );
}

function checkExtension(name: string, field: string): void {
  if (!DATA_EXTENSIONS.test(name))
    throw badRequest(field, 'a data file name ends in .csv, .tsv, .txt, .ndjson or .jsonl (and maybe .gz)');
}

/** The name of an upload without `?name=`: the file part's own name (its last segment), made safe. */
function fromFilename(filename: string): string {
  const name = safeUploadName(filename);
  if (name === '') throw badRequest('filename', 'the file part has no usable file name: give one with ?name=');
  if (!UPLOAD_NAME.test(name)) throw badRequest('filename', `${name} is too long: give a shorter name with ?name=`);
  checkExtension(name, 'filename');
  return name;
}

interface Target {
  /** As the client names it: `uploads/<name>`. */
  name: string;
  stream: Writable;
  /** Removes what was written (the file; the upload or the object). */
  discard(): Promise<void>;
  /** Releases what the stream did not (a file handle whose stream never started). */
  close(): Promise<void>;
}

interface Saved {
  name: string;
  bytes: number;
  discard(): Promise<void>;
}

/**
 * Creates `uploads/<name>`, or `uploads/<stem>-2<ext>`, ... when taken; never replaces a file. In
 * a bucket: an upload of the first free key (object-data-dir.ts).
 */
async function create(ctx: ServerContext, name: string): Promise<Target> {
  const dir = ctx.dataDir;
  if (dir.kind === 'bucket') {
    const upload = await dir.createUpload(name);
    return { ...upload, close: async () => {} };
  }
  await mkdir(join(dir.root, UPLOADS), { recursive: true });
  const ext = DATA_EXTENSIONS.exec(name)![0];
  const stem = name.slice(0, -ext.length);
  for (let n = 1; n <= 1000; n++) {
    const candidate = `${UPLOADS}/${n === 1 ? stem : `${stem}-${n}`}${ext}`;
    const path = await dir.writable(candidate, 'name');
    try {
      const handle = await open(path, 'wx');
      return {
        name: dir.relative(path),
        stream: handle.createWriteStream(),
        discard: () => unlink(path),
        close: () => handle.close().catch(() => {}), // already closed unless the pipeline never started
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  throw new HttpError(409, 'ERR_UPLOAD_EXISTS', `name: ${name} and 999 numbered variants are taken`, { field: 'name' });
}

/** Passes bytes on up to `max` and counts them (`bytes`); checks the gzip signature first when asked. */
function limit(max: number, gzip: boolean): Transform & { bytes: number } {
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const seen = counter.bytes;
      if (gzip && seen === 0 && chunk.length > 0 && !GZIP_MAGIC.every((b, i) => i >= chunk.length || chunk[i] === b))
        return callback(badRequest('name', 'the name ends in .gz but the body is not gzip data'));
      counter.bytes += chunk.length;
      if (counter.bytes > max) return callback(tooLarge(max));
      callback(null, chunk);
    },
  }) as Transform & { bytes: number };
  counter.bytes = 0;
  return counter;
}

/**
 * A full disk as the client's 507, naming the upload; a key taken in a bucket meanwhile (S3's 412
 * to a conditional write) as the 409 a taken name gets; a bucket that failed as a 503; any other
 * failure as it was.
 */
function noSpace(name: string): (e: unknown) => never {
  return (e) => {
    const code = (e as NodeJS.ErrnoException | null)?.code;
    if (e instanceof ChunkmillError && code === 'ERR_FILE_CHANGED')
      throw new HttpError(409, 'ERR_UPLOAD_EXISTS', `name: ${name} was taken while it was uploaded`, {
        field: 'name',
      });
    if (e instanceof ChunkmillError) throw bucketFailure(e);
    if (code === 'ENOSPC' || code === 'EDQUOT')
      throw new HttpError(507, 'ERR_NO_SPACE', `name: no space left in the data dir for the upload ${name}`, {
        field: 'name',
      });
    throw e;
  };
}

function tooLarge(max: number): HttpError {
  return new HttpError(413, 'ERR_BODY_TOO_LARGE', `The upload is larger than this server's limit of ${max} bytes`);
}
