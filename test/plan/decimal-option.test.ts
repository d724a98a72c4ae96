/**
 * The decimal option: ',' reads `1,5` as 1.5 in the workers (for every chunk size and worker
 * count), `1.5` then as no number; processSerial, which would read in the caller's thread, takes
 * '.' only (the separator is a per-thread setting).
 */
import { expect, test } from 'vitest';
import { count, processDataset, processSerial, sum } from 'chunkmill';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();

test("decimal ',' at every chunk size; a '.' is then no number; processSerial refuses it", {
  timeout: 120_000,
}, async () => {
  const input = tmp.file('comma.csv', 'g;v\na;1,5\nb;2,25\na;-0,5e1\nb;\na;1.5\n');
  for (const chunkSize of [1, 2, 7, 64, 4096]) {
    for (const workers of [1, 3]) {
      const { rows, stats } = await processDataset({
        input,
        chunkSize,
        workers,
        csv: { delimiter: ';' },
        decimal: ',',
        onBadNumber: 'skip',
        aggregate: { groupBy: ['g'], measures: { n: count(), s: sum('v') } },
      }).result;
      expect([rows, stats.valuesSkipped], `chunkSize ${chunkSize}, ${workers} workers`).toStrictEqual([
        [
          { g: 'a', n: 3, s: -3.5 },
          { g: 'b', n: 2, s: 2.25 },
        ],
        1, // 1.5
      ]);
    }
  }
  await expect(
    processSerial({ input, csv: { delimiter: ';' }, decimal: ',', aggregate: { measures: { n: count() } } }),
  ).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', option: 'decimal' });
});
