// Checkpoint and resume: node examples/dist/checkpoint.js sales.csv sales.journal
// The first run stops after two chunks, as a crash would; the second takes those chunks from the
// journal, parses the rest, and returns exactly what one uninterrupted run returns.
import { count, processDataset, sum } from 'chunkmill';

const [input = 'sales.csv', journal = 'sales.journal'] = process.argv.slice(2);

const start = () =>
  processDataset({
    input,
    checkpoint: journal, // each merged chunk is appended here and synced; removed on success
    chunkSize: 1 << 20, // small chunks, so that a short file has several
    aggregate: { groupBy: ['region'], measures: { orders: count(), revenue: sum('amount') } },
  });

const first = start();
first.on('chunk', ({ index }) => {
  if (index === 1) first.cancel();
});
await first.result.catch((e: Error) => console.log(`first run: ${e.message}`));

const { rows, stats } = await start().result;
console.log(`second run: ${stats.chunksResumed} of ${stats.chunks} chunks from the journal`);
for (const row of rows) console.log(JSON.stringify(row));
