/**
 * chunkmill: process large CSV files on every core.
 *
 *   const job = processDataset({ input: 'sales.csv', aggregate: { groupBy: ['region'], measures: { n: count() } } });
 *   job.on('progress', (p) => ...);
 *   const { rows, stats } = await job.result;
 *
 * The public surface, re-exported; nothing is defined here.
 */
export { processDataset } from './job/process-dataset.js';
export { processSerial } from './job/process-serial.js';
export { closeIdlePools } from './exec/job-pools.js';
export { Job } from './job/job.js';
export { count, sum, min, max, mean, stddev, variance } from './api/measures.js';
export type { AggregateSpec, AggregateRow, MeasureSpec, CountSpec, ColumnMeasureSpec } from './api/measures.js';
export { DEFAULTS } from './api/options.js';
export type {
  ProcessOptions,
  TaskOptions,
  TransformOptions,
  OutputOptions,
  CommonOptions,
  InputSource,
  CsvOptions,
  BadRowPolicy,
  BadNumberPolicy,
} from './api/options.js';
export type { AggregateResult, TaskResult, TransformResult } from './api/results.js';
export type {
  JobEvents,
  JobPlan,
  JobStats,
  JobWarning,
  Progress,
  ChunkEvent,
  TaskLog,
  TaskProgress,
} from './api/events.js';
export { defineTask, defineTransform, taskModule } from './api/tasks.js';
export type {
  Row,
  TaskContext,
  TaskDefinition,
  TransformDefinition,
  OutputRow,
  TaskModuleRef,
  TaskResultOf,
} from './api/tasks.js';
export { statsTask, selectTransform, groupMeasuresTask } from './kinds/builtin/index.js';
export type {
  StatsParams,
  StatsResult,
  ColumnStats,
  ColumnType,
  SelectParams,
  GroupMeasure,
  GroupMeasureKind,
  GroupMeasuresParams,
  GroupRow,
} from './kinds/builtin/index.js';
export { openQueue, Queue } from './queue/queue.js';
export type { AddOptions, RepeatAddOptions, ListOptions, QueueOptions, StoredResult } from './queue/queue.js';
export type { JobSpec, StoredOutput } from './queue/job-spec.js';
export type { StoredSpec, HttpSpec } from './api/job-model/index.js';
export type { RepeatOptions } from './queue/repeat.js';
export type { WatchOptions } from './queue/watch.js';
export { createEngine, Engine } from './engine/engine.js';
export type { EngineOptions, EngineEvents } from './engine/engine-options.js';
export type { WebhookRetry, WebhookTarget } from './engine/webhooks.js';
export type { JobOutcome, WebhookPayload } from './engine/webhook-payload.js';
export type { Confinement } from './api/confinement.js';
export { SqliteStore } from './store/sqlite-store.js';
export { PostgresStore, type PostgresStoreOptions } from './store/postgres-store.js';
export type { JobStore, JobWrite } from './store/job-store.js';
export type {
  JobRecord,
  JobState,
  JobEventRecord,
  JobEventData,
  StateChange,
  ResultSummary,
  RepeatRuleRecord,
  JobPage,
  CancelOutcome,
  Claim,
  NewJob,
  NewRepeatRule,
  Outcome,
  ListQuery,
  Backoff,
  BulkAction,
  BulkOutcome,
  JobMeta,
  // Deprecated aliases of RepeatRuleRecord and NewRepeatRule, for one release.
  ScheduleRecord,
  NewSchedule,
} from './store/records.js';
export type { Journal } from './api/journal.js';
export { startWorker } from './cluster/start-worker.js';
export type {
  ClusterWorker,
  ClusterWorkerOptions,
  ClusterWorkerEvents,
  WorkerChunkEvent,
  WorkerItemEvent,
} from './cluster/cluster-worker.js';
export type { ClusterOptions } from './api/cluster-options.js';
export { ChunkmillError, AbortError } from './errors.js';
export type { CancelledAt, ErrorCode, ErrorData, ErrorLocation } from './errors.js';
// Kept for one release (each is marked @deprecated where it is defined): the Executor seam moved
// to chunkmill/experimental, and the CLI's helpers to its internal entry (src/internal.ts).
export type { Executor, ExecutorSource, ChunkPolicy } from './deprecated.js';
export { suggestColumn, typedValue, DEFAULT_DISTINCT_LIMIT, ROWS_PER_PAGE } from './deprecated.js';
export { TRANSIENT_CODES } from './api/wire.js';
