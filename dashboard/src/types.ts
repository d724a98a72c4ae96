/** The API's shapes, as much of them as the page reads (docs/server.md has them whole). */

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const STATES: JobState[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

export interface Progress {
  bytesDone: number;
  bytesTotal: number | null;
  rowsDone: number;
  chunksDone: number;
  chunksTotal: number | null;
  elapsedMs: number;
  bytesPerSec: number;
  etaMs: number | null;
}

export interface ErrorData {
  code: string;
  message: string;
  file?: string;
  line?: number;
  column?: string;
  columnIndex?: number;
  byteOffset?: number;
  option?: string;
  hint?: string;
  field?: string;
}

export interface Measure {
  kind: string;
  column?: string;
}

export interface JobSpec {
  input: string;
  aggregate?: { groupBy?: string[]; measures: Record<string, Measure> };
  task?: string;
  transform?: string;
  output?: { path: string };
  [option: string]: unknown;
}

export interface JobRecord {
  id: string;
  name: string | null;
  state: JobState;
  spec: JobSpec;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  attempts: number;
  progress: Progress | null;
  result: {
    kind: 'aggregate' | 'task' | 'transform';
    rowCount?: number;
    stats?: { rows: number; bytes: number; elapsedMs: number };
  } | null;
  error: ErrorData | null;
  cancelRequested: boolean;
}

export interface JobList {
  jobs: JobRecord[];
  next: string | null;
  counts: Record<JobState, number>;
  lastEventId: number;
}

export interface DataFile {
  name: string;
  bytes: number;
  format: 'csv' | 'ndjson';
  gzip: boolean;
  columns: string[] | null;
  error?: { code: string; message: string };
}

/** One event of a stream: its store id, type, and payload. */
export interface FeedEvent {
  id: number | null;
  type: string;
  jobId: string;
  at: number;
  data: unknown;
}

export function isFinal(state: JobState): boolean {
  return state === 'succeeded' || state === 'failed' || state === 'cancelled';
}
