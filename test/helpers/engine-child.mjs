// An engine in its own process, so tests can submit, watch and cancel from another one, and kill
// it for real. argv: store workers concurrency leaseMs [pollInterval]. Prints "ready" once it
// polls; SIGTERM closes it gracefully (running jobs are handed back), SIGKILL is a crash.
import { createEngine } from 'chunkmill';

const [store, workers, concurrency, leaseMs, pollInterval] = process.argv.slice(2);
const engine = await createEngine({
  store,
  workers: Number(workers),
  concurrency: Number(concurrency),
  leaseMs: Number(leaseMs),
  ...(pollInterval ? { pollInterval: Number(pollInterval) } : {}),
});
engine.on('claimed', ({ job }) => console.log(`claimed ${job.id}`));
engine.on('error', (e) => console.error(`engine error: ${e.message}`));
process.on('SIGTERM', () => void engine.close().then(() => console.log('closed')));
console.log('ready');
