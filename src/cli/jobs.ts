/** The jobs the CLI starts: one place that turns command options into processDataset options. */
import type { Readable, Writable } from 'node:stream';
import type { JobOptions } from './flags.js';
import {
  processDataset,
  type AggregateResult,
  type Job,
  type MeasureSpec,
  type TaskResult,
  type TransformResult,
} from '../index.js';

/** A file, glob or URL; several of them as one dataset; or stdin. */
export type Input = string | string[] | Readable;

export interface JobBase extends JobOptions {
  input: Input;
}

export type AggregateOut = AggregateResult;
export type TaskOut<R> = TaskResult<R>;
export type TransformOut = TransformResult;

export type OutputFormat = 'csv' | 'tsv' | 'ndjson' | 'json';

export function aggregateJob(
  base: JobBase,
  groupBy: string[],
  measures: Record<string, MeasureSpec>,
): Job<AggregateOut> {
  return processDataset({ ...base, aggregate: { groupBy, measures } });
}

/** `task` is a file: URL string of a module whose default export is defineTask(...). */
export function taskJob<R>(base: JobBase, task: string, params: unknown): Job<TaskOut<R>> {
  return processDataset<R>({ ...base, task, params });
}

export function transformJob(
  base: JobBase,
  transform: string,
  params: unknown,
  stream: Writable,
  format: OutputFormat,
): Job<TransformOut> {
  return processDataset({ ...base, transform, params, output: { stream, format } });
}
