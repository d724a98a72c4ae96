/**
 * POST /api/uploads?name=sales.csv: the request body (a CSV, TSV or NDJSON file, or one of those
 * gzipped as `.gz`) streamed into the data dir's `uploads/` folder, never held in memory. 201
 * `{ name, bytes }`, where `name` is what a job spec's `input` names it by.
 *
 * - The name is a plain file name (no folder) with a data extension; a taken name gets a suffix
 *   (`sales-2.csv`): the file is created with O_EXCL, so an upload never replaces anything.
 * - More than the upload limit is a 413, told at once from Content-Length when it says so, or
 *   when the count passes the limit; the partial file is removed, as after a client that leaves.
 * - A `.gz` name whose bytes are not gzip is a 400 before anything is kept.
 * - A disk that fills up (ENOSPC, or a quota: EDQUOT) is a 507 `ERR_NO_SPACE` naming the
 *   upload, and the partial file is removed (which gives its space back).
 */
import { mkdir, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import { badRequest, HttpError } from '../http-error.js';
import { DATA_EXTENSIONS, uploadQuery } from '../schemas.js';
import type { ServerContext } from '../server-context.js';

const UPLOADS = 'uploads';
const GZIP_MAGIC = [0x1f, 0x8b];

export function uploadRoutes(app: FastifyInstance, ctx: ServerContext): void {
  // Its own context: only this route takes a raw body, of any type, as a stream.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    scope.post('/api/uploads', { schema: { querystring: uploadQuery } }, async (request, reply) => {
      const { name } = request.query as { name: string };
      if (!DATA_EXTENSIONS.test(name))
        throw badRequest('name', 'a data file name ends in .csv, .tsv, .txt, .ndjson or .jsonl (and maybe .gz)');
      const declared = Number(request.headers['content-length'] ?? Number.NaN);
      if (declared > ctx.uploadLimit) throw tooLarge(ctx.uploadLimit);
      await mkdir(join(ctx.dataDir.root, UPLOADS), { recursive: true }).catch(noSpace(name));
      const { path, handle } = await create(ctx, name).catch(noSpace(name));
      try {
        const body = (request.body as Readable | undefined) ?? request.raw;
        const counter = limit(ctx.uploadLimit, name.toLowerCase().endsWith('.gz'));
        // The write stream owns the handle from here and closes it when done.
        await pipeline(body, counter, handle.createWriteStream());
        return reply.code(201).send({ name: ctx.dataDir.relative(path), bytes: counter.bytes });
      } catch (e) {
        await unlink(path).catch(() => {});
        if (e instanceof HttpError && e.status === 413) void reply.header('connection', 'close');
        return noSpace(ctx.dataDir.relative(path))(e);
      } finally {
        await handle.close().catch(() => {}); // already closed unless the pipeline never started
      }
    });
  });
}

/** Creates `uploads/<name>`, or `uploads/<stem>-2<ext>`, ... when taken; never replaces a file. */
async function create(ctx: ServerContext, name: string) {
  const ext = DATA_EXTENSIONS.exec(name)![0];
  const stem = name.slice(0, -ext.length);
  for (let n = 1; n <= 1000; n++) {
    const candidate = `${UPLOADS}/${n === 1 ? stem : `${stem}-${n}`}${ext}`;
    const path = await ctx.dataDir.writable(candidate, 'name');
    try {
      return { path, handle: await open(path, 'wx') };
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

/** A full disk as the client's 507, naming the upload; any other failure as it was. */
function noSpace(name: string): (e: unknown) => never {
  return (e) => {
    const code = (e as NodeJS.ErrnoException | null)?.code;
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
