/**
 * `convert --to parquet` (or `-o x.parquet`): two passes over the file. The first is `stats`
 * (every core), whose per-column type, least and greatest value decide each Parquet column's
 * type before a byte is written; the second is the select transform's TSV, written a row
 * group at a time by parquet-rows.ts. Types:
 *
 *   integer (stats) -> INT64, when its least and greatest values fit in 64 bits; else VARCHAR
 *   number          -> DOUBLE
 *   string          -> TIMESTAMP (DATE) when its least and greatest values are ISO timestamps
 *                      (dates) and, as the write checks, every value is; else it is written
 *                      again with that column as VARCHAR
 *   string / empty  -> VARCHAR
 *
 * The input is read twice, so it must be a file; the output is written to a file (-o), which a
 * failed or second write replaces whole.
 */
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { type Job, selectTransform, statsTask, type StatsResult, type TransformResult } from '../../index.js';
import type { CommonFlags } from '../flags.js';
import { UsageError } from '../errors.js';
import { execute, type UiOptions } from '../execute.js';
import { type JobBase, taskJob, transformJob } from '../jobs.js';
import { dateDays, type ParquetColumn, ParquetRows, timestampMicros } from '../parquet-rows.js';
import { withOutput } from '../ui/output.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

interface ParquetFlags extends CommonFlags {
  select?: string[];
  types?: boolean;
}

export async function convertToParquet(o: ParquetFlags, base: JobBase, ui: UiOptions): Promise<void> {
  if (o.types) throw new UsageError('--types applies to json and ndjson output (Parquet columns are typed anyway)');
  if (base.input instanceof Readable)
    throw new UsageError('--to parquet reads its input twice (types, then rows): give files, not stdin');
  if (o.output === undefined) throw new UsageError('--to parquet writes a file: give --output, e.g. -o data.parquet');
  const twice = o.select?.find((c, i) => o.select!.indexOf(c) !== i);
  if (twice !== undefined)
    throw new UsageError(`--select names ${JSON.stringify(twice)} twice; a Parquet column name is unique`);
  const stats = await execute(taskJob<StatsResult>(base, statsTask.url, { distinctLimit: 0 }), {
    ...ui,
    quiet: true, // the second pass shows progress, warnings and the summary
  });
  const types = new Map(stats.value.columns.map((c) => [c.column, parquetType(c)]));
  const columns: ParquetColumn[] = (o.select ?? stats.value.columns.map((c) => c.column)).map((name) => ({
    name,
    type: types.get(name) ?? 'string',
  }));
  if (columns.length === 0) throw new UsageError(`${[base.input].flat().join(', ')} has no columns to write`);
  for (;;) {
    let rows: ParquetRows | undefined;
    try {
      await withOutput(o.output, async (stream) => {
        rows = new ParquetRows(columns, stream, o.decimal);
        const params = { to: 'tsv' as const, ...(o.select !== undefined ? { select: o.select } : {}) };
        const job: Job<TransformResult> = transformJob(base, selectTransform, params, rows, 'tsv');
        await execute(job, ui);
        rows.end();
        await finished(rows);
      });
      return;
    } catch (e) {
      const demoted = rows?.demoted;
      if (demoted === null || demoted === undefined) throw e;
      // A value that is not a timestamp in a column whose least and greatest are: text it is.
      columns.find((c) => c.name === demoted)!.type = 'string';
    }
  }
}

function parquetType(c: StatsResult['columns'][number]): ParquetColumn['type'] {
  if (c.type === 'number') return 'double';
  if (c.type === 'integer') {
    const fits = (v: unknown) => typeof v === 'number' || (typeof v === 'bigint' && v >= INT64_MIN && v <= INT64_MAX);
    return fits(c.min) && fits(c.max) ? 'int64' : 'string';
  }
  if (c.type !== 'string' || typeof c.min !== 'string' || typeof c.max !== 'string') return 'string';
  if (timestampMicros(c.min) !== null && timestampMicros(c.max) !== null) return 'timestamp';
  return dateDays(c.min) !== null && dateDays(c.max) !== null ? 'date' : 'string';
}
