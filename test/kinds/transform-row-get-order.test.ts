/**
 * Row.get() remembers the column each call position asked for in the record before (a pointer
 * compare instead of a Map lookup): a transform that asks for the columns in an order that
 * changes from row to row, and some twice, still gets each column's own field, serially and on
 * workers with chunks of every size.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { processDataset, processSerial } from 'chunkmill';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const getOrder = new URL('../../fixtures/tasks/get-order.mjs', import.meta.url);

test('columns asked for in a changing order get their own fields', { timeout: 60_000 }, async () => {
  const rows = Array.from({ length: 600 }, (_, k) => [String(k), `a${k}`, `"b, ${k}"`, `c${k % 7}`]);
  const input = tmp.file('order.csv', ['id,a,b,c', ...rows.map((r) => r.join(','))].join('\n') + '\n');
  const expected = rows.map(([id, a, b, c]) => {
    const fields: Record<string, string> = { id: id!, a: a!, b: b!.slice(1, -1), c: c! };
    const k = Number(id);
    return k % 5 === 0 ? { ...fields, last: `${k}:${c}` } : fields;
  });
  const read = (path: string) =>
    readFileSync(path, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>);
  const serial = `${tmp.dir}/order.serial.ndjson`;
  await processSerial({ input, transform: getOrder, output: { path: serial, format: 'ndjson' } });
  // Key order differs from row to row; the values must not.
  expect(read(serial)).toStrictEqual(expected);
  for (const chunkSize of [17, 4096]) {
    const path = `${tmp.dir}/order.${chunkSize}.ndjson`;
    await processDataset({ input, transform: getOrder, workers: 2, chunkSize, output: { path, format: 'ndjson' } })
      .result;
    expect(readFileSync(path, 'utf8')).toBe(readFileSync(serial, 'utf8'));
  }
});
