/**
 * An aggregate's columns checked against its input's header when the job is submitted, so that
 * `groupBy: ["regoin"]` is a 400 with a "did you mean" rather than a 202 and a job that fails
 * later with the same error. The header is read as the job will read it (the spec's format, gzip
 * and CSV dialect, the engine's defaults), and only its first record is read.
 *
 * A file whose header cannot be read here (gone, unreadable, not a regular file, bad CSV) is not
 * refused here: the job is queued as before and its run reports what is wrong, with its code.
 * Over HTTP no other option names input columns (`where` is not on the `http` surface; a
 * transform's `output.columns` names its output's).
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import {
  fileColumns,
  formatOfName,
  groupItemColumns,
  type HttpSpec,
  isObjectUrl,
  openObjectStream,
  unknownColumn,
} from '../internal.js';
import { HttpError } from './http-error.js';

/**
 * Throws a 400 ERR_UNKNOWN_COLUMN naming the first field whose column `real` (the input's real
 * path, or the URL of an object in a bucket data dir) lacks.
 */
export async function checkColumns(spec: HttpSpec, real: string): Promise<void> {
  const wanted = columnFields(spec);
  if (wanted.length === 0) return;
  const columns = await headerOf(spec, real);
  if (columns === null) return;
  for (const [field, given] of wanted) {
    if (columns.includes(given)) continue;
    // A group-by expression (`month(date) as m`): the columns it reads.
    const column = field.startsWith('aggregate.groupBy[')
      ? groupItemColumns(given).find((c) => !columns.includes(c))
      : given;
    if (column === undefined) continue;
    const option = field.replace(/\.column$/, '');
    const e = unknownColumn(column, option, columns, spec.input);
    throw new HttpError(400, e.code, `spec.${field}: ${e.message}`, { ...e.toData(), field: `spec.${field}` });
  }
}

/** [field as the client wrote it (less `spec.`), column] for every input column the spec names. */
function columnFields(spec: HttpSpec): [string, string][] {
  const { aggregate } = spec;
  if (aggregate === undefined) return [];
  const fields: [string, string][] = (aggregate.groupBy ?? []).map((c, i) => [`aggregate.groupBy[${i}]`, c]);
  for (const [name, measure] of Object.entries(aggregate.measures ?? {}))
    if (measure.column !== undefined) fields.push([`aggregate.measures.${name}.column`, measure.column]);
  return fields;
}

/** The input's columns, or null when they cannot be read now (the run will say why). */
async function headerOf(spec: HttpSpec, real: string): Promise<string[] | null> {
  // An object: one GET of its start, stopped once the first record is in.
  if (isObjectUrl(real)) {
    const stream = await openObjectStream(real).catch(() => null);
    return stream === null ? null : columnsOf(spec, real, { stream }).catch(() => null);
  }
  // O_NONBLOCK: a file swapped for a FIFO since it was resolved must not hang the open (files.ts).
  const handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW).catch(() => null);
  if (handle === null) return null;
  try {
    if (!(await handle.stat()).isFile()) return null;
    return await columnsOf(spec, real, { handle });
  } catch {
    return null;
  } finally {
    await handle.close().catch(() => {});
  }
}

/** The header as the job will read it: the format and gzip from the name unless given (the engine's rule), the spec's dialect. */
function columnsOf(
  spec: HttpSpec,
  real: string,
  from: Pick<Parameters<typeof fileColumns>[1], 'handle' | 'stream'>,
): Promise<string[]> {
  const named = formatOfName(real);
  const gzip = spec.gzip ?? named.gzip;
  const format = spec.format ?? named.format;
  const { delimiter, quote, header } = spec.csv ?? {};
  return fileColumns(real, {
    format,
    gzip,
    ...from,
    ...(delimiter !== undefined ? { delimiter } : {}),
    ...(quote !== undefined ? { quote } : {}),
    ...(header !== undefined ? { header } : {}),
  });
}
