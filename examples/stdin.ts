// A stream as input: cat sales.csv | node examples/dist/stdin.js
import { count, processDataset, sum } from 'chunkmill';

const job = processDataset({
  input: process.stdin, // any Readable or AsyncIterable of bytes; cut at record boundaries as read
  aggregate: { groupBy: ['region'], measures: { orders: count(), revenue: sum('amount') } },
});
// A stream's length is not known ahead: bytesTotal, chunksTotal and etaMs are null.
job.on('progress', (p) => console.error(`${p.bytesDone} bytes, ${p.rowsDone} rows`));

const { rows } = await job.result;
for (const row of rows) console.log(JSON.stringify(row));
