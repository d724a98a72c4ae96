/**
 * The Piscina task, run in worker threads: open the file, check it is the file that was planned,
 * and run phase A (summarize) or phase B (parse + aggregate) over one chunk's byte range.
 * Returns small plain objects; data errors come back as data (Piscina would drop their fields).
 */
import { fstatSync } from 'node:fs';
import { ChunkmillError, type ErrorData } from './errors.js';
import { fileError } from './csv/dialect.js';
import type { ChunkSummary } from './csv/boundary.js';
import type { Dialect } from './csv/scanner.js';
import { parseRange, summarizeRange, withFile } from './read-range.js';
import { AggregateSink, type AggregatePartial, type AggregatePlan } from './tasks/aggregate.js';

/** The identity of the input as planned; a worker refuses a file that no longer matches. */
export interface InputIdentity {
  path: string;
  size: number;
  mtimeMs: number;
}

export interface SummarizeTask {
  op: 'summarize';
  input: InputIdentity;
  start: number;
  end: number;
  quote: number;
}

export interface ParseTask {
  op: 'parse';
  input: InputIdentity;
  /** An exact record start. */
  start: number;
  end: number;
  dialect: Dialect;
  plan: AggregatePlan;
  maxRecordSize: number;
}

export interface ParseOutcome {
  next: number;
  rows: number;
  lines: number;
  partial: AggregatePartial;
  error?: ErrorData;
}

export type WorkerTask = SummarizeTask | ParseTask;
export type WorkerReply = { summary: ChunkSummary } | { parsed: ParseOutcome } | { error: ErrorData };

export default function runTask(task: WorkerTask): WorkerReply {
  try {
    return withFile(task.input.path, (fd) => {
      checkIdentity(fd, task.input);
      if (task.op === 'summarize') return { summary: summarizeRange(fd, task.start, task.end, task.quote) };
      const sink = new AggregateSink(task.plan);
      const outcome = parseRange(fd, task.input.size, task.start, task.end, task.dialect, sink, task.maxRecordSize);
      return { parsed: { ...outcome, partial: sink.partial() } };
    });
  } catch (e) {
    if (e instanceof ChunkmillError) return { error: e.toData() };
    if ((e as NodeJS.ErrnoException).code !== undefined && (e as NodeJS.ErrnoException).syscall !== undefined) {
      return { error: fileError(e, task.input.path).toData() };
    }
    throw e; // a bug: let Piscina carry the stack
  }
}

function checkIdentity(fd: number, input: InputIdentity): void {
  const now = fstatSync(fd);
  if (now.size !== input.size || now.mtimeMs !== input.mtimeMs) {
    throw new ChunkmillError({
      code: 'ERR_FILE_CHANGED',
      file: input.path,
      message: `${input.path} changed while it was being processed (${now.size !== input.size ? `size ${input.size} -> ${now.size}` : 'modified time changed'})`,
      hint: 'process a copy or a finished file',
    });
  }
}
