/**
 * The engine configurations: processDataset on a worker pool of a given size, and processSerial
 * (the same scanner and aggregate in-process, on the calling thread: the 1-core baseline). The
 * mode picks the input path: the file by byte ranges (the default), the same bytes as a read
 * stream (cut into chunks by the coordinator), or a transform writing NDJSON in
 * input order (the reorder window holds output blocks).
 *
 * The engine is imported as a package ('chunkmill' resolves to the built dist/), exactly as a
 * user would: `npm run build` first. Its worker threads run compiled JS.
 */
import { createReadStream, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeIdlePools, processDataset, processSerial, type AggregateResult, type TransformResult } from 'chunkmill';
import type { Dataset } from './data.ts';
import { engineAnswer, queryFor, type Answer } from './queries.ts';

export interface EngineOutcome {
  /** The result rows, serialised: engine configurations must agree byte for byte. */
  exact: string;
  /** The sales answer, for comparing with peers (null for other datasets). */
  answer: Answer | null;
  rows: number;
  /** Worker threads the job used (stats.workers): the engine uses no more than there are chunks. */
  workersUsed: number;
  /** `progress` events the job emitted (the main thread's view of the work). */
  progressEvents: number;
}

/** file: the built-in aggregate on the path; stream: the same on fs.createReadStream; transform: select.mjs to NDJSON. */
export type EngineMode = 'file' | 'stream' | 'transform';

export interface EngineSettings {
  /** Worker threads; 0 means processSerial. */
  workers: number;
  chunkSize?: number;
  /** Default 'file'. */
  mode?: EngineMode;
  /**
   * End the idle pool the previous run left before each run (closeIdlePools, timed with the run),
   * so every run starts fresh threads: a process's first job. Default false: a run takes the pool
   * the run before it left idle, as a process running jobs one after another does.
   */
  coldPool?: boolean;
}

export async function runEngine(data: Dataset, settings: EngineSettings): Promise<EngineOutcome> {
  if (settings.mode === 'transform') return runTransform(data, settings);
  const options = {
    input: settings.mode === 'stream' ? createReadStream(data.path) : data.path,
    aggregate: queryFor(data.kind),
    ...(settings.chunkSize !== undefined ? { chunkSize: settings.chunkSize } : {}),
  };
  let result: AggregateResult;
  let progressEvents = 0;
  if (settings.workers === 0) {
    result = await processSerial(options);
  } else {
    if (settings.coldPool === true) await closeIdlePools();
    const job = processDataset({ ...options, workers: settings.workers });
    job.on('progress', () => progressEvents++);
    result = await job.result;
    if (result.stats.sequentialFallback)
      throw new Error(
        `${data.path}: the engine fell back to a sequential parse (quote mismatch); the bench data should never do that`,
      );
  }
  return {
    exact: JSON.stringify(result.rows),
    answer: data.kind === 'sales' ? engineAnswer(result.rows, result.stats.rows) : null,
    rows: result.stats.rows,
    workersUsed: settings.workers === 0 ? 0 : result.stats.workers,
    progressEvents,
  };
}

const SELECT = new URL('../fixtures/tasks/select.mjs', import.meta.url);

/**
 * select.mjs without params (every column of every row) written as NDJSON next to the data, then
 * deleted: rowsOut must equal rowsIn and the file must hold bytesWritten bytes.
 */
async function runTransform(data: Dataset, settings: EngineSettings): Promise<EngineOutcome> {
  const path = `${data.path}.out-${process.pid}.ndjson`;
  const options = {
    input: data.path,
    transform: SELECT,
    output: { path, format: 'ndjson' as const },
    ...(settings.chunkSize !== undefined ? { chunkSize: settings.chunkSize } : {}),
  };
  let result: TransformResult;
  let progressEvents = 0;
  try {
    if (settings.workers === 0) result = await processSerial(options);
    else {
      if (settings.coldPool === true) await closeIdlePools();
      const job = processDataset({ ...options, workers: settings.workers });
      job.on('progress', () => progressEvents++);
      result = await job.result;
    }
    if (result.rowsOut !== result.rowsIn)
      throw new Error(`${data.path}: the transform wrote ${result.rowsOut} rows for ${result.rowsIn} read`);
    const size = statSync(path).size;
    if (size !== result.bytesWritten)
      throw new Error(`${path}: ${size} bytes on disk, bytesWritten says ${result.bytesWritten}`);
  } finally {
    rmSync(path, { force: true });
  }
  return {
    exact: JSON.stringify({ rowsOut: result.rowsOut, bytesWritten: result.bytesWritten }),
    answer: null,
    rows: result.rowsIn,
    workersUsed: settings.workers === 0 ? 0 : result.stats.workers,
    progressEvents,
  };
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The engine rows measure dist/ (what users run), the microbenchmarks src/: null when dist/ is
 * there and newer than every file in src/, else what to do about it.
 */
export function buildProblem(): string | null {
  const built = join(ROOT, 'dist', 'index.js');
  if (!existsSync(built))
    return 'dist/ is missing: run `npm run build` first (the bench imports the built engine, as users do)';
  const newest = (dir: string): number =>
    Math.max(
      0,
      ...readdirSync(dir, { withFileTypes: true }).map((e) =>
        e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs,
      ),
    );
  if (newest(join(ROOT, 'src')) > statSync(built).mtimeMs)
    return 'src/ changed after the last build: the engine rows measure the old dist/ (run `npm run build`)';
  return null;
}

export function engineLabel(workers: number, mode: EngineMode = 'file', coldPool = false): string {
  const base =
    workers === 0
      ? 'chunkmill serial (in-process)'
      : `chunkmill ${workers} worker${workers === 1 ? '' : 's'}${coldPool ? ', cold pool' : ''}`;
  return mode === 'stream' ? `${base}, stream input` : mode === 'transform' ? `${base}, transform to NDJSON` : base;
}
