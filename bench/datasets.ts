/**
 * Data where it lives, measured: the group-by of one 200 MB object in S3 (s3rver on loopback: a
 * Node S3 server in its own process) against the same local file, and 100 files of 2 MB (local,
 * as a glob) against the one 200 MB file. Runs interleaved (A B C D, D C B A, ...), so drift on a
 * shared machine hits every variant alike; medians and ratios from one run; every variant must give
 * the local file's rows.
 *
 *   npx tsx bench/datasets.ts [--size 200MB] [--files 100] [--workers 2] [--runs 5]
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { processDataset } from '../dist/index.js';
import { startS3 } from '../test/helpers/s3.ts';
import { defaultDataDir, ensureDataset } from './data.ts';
import { SALES_QUERY } from './queries.ts';
import { describeMachine, machine, median, parseSize } from './util.ts';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '200MB' },
    files: { type: 'string', default: '100' },
    workers: { type: 'string', default: '2' },
    runs: { type: 'string', default: '5' },
  },
});
const workers = Number(values.workers);
const runs = Number(values.runs);
const fileCount = Number(values.files);
const dir = defaultDataDir();
const data = await ensureDataset(dir, 'sales', parseSize(values.size), 42, (l) => console.log(l));

/** The file cut into `n` parts at record boundaries, each with the header: the same rows in the same order. */
function split(n: number): string {
  const partsDir = join(dir, `parts-${n}-of-${data.bytes}`);
  if (existsSync(join(partsDir, 'done'))) return partsDir;
  mkdirSync(partsDir, { recursive: true });
  const bytes = readFileSync(data.path);
  const headerEnd = bytes.indexOf(10) + 1;
  const header = bytes.subarray(0, headerEnd);
  let start = headerEnd;
  for (let i = 0; i < n; i++) {
    let end = i === n - 1 ? bytes.length : headerEnd + Math.round(((bytes.length - headerEnd) * (i + 1)) / n);
    // The generator's quoted fields may hold LF: cut only where the quotes before are balanced.
    while (end < bytes.length) {
      end = bytes.indexOf(10, end) + 1;
      if (end === 0) end = bytes.length;
      let quotes = 0;
      for (let j = start; j < end; j++) if (bytes[j] === 0x22) quotes++;
      if (quotes % 2 === 0) break;
    }
    writeFileSync(
      join(partsDir, `part-${String(i).padStart(4, '0')}.csv`),
      Buffer.concat([header, bytes.subarray(start, end)]),
    );
    start = end;
  }
  writeFileSync(join(partsDir, 'done'), '');
  return partsDir;
}

const partsDir = split(fileCount);
const s3 = await startS3();
await s3.createBucket('bench');
await s3.putObject('bench', 'sales.csv', readFileSync(data.path));
const aggregate = SALES_QUERY;

const variants: Record<string, () => Promise<{ rows: unknown[] }>> = {
  'local file': () => processDataset({ input: data.path, aggregate, workers }).result,
  'S3 object': () => processDataset({ input: 's3://bench/sales.csv', s3: s3.settings, aggregate, workers }).result,
  [`${fileCount} local files`]: () =>
    processDataset({ input: join(partsDir, 'part-*.csv'), aggregate, workers }).result,
};
const names = Object.keys(variants);
const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
let reference: string | null = null;
for (let round = 0; round < runs; round++) {
  const order = round % 2 === 0 ? names : [...names].reverse();
  for (const name of order) {
    const started = performance.now();
    const { rows } = await variants[name]!();
    times[name]!.push(performance.now() - started);
    const text = JSON.stringify(rows);
    reference ??= text;
    if (text !== reference) throw new Error(`${name} gave other rows than the local file`);
  }
}
await s3.stop();
console.log(
  `${describeMachine(machine())}; ${data.bytes.toLocaleString('en-US')} bytes, ${workers} workers, ${runs} interleaved runs`,
);
const base = median(times['local file']!);
for (const name of names) {
  const m = median(times[name]!);
  console.log(
    `${name.padEnd(18)} median ${(m / 1000).toFixed(2)} s  ${(data.bytes / 1e6 / (m / 1000)).toFixed(0)} MB/s  ${(m / base).toFixed(2)}x the local file`,
  );
}
