/**
 * A chunk's parse reads little past its end (src/input/read-range.ts, PAST_END: 64 KiB), only for
 * the record that crosses it: records of every length around that, quoted with line breaks and
 * doubled quotes, crossing chunk ends at chunk sizes around it and above, must come out as the
 * serial parse reads them, every field, through the plain parse (a user task) and the one-read
 * path (an aggregate).
 */
import { expect, test } from 'vitest';
import { count, processDataset, processSerial, sum } from 'chunkmill';
import { rng } from '../helpers/random-csv.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const ROWS = new URL('../../fixtures/tasks/rows-in-order.mjs', import.meta.url).href;

test('records longer than the read past a chunk end are read whole', { timeout: 120_000 }, async () => {
  const random = rng(64);
  const lengths = [10, 1_000, 60_000, 65_530, 65_536, 65_542, 70_000, 140_000, 300_000];
  let text = 'k,v,note\n';
  for (let i = 0; i < 120; i++) {
    const n = lengths[Math.floor(random() * lengths.length)]!;
    const note = 'ab,"c\nd'
      .repeat(Math.ceil(n / 8))
      .slice(0, n)
      .replace(/"/g, '""');
    text += `${i % 3},${i},"${note}"\n`;
  }
  const input = tmp.file('long-records.csv', text);
  const serialRows = await processSerial({ input, task: ROWS });
  const aggregate = { groupBy: ['k'], measures: { n: count(), s: sum('v') } };
  const serialSums = await processSerial({ input, aggregate });
  expect((serialRows.value as { rows: number }).rows).toBe(120);
  for (const chunkSize of [65_536, 65_536 + 7, 200_000, 1 << 20]) {
    const rows = await processDataset({ input, task: ROWS, workers: 2, chunkSize }).result;
    expect(rows.value, `rows, chunk ${chunkSize}`).toStrictEqual(serialRows.value);
    const sums = await processDataset({ input, aggregate, workers: 2, chunkSize }).result;
    expect(sums.rows, `sums, chunk ${chunkSize}`).toStrictEqual(serialSums.rows);
  }
});
