// A checkpointed cluster job in a process of its own, so a test can kill -9 its coordinator
// part-way. argv: input journal redisUrl; prints "done <json>" at the end.
import { processDataset } from 'chunkmill';

const [input, checkpoint, redis] = process.argv.slice(2);
const { value } = await processDataset({
  input,
  task: new URL('../../fixtures/tasks/slow-sum.mjs', import.meta.url),
  params: { column: 'amount', msPerChunk: 60, idle: true },
  chunkSize: 64 << 10,
  checkpoint,
  cluster: { redis },
}).result;
console.log('done ' + JSON.stringify(value));
