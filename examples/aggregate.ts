// A group-by on every core, with live progress: node examples/dist/aggregate.js sales.csv
import { count, max, mean, min, processDataset, sum } from 'chunkmill';

const job = processDataset({
  input: process.argv[2] ?? 'sales.csv', // a path or file: URL
  workers: 4, // default: os.availableParallelism()
  chunkSize: 8 << 20, // bytes; every value >= 1 gives the same result
  csv: { delimiter: ',', quote: '"', header: true }, // the defaults
  aggregate: {
    groupBy: ['region'], // [] or omitted: one global row
    measures: { orders: count(), revenue: sum('amount'), avg: mean('amount'), lo: min('amount'), hi: max('amount') },
  },
});
job.on('progress', (p) => console.error(`${p.bytesDone}/${p.bytesTotal} bytes, eta ${p.etaMs} ms`));

const { rows, stats } = await job.result;
// rows:  [{ region: 'north', orders: 10, revenue: 123.4, avg: 12.34, lo: 1.5, hi: 30 }, ...]
//        typed from the spec: group columns are strings, count() a number, mean() number | null,
//        sum/min/max number | bigint | null (a bigint only for integers beyond 2^53, exact)
// stats: { rows, rowsUsed, rowsRejected, valuesSkipped, bytes, chunks, workers, elapsedMs, ... }
for (const row of rows) console.log(JSON.stringify(row));
console.error(`${stats.rows} rows, ${stats.chunks} chunks, ${stats.workers} workers, ${stats.elapsedMs} ms`);
