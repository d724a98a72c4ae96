/**
 * Names the public index (index.ts) no longer offers as its own, kept for one release so that
 * code using them goes on compiling: each says where it went. Removed in the next release.
 */
import type * as exec from './exec/executor.js';

/** @deprecated Renamed ExecutorProvider. */
export type ExecutorSource = exec.ExecutorProvider;
