// Runs one checkpointed job in its own process, so a test can kill -9 it part-way.
// argv: input journal msPerChunk [gate]; prints "done <json>" at the end. The gate is slow-sum's
// (test/helpers/gate.ts): it holds the job part-way until the test kills it.
import { processDataset } from 'chunkmill';

const [input, checkpoint, ms, gate] = process.argv.slice(2);
const task = new URL('../../fixtures/tasks/slow-sum.mjs', import.meta.url);
const { value } = await processDataset({
  input,
  task,
  params: { column: 'amount', msPerChunk: Number(ms), ...(gate === undefined ? {} : { gate }) },
  workers: 2,
  chunkSize: 64 << 10,
  checkpoint,
}).result;
console.log('done ' + JSON.stringify(value));
