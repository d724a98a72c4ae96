/**
 * The built-in modules behind `chunkmill stats` and `chunkmill convert`, for use from code too:
 *   processDataset({ input, task: statsTask, params: { distinctLimit: 1000 } })
 * Only their locations and types live here: each worker imports the module itself.
 */
import { taskModule } from '../../api/tasks.js';

/** Per-column profile: type, count, empty, min, max, mean, distinct (see stats.ts). */
export const statsTask = taskModule<typeof import('./stats.js')>(new URL('./stats.js', import.meta.url));

/** count, sum, mean, min, max and the exact distinct counts and quantiles per group (see group-measures.ts). */
export const groupMeasuresTask = taskModule<typeof import('./group-measures.js')>(
  new URL('./group-measures.js', import.meta.url),
);

/** Rows as they are, or only some columns, for CSV / JSON / NDJSON output (see select.ts). */
export const selectTransform: string = new URL('./select.js', import.meta.url).href;

export { DEFAULT_DISTINCT_LIMIT, type StatsParams } from './stats-params.js';
export { typedValue } from './typed-value.js';
export type { StatsResult, ColumnStats, ColumnType } from './stats.js';
export type { SelectParams } from './select.js';
export type { GroupMeasure, GroupMeasureKind, GroupMeasuresParams, GroupRow } from './group-measures.js';
