/**
 * The invariant every parallel test sweeps (docs/architecture.md, Exact chunking): for any chunk
 * size, 1 byte to the whole file, and any worker count, processDataset gives the result of the
 * serial in-process parse. Real worker threads on real files; no mocks.
 */
import { statSync } from 'node:fs';
import { expect } from 'vitest';
import {
  processDataset,
  processSerial,
  type AggregateResult,
  type ChunkmillError,
  type ProcessOptions,
} from 'chunkmill';
import { rejectionOf, where } from './errors.ts';
import { processOnWarmPool } from './warm-pools.ts';

/** Tiny chunks (1, 2, 3, 7 bytes) put boundaries inside every token; 64 and 4096 are ordinary. */
export const CHUNK_SIZES = [1, 2, 3, 7, 64, 4096] as const;
export const WORKER_COUNTS = [1, 2, 3] as const;

/** A lighter sweep for behaviour tests on small files (the fixture matrix runs the full one). */
export const QUICK_MATRIX: MatrixOptions = { chunkSizes: [1, 2, 7, 64, 4096], workers: [1, 3] };

export interface MatrixOptions {
  /** Defaults to CHUNK_SIZES plus the whole file as one chunk. */
  chunkSizes?: readonly number[];
  workers?: readonly number[];
}

/** CHUNK_SIZES plus one chunk for the whole file (size 0 still needs chunkSize >= 1). */
export function chunkSizesFor(path: string): number[] {
  return [...new Set([...CHUNK_SIZES, Math.max(1, statSync(path).size)])];
}

function inputPath(options: ProcessOptions): string {
  return options.input instanceof URL ? options.input.pathname : (options.input as string);
}

/** The most data bytes the input can hold: its size, unknown (Infinity) when it is decompressed. */
function dataBound(options: ProcessOptions): number {
  const path = inputPath(options);
  return options.gzip === true || (options.gzip === undefined && path.endsWith('.gz')) ? Infinity : statSync(path).size;
}

/**
 * The chunk size x worker count pairs of a sweep that run differently, in sweep order. A job
 * cuts its data into ceil(data bytes / chunkSize) chunks and starts min(workers, chunks) threads
 * (src/schedule/file-scheduler.ts), and its data is at most `dataBytes` (a plain file's size):
 * every chunk size from there up gives the same single chunk, and worker counts from the most
 * chunks there can be up the same threads. Such a pair repeats an earlier run exactly (the same
 * chunks on the same threads), so it is left out: on the small files the sweeps use, about a
 * third of the runs, each of which starts a pool.
 */
export function distinctRuns(
  dataBytes: number,
  chunkSizes: readonly number[],
  workerCounts: readonly number[],
): { chunkSize: number; workers: number }[] {
  const seen = new Set<string>();
  const runs: { chunkSize: number; workers: number }[] = [];
  for (const chunkSize of chunkSizes) {
    const most = Math.max(1, Math.ceil(dataBytes / chunkSize)); // chunks there can be, at most
    for (const workers of workerCounts) {
      const key = `${Math.min(chunkSize, Math.max(1, dataBytes))} ${Math.min(workers, most)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      runs.push({ chunkSize, workers });
    }
  }
  return runs;
}

/**
 * How a sweep runs each pair: on the file's warm pools (warm-pools.ts: the same job without a
 * pool's start and end per run), but for one run through processDataset itself, with its own
 * pool started and destroyed: the first run with the most workers (at the sweep's first chunk size,
 * its smallest in every sweep here: the most chunks in flight when a pool is destroyed, after an
 * error too).
 */
function runOf(runs: readonly { chunkSize: number; workers: number }[]) {
  const most = Math.max(...runs.map((r) => r.workers));
  const own = runs.find((r) => r.workers === most);
  return (run: { chunkSize: number; workers: number }, options: ProcessOptions) =>
    run === own ? processDataset(options) : processOnWarmPool(options);
}

/**
 * Runs the serial path once, then processDataset for every chunk size x worker count, and asserts
 * each parallel run has the serial rows (deep, strict: group order, null vs 0, key text) and the
 * serial row accounting. Returns the serial result for further checks.
 */
export async function runMatrix(options: ProcessOptions, matrix: MatrixOptions = {}): Promise<AggregateResult> {
  const serial = await processSerial(options);
  const path = inputPath(options);
  const chunkSizes = matrix.chunkSizes ?? chunkSizesFor(path);
  const runs = distinctRuns(dataBound(options), chunkSizes, matrix.workers ?? WORKER_COUNTS);
  const start = runOf(runs);
  for (const run of runs) {
    const { chunkSize, workers } = run;
    const label = `chunkSize ${chunkSize}, workers ${workers}`;
    const parallel = await start(run, { ...options, chunkSize, workers }).result;
    expect(parallel.rows, label).toStrictEqual(serial.rows);
    expect(parallel.stats.rows, label).toBe(serial.stats.rows);
    expect(parallel.stats.rowsUsed, label).toBe(serial.stats.rowsUsed);
    expect(parallel.stats.rowsRejected, label).toBe(serial.stats.rowsRejected);
    expect(parallel.stats.valuesSkipped, label).toBe(serial.stats.valuesSkipped);
    expect(parallel.stats.rowsFiltered, label).toBe(serial.stats.rowsFiltered);
  }
  return serial;
}

/** Errors: fewer configurations (each failing run also tears a pool down), still from 1 byte to all. */
export const ERROR_CHUNK_SIZES = [1, 3, 7, 64] as const;
export const ERROR_WORKER_COUNTS = [1, 3] as const;

export interface ExpectedError {
  code: string;
  line?: number;
  column?: string;
  byteOffset?: number;
}

/**
 * Asserts the serial path and processDataset at chunk sizes {1, 3, 7, 64, whole file} x workers
 * {1, 3} (or the given matrix) reject with the same located error: code, line, column and byte
 * offset all equal `expected` (fields left out of `expected` must be absent from the error), and
 * `file` names the input. Returns the serial error.
 */
export async function expectErrorEverywhere(
  options: ProcessOptions,
  expected: ExpectedError,
  matrix: MatrixOptions = {},
): Promise<ChunkmillError> {
  const want = { code: expected.code, line: expected.line, column: expected.column, byteOffset: expected.byteOffset };
  const serial = await rejectionOf(processSerial(options));
  expect(where(serial), 'serial').toStrictEqual(want);
  expect(serial.file, 'serial: file').toBe(inputPath(options));
  const whole = Math.max(1, statSync(inputPath(options)).size);
  const chunkSizes = matrix.chunkSizes ?? [...new Set([...ERROR_CHUNK_SIZES, whole])];
  const runs = distinctRuns(dataBound(options), chunkSizes, matrix.workers ?? ERROR_WORKER_COUNTS);
  const start = runOf(runs);
  for (const run of runs) {
    const { chunkSize, workers } = run;
    const error = await rejectionOf(start(run, { ...options, chunkSize, workers }).result);
    expect(where(error), `chunkSize ${chunkSize}, workers ${workers}`).toStrictEqual(want);
    expect(error.file, `chunkSize ${chunkSize}, workers ${workers}: file`).toBe(inputPath(options));
  }
  return serial;
}
