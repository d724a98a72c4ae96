/**
 * `npx tsx bench/exact-measures.ts [--size 106MB] [--workers 2] [--runs 5]`: only the exact
 * measures' rows of the bench's head-to-head (versus.ts), the median and the distinct count by
 * carrier on the flights data, chunkmill's CLI against DuckDB in fresh processes, interleaved,
 * medians, answers compared. `npm run bench` runs the same rows among the others.
 */
import { parseArgs } from 'node:util';
import { defaultDataDir, ensureDataset } from './data.ts';
import { formatBytes, parseSize } from './util.ts';
import { versus } from './versus.ts';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '106MB' },
    workers: { type: 'string', default: '2' },
    runs: { type: 'string', default: '5' },
  },
});
const flights = await ensureDataset(defaultDataDir(), 'flights', parseSize(values.size, 'size'), 42, console.log);
const label = `flights ${formatBytes(flights.bytes)}`;
let wrong = false;
for (const job of ['median', 'distinct'] as const) {
  const row = await versus(job, flights, label, Number(values.workers), Number(values.runs), console.log);
  console.log(
    `    ${row.command}: samples chunkmill ${row.chunkmill.samplesMs.map((ms) => ms.toFixed(0)).join(' ')} ms, DuckDB ${row.duckdb.samplesMs.map((ms) => ms.toFixed(0)).join(' ')} ms`,
  );
  wrong ||= row.check !== 'ok';
}
if (wrong) process.exitCode = 1;
