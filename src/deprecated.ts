/**
 * Names the public index (index.ts) no longer offers as its own, kept for one release so that
 * code using them goes on compiling: each says where it went. Removed in the next release.
 */
import type * as exec from './exec/executor.js';
import * as builtin from './kinds/builtin/index.js';
import * as unknownColumn from './kinds/unknown-column.js';
import * as queue from './queue/queue.js';

/** @deprecated Import it from 'chunkmill/experimental': the Executor seam is experimental. */
export type Executor = exec.Executor;
/** @deprecated Renamed ExecutorProvider; import it from 'chunkmill/experimental'. */
export type ExecutorSource = exec.ExecutorProvider;
/** @deprecated Import it from 'chunkmill/experimental': the Executor seam is experimental. */
export type ChunkPolicy = exec.ChunkPolicy;

/**
 * @deprecated A helper of the CLI's, not part of the API.
 * @internal
 */
export const suggestColumn = unknownColumn.suggestColumn;
/**
 * @deprecated A helper of the CLI's, not part of the API.
 * @internal
 */
export const typedValue = builtin.typedValue;
/**
 * @deprecated The CLI's default for statsTask's `distinctLimit`, which documents it (10000).
 * @internal
 */
export const DEFAULT_DISTINCT_LIMIT = builtin.DEFAULT_DISTINCT_LIMIT;
/**
 * @deprecated How many rows a page of Queue.rows holds (10000): the store's business.
 * @internal
 */
export const ROWS_PER_PAGE = queue.ROWS_PER_PAGE;
