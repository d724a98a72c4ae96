/**
 * A worker thread that dies (here: out of memory under workerResourceLimits) fails the job with
 * ERR_WORKER_EXITED, promptly: no hang, no thread left behind, and the host process goes on.
 */
import { expect, test } from 'vitest';
import { count, processDataset } from 'chunkmill';
import { rejectionOf } from '../helpers/errors.ts';
import { messagePorts, waitFor } from '../helpers/threads.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();

test('a worker out of memory fails the job with ERR_WORKER_EXITED and leaves no thread', {
  timeout: 60_000,
}, async () => {
  // 400k distinct 48-byte keys: far more than an 8 MB worker heap holds as groups.
  let text = 'id,v\n';
  for (let i = 0; i < 400_000; i++) text += `${i}-${'x'.repeat(40)},1\n`;
  const input = tmp.file('many-groups.csv', text);
  const ports = messagePorts();
  const error = await rejectionOf(
    processDataset({
      input,
      workers: 2,
      workerResourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 },
      aggregate: { groupBy: ['id'], measures: { n: count() } },
    }).result,
  );
  expect(error.code).toBe('ERR_WORKER_EXITED');
  expect(error.message).toMatch(/out of memory/);
  expect(error.chunkIndex).toBeTypeOf('number');
  // Waited for (the threads' ports close as they exit), not slept on.
  const gone = await waitFor(() => messagePorts() <= ports, 5_000);
  expect(gone, `ports: ${messagePorts()} now, ${ports} before`).toBe(true);
  // The process is fine: the same job without the limit runs.
  const { rows } = await processDataset({ input, workers: 2, aggregate: { measures: { n: count() } } }).result;
  expect(rows).toEqual([{ n: 400_000 }]);
});
