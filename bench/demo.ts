/**
 * The README's first command: generate a seeded sales CSV (100 MB by default, or --size MB) in a
 * temp dir, aggregate it on every core with live progress, print the result, delete the file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { processDataset, count, sum, mean, min, max } from 'chunkmill';
import { generate } from '../support/generate.ts';

const { values } = parseArgs({ options: { size: { type: 'string', default: '100' }, workers: { type: 'string' } } });
const dir = mkdtempSync(join(tmpdir(), 'chunkmill-demo-'));
const input = join(dir, 'sales.csv');
try {
  process.stderr.write(`generating ${values.size} MB of sales data in ${input} ...\n`);
  const made = await generate(input, 'sales', { bytes: Number(values.size) * 1e6 });
  const job = processDataset({
    input,
    ...(values.workers ? { workers: Number(values.workers) } : {}),
    aggregate: {
      groupBy: ['region'],
      measures: { orders: count(), revenue: sum('amount'), avg: mean('amount'), lo: min('amount'), hi: max('amount') },
    },
  });
  job.on('start', (p) => process.stderr.write(`${p.chunksTotal} chunks on ${p.workers} workers\n`));
  job.on('progress', (p) => {
    const pct = ((p.bytesDone / (p.bytesTotal ?? NaN)) * 100).toFixed(0).padStart(3);
    process.stderr.write(`\r${pct}%  ${p.rowsDone.toLocaleString()} rows  ${(p.bytesPerSec / 1e6).toFixed(0)} MB/s   `);
  });
  const { rows, stats } = await job.result;
  process.stderr.write('\n');
  console.table(rows);
  console.log(
    `${stats.rows.toLocaleString()} rows (${made.rows.toLocaleString()} written), ${(stats.bytes / 1e6).toFixed(0)} MB in ${stats.elapsedMs.toFixed(0)} ms on ${stats.workers} workers: ${(stats.bytes / stats.elapsedMs / 1e3).toFixed(0)} MB/s`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
