/**
 * GET /api/jobs/:id/result?format=json|csv|ndjson: a succeeded job's result, streamed.
 *
 * - aggregate: its rows, read a stored page (10,000 rows) at a time, so a million groups are
 *   never held whole; csv and ndjson are the rows alone, json is `{ rows, stats }`.
 * - task: `{ value, stats }`; csv and ndjson only when the value is a list of rows.
 * - transform: `{ rowsIn, rowsOut, bytesWritten, output, stats }`; csv or ndjson sends the output
 *   file itself when it was written in that format (an object, in a data dir in a bucket: streamed
 *   from the bucket with one GET).
 * A job that has not succeeded is a 409 that says what it is doing (its error is in its record).
 *
 * `&limit=&offset=` (aggregate and task rows, every format) sends one page: at most `limit` rows
 * (1 to RESULT_PAGE_MAX; RESULT_PAGE_MAX when only `offset` is given) after the first `offset`,
 * with the whole count in `X-Total-Count` (and json's `total`); csv repeats its header on each
 * page. An aggregate's page is read from the stored pages it falls in (their size is fixed:
 * ROWS_PER_PAGE), never the pages before it: the dashboard shows a result page by page without
 * reading all of it. Without either, the whole result, as before.
 *
 * `&spreadsheetSafe=true` (with format=csv, aggregate and task rows) makes the CSV safe to open in
 * a spreadsheet (OWASP's CSV injection advice): a text cell, header included, that starts with
 * = + - @ a tab or a carriage return gets a ' in front, so it is shown as text and never run as a
 * formula; numbers (-5, and text that is exactly a number) are left as they are. Without it the
 * bytes are the result's own, as the CLI writes them.
 */
import { createReadStream } from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { format as csvFormat } from '@fast-csv/format';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { JobRecord, ResultSummary } from '../../index.js';
import { groupOutputName, openObjectStream, ROWS_PER_PAGE } from '../../internal.js';
import { badRequest, HttpError, jobNotFound } from '../http-error.js';
import { bucketFailure } from '../object-data-dir.js';
import { idParams, RESULT_PAGE_MAX, resultQuery } from '../schemas.js';
import type { ServerContext } from '../server-context.js';

type Format = 'json' | 'csv' | 'ndjson';
type Row = Record<string, unknown>;
/** A page of rows a client asked for; null: the whole result. */
type Page = { offset: number; limit: number; field: 'limit' | 'offset' } | null;

const CONTENT_TYPES: Record<Format, string> = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
};

export function resultRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    '/api/jobs/:id/result',
    { schema: { params: idParams, querystring: resultQuery } },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const query = request.query as { format?: Format; spreadsheetSafe?: boolean; limit?: number; offset?: number };
      const format = query.format ?? 'json';
      const page: Page =
        query.limit === undefined && query.offset === undefined
          ? null
          : {
              offset: query.offset ?? 0,
              limit: query.limit ?? RESULT_PAGE_MAX,
              field: query.limit === undefined ? 'offset' : 'limit',
            };
      const safe = query.spreadsheetSafe === true;
      if (safe && format !== 'csv') throw badRequest('spreadsheetSafe', 'applies to format=csv');
      const job = await ctx.queue.get(id);
      if (job === null) throw jobNotFound(id);
      if (job.state !== 'succeeded' || job.result === null) throw notDone(job);
      if (safe && job.result.kind === 'transform')
        throw badRequest(
          'spreadsheetSafe',
          "applies to aggregate and task rows; a transform's output is sent as written",
        );
      if (page !== null && job.result.kind === 'transform')
        throw badRequest(page.field, "applies to aggregate and task rows; a transform's output is sent as written");
      void reply.type(CONTENT_TYPES[format]);
      if (format !== 'json') void reply.header('content-disposition', `attachment; filename="job-${job.id}.${format}"`);
      const result = job.result;
      if (result.kind === 'aggregate') {
        if (page !== null) void reply.header('x-total-count', String(result.rowCount));
        return reply.send(aggregateBody(ctx, job, format, safe, page));
      }
      if (result.kind === 'task') return sendTask(ctx, reply, result, format, safe, page);
      return sendTransform(ctx, reply, job, result, format);
    },
  );
}

function notDone(job: JobRecord): HttpError {
  const doing: Record<string, string> = {
    queued: 'is queued',
    running: 'is running',
    failed: 'failed (its error is in its record)',
    cancelled: 'was cancelled',
  };
  return new HttpError(409, 'ERR_JOB_NOT_DONE', `Job ${job.id} ${doing[job.state] ?? job.state}: it has no result`);
}

/** The group columns, then the measures, in the spec's order (row objects may reorder '1', '2'). */
function columnsOf(job: JobRecord): string[] {
  const aggregate = job.spec.aggregate as { groupBy?: string[]; measures: Record<string, unknown> };
  return [...(aggregate.groupBy ?? []).map(groupOutputName), ...Object.keys(aggregate.measures)];
}

/** The rows of `page`, read from the stored pages it falls in, and no further than its end. */
async function* pageRows(ctx: ServerContext, id: string, page: Page, total: number): AsyncGenerator<Row[]> {
  if (page === null) return yield* ctx.queue.rows(id) as AsyncGenerator<Row[]>;
  if (page.offset >= total) return; // past the end: no store read (a huge offset is no page number)
  let skip = page.offset % ROWS_PER_PAGE;
  let left = page.limit;
  for await (const stored of ctx.queue.rows(id, Math.floor(page.offset / ROWS_PER_PAGE))) {
    const rows = stored.slice(skip, skip + left) as Row[];
    skip = 0;
    left -= rows.length;
    yield rows;
    if (left <= 0) return; // ends the store's reads too
  }
}

function aggregateBody(ctx: ServerContext, job: JobRecord, format: Format, safe: boolean, wanted: Page): Readable {
  const pages = pageRows(ctx, job.id, wanted, (job.result as { rowCount: number }).rowCount);
  if (format === 'csv') return csvStream(columnsOf(job), pages, safe);
  const json = (v: unknown) => ctx.presenter.json(v);
  if (format === 'ndjson')
    return Readable.from(
      (async function* () {
        for await (const page of pages) yield page.map((r) => `${json(r)}\n`).join('');
      })(),
    );
  const { stats, rowCount } = job.result as { stats: unknown; rowCount: number };
  const paging = wanted === null ? '' : `"total":${rowCount},"offset":${wanted.offset},"limit":${wanted.limit},`;
  return Readable.from(
    (async function* () {
      let first = true;
      yield '{"rows":[';
      for await (const page of pages) {
        if (page.length === 0) continue;
        yield (first ? '\n' : ',\n') + page.map(json).join(',\n');
        first = false;
      }
      yield `\n],${paging}"stats":${json(stats)}}\n`;
    })(),
  );
}

function csvStream(columns: string[], pages: AsyncIterable<Row[]> | Iterable<Row[]>, safe: boolean): Readable {
  const csv = csvFormat<string[], string[]>({
    headers: safe ? columns.map(neutralised) : columns,
    alwaysWriteHeaders: true,
    includeEndRowDelimiter: true,
  });
  const cells = Readable.from(
    (async function* () {
      for await (const page of pages)
        for (const row of page)
          yield columns.map((c) => (safe && typeof row[c] !== 'number' ? neutralised(cell(row[c])) : cell(row[c])));
    })(),
  );
  // pipeline: a client that goes away destroys csv, and with it the rows' generator and the
  // store reads it holds (a pipe alone left them waiting for a drain that never came).
  return pipeline(cells, csv, () => {});
}

/** Starts a formula in Excel, LibreOffice or Google Sheets (OWASP: = + - @ tab CR). */
const FORMULA_START = /^[=+\-@\t\r]/;
/** A plain number: shown as one, never run. */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A text cell as a spreadsheet will show it and never run it: a ' in front of a formula's start. */
function neutralised(text: string): string {
  return FORMULA_START.test(text) && !NUMBER.test(text) ? `'${text}` : text;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function sendTask(
  ctx: ServerContext,
  reply: FastifyReply,
  result: Extract<ResultSummary, { kind: 'task' }>,
  format: Format,
  safe: boolean,
  page: Page,
): FastifyReply {
  const all = result.value;
  const isRows = Array.isArray(all) && all.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r));
  if (page !== null && !Array.isArray(all)) throw badRequest(page.field, "this task's value is not a list to page");
  const rows = page === null || !Array.isArray(all) ? all : all.slice(page.offset, page.offset + page.limit);
  if (page !== null) void reply.header('x-total-count', String((all as unknown[]).length));
  if (format === 'json') {
    const paging = page === null ? {} : { total: (all as unknown[]).length, offset: page.offset, limit: page.limit };
    return reply.send(ctx.presenter.json({ value: rows, ...paging, stats: result.stats }) + '\n');
  }
  if (!isRows || !Array.isArray(rows))
    throw badRequest('format', "this task's value is not a list of rows; ask for format=json");
  if (format === 'ndjson') return reply.send(rows.map((r) => ctx.presenter.json(r) + '\n').join(''));
  const columns = [...new Set(rows.flatMap((r: Row) => Object.keys(r)))];
  return reply.send(csvStream(columns, [rows as Row[]], safe));
}

async function sendTransform(
  ctx: ServerContext,
  reply: FastifyReply,
  job: JobRecord,
  result: Extract<ResultSummary, { kind: 'transform' }>,
  format: Format,
): Promise<FastifyReply> {
  const { rowsIn, rowsOut, bytesWritten, output, stats } = result;
  if (format === 'json') return reply.send(ctx.presenter.json({ rowsIn, rowsOut, bytesWritten, output, stats }) + '\n');
  const written =
    (job.spec.output as { format?: string }).format ??
    (/\.(ndjson|jsonl)$/i.test(output) ? 'ndjson' : /\.json$/i.test(output) ? 'json' : 'csv');
  if (written !== format) throw badRequest('format', `the output was written as ${written}`);
  // Confined again: the file is read now, and the data dir may have changed since the job ran.
  // An object's key is checked the same way (object-data-dir.ts), then streamed from the bucket.
  const path = await ctx.dataDir.existing(ctx.dataDir.relative(output), 'output');
  if (ctx.dataDir.kind === 'folder') return reply.send(createReadStream(path));
  const body = await openObjectStream(path).catch((e: unknown) => {
    throw bucketFailure(e);
  });
  return reply.send(body);
}
