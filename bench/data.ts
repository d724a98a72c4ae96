/**
 * The bench's datasets, generated once into a temp directory and reused by later runs: the name
 * holds everything that determines the bytes (kind, size, seed, generator version), and a file is
 * renamed into place only when complete, so an interrupted run never leaves a short file behind.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '../support/generate.ts';

/** Bump when generate.ts changes the bytes it writes for a given seed. */
const GENERATOR_VERSION = 2;

export type Kind = 'sales' | 'wide' | 'flights';

export interface Dataset {
  kind: Kind;
  path: string;
  bytes: number;
  rows: number;
  seed: number;
}

export function defaultDataDir(): string {
  return join(tmpdir(), 'chunkmill-bench');
}

export async function ensureDataset(
  dir: string,
  kind: Kind,
  bytes: number,
  seed: number,
  log: (line: string) => void,
): Promise<Dataset> {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${kind}-${bytes}-s${seed}-v${GENERATOR_VERSION}.csv`);
  const meta = `${path}.rows`;
  if (existsSync(path) && existsSync(meta)) {
    const rows = Number(readFileSync(meta, 'utf8'));
    return { kind, path, bytes: statSync(path).size, rows, seed };
  }
  const started = performance.now();
  const partial = `${path}.partial`;
  const made = await generate(partial, kind, { bytes, seed });
  renameSync(partial, path);
  writeFileSync(meta, String(made.rows));
  const seconds = (performance.now() - started) / 1000;
  log(
    `  generated ${path} (${made.bytes.toLocaleString('en-US')} bytes, ${made.rows.toLocaleString('en-US')} rows) in ${seconds.toFixed(1)} s`,
  );
  return { kind, path, bytes: made.bytes, rows: made.rows, seed };
}

/**
 * A sales file of `records` equal-length records (no data to speak of): with a chunk size of one
 * record it splits into exactly `records` chunks, so a job can start that many workers.
 */
export function ensureTinyDataset(dir: string, records: number): Dataset & { recordBytes: number } {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `sales-tiny-${records}.csv`);
  const record = '1,2024-01-01,north,widget,1,1.00,ok\n';
  const text = 'order_id,date,region,product,quantity,amount,note\n' + record.repeat(records);
  writeFileSync(path, text);
  return { kind: 'sales', path, bytes: Buffer.byteLength(text), rows: records, seed: 0, recordBytes: record.length };
}

export function removeDataDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
