/**
 * The API's shapes: the server's own wire types (src/api/wire.ts, loaded as ./wire.js), and the
 * few the page makes for itself.
 */
export type {
  DataFile,
  ApiErrorData as ErrorData,
  HttpSpec as JobSpec,
  JobState,
  Progress,
  StateChange,
} from './wire.js';
export { isFinal, JOB_STATES as STATES } from './wire.js';
import type { HttpSpec, JobRecord as StoredJob, JobList as WireJobList } from './wire.js';

/** A job as the API sends it: the spec as the client gave it. */
export type JobRecord = StoredJob<HttpSpec>;
export type JobList = WireJobList;

/** A measure of an aggregate spec. */
export type Measure = NonNullable<HttpSpec['aggregate']>['measures'][string];

/** One event of a stream: its store id, type, and payload. */
export interface FeedEvent {
  id: number | null;
  type: string;
  jobId: string;
  at: number;
  data: unknown;
}
