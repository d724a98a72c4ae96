/**
 * `npm run fixtures -- DIR [--size 200MB] [--wide-size 100MB] [--seed 42]`: writes the bench's
 * seeded datasets to a directory you name, to try the engine (or the CLI) on realistic files:
 *
 *   DIR/sales.csv        order export: order_id,date,region,product,quantity,amount,note
 *                        (~5% of notes quoted, with commas, "" and embedded LF / CRLF newlines;
 *                        UTF-8 region names such as São Paulo, Zürich, 東京)
 *   DIR/sales-small.csv  the first 1 MB of the same data
 *   DIR/wide.csv         20 numeric columns c0..c19 (c0 = row % 1000)
 *
 * Same seed and size, same bytes.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generate } from '../support/generate.ts';
import { formatBytes, parseSize } from './util.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    size: { type: 'string', default: '200MB' },
    'wide-size': { type: 'string', default: '100MB' },
    seed: { type: 'string', default: '42' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help || positionals.length !== 1) {
  console.log('Usage: npm run fixtures -- DIR [--size 200MB] [--wide-size 100MB] [--seed 42]');
  process.exitCode = values.help ? 0 : 2;
} else {
  const dir = resolve(positionals[0]!);
  mkdirSync(dir, { recursive: true });
  const seed = Number(values.seed);
  const files = [
    { name: 'sales.csv', kind: 'sales', bytes: parseSize(values.size, 'size') },
    { name: 'sales-small.csv', kind: 'sales', bytes: 1e6 },
    { name: 'wide.csv', kind: 'wide', bytes: parseSize(values['wide-size'], 'wide-size') },
  ] as const;
  for (const f of files) {
    const path = join(dir, f.name);
    const started = performance.now();
    const made = await generate(path, f.kind, { bytes: f.bytes, seed });
    console.log(
      `${path}: ${formatBytes(made.bytes)}, ${made.rows.toLocaleString('en-US')} rows (${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
  }
  console.log(`
Try it:
  import { processDataset, count, sum } from 'chunkmill';
  const job = processDataset({
    input: '${join(dir, 'sales.csv')}',
    aggregate: { groupBy: ['region'], measures: { orders: count(), revenue: sum('amount') } },
  });
  job.on('progress', (p) => console.log(p.bytesDone, '/', p.bytesTotal));
  console.log((await job.result).rows);`);
}
