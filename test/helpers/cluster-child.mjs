// A checkpointed cluster job in a process of its own, so a test can kill -9 its coordinator
// part-way. argv: input journal redisUrl gate; prints "done <json>" at the end. The gate is
// slow-sum's (test/helpers/gate.ts): it holds the job part-way until the test kills it.
import { processDataset } from 'chunkmill';

const [input, checkpoint, redis, gate] = process.argv.slice(2);
const { value } = await processDataset({
  input,
  task: new URL('../../fixtures/tasks/slow-sum.mjs', import.meta.url),
  params: { column: 'amount', msPerChunk: 60, idle: true, gate },
  chunkSize: 64 << 10,
  checkpoint,
  cluster: { redis },
}).result;
console.log('done ' + JSON.stringify(value));
