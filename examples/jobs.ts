// A job queue and a warm engine, here in one process: node examples/dist/jobs.js sales.csv
// (The engine usually runs in a process of its own: `chunkmill engine --store jobs.db`.)
import { count, createEngine, openQueue, sum } from 'chunkmill';

const queue = openQueue('jobs.db'); // one SQLite file, created if new; any process may open it
const engine = await createEngine({ store: 'jobs.db', workers: 2 }); // one warm pool for its life

const measures = { orders: count(), revenue: sum('amount') };
const job = await queue.add(
  { input: process.argv[2] ?? 'sales.csv', aggregate: { groupBy: ['region'], measures } },
  { name: 'by region' }, // also: priority, { delay: ms }, { repeat: { cron: '0 3 * * *' } }
);
// The job's log, from the store: replayable from any event id, and it ends after the last state.
for await (const event of queue.watch(job.id)) {
  if (event.type === 'state') console.error(`job ${job.id}: ${event.data.state}`);
}
const result = await queue.result(job.id);
if (result !== null && 'rows' in result) for (const row of result.rows) console.log(JSON.stringify(row));

await engine.close(); // stop taking jobs; running ones keep their checkpoints and go back to the queue
await queue.close();
