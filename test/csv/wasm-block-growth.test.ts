/**
 * A record longer than the 1 MiB read block grows the block, which lives in WebAssembly memory
 * where the SIMD scanner runs (src/csv/wasm-scan.ts: growing the memory moves every view of it):
 * the records before, across and after the growth are the serial parse's, serial and parallel.
 * Its own file, because the read buffer is per thread and stays grown.
 */
import { expect, test } from 'vitest';
import { count, processDataset, processSerial, sum } from 'chunkmill';
import { blockBuffer } from '../../dist/csv/wasm-scan.js';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();

test('a 3 MiB quoted record (delimiters, LFs, CRLFs, doubled quotes) grows the block; every record counts', {
  timeout: 120_000,
}, async () => {
  const piece = 'x,y\n"z"" \r\n';
  const big = `"${piece.replace(/"/g, '""').repeat(Math.ceil((3 << 20) / piece.length))}"`;
  const rows: string[] = [];
  for (let i = 0; i < 40_000; i++) rows.push(`${i % 3 === 0 ? 'a' : 'b'},${i % 10},"n,${i}"`);
  rows.splice(25_000, 0, `b,1000,${big}`); // past the first 1 MiB block
  const input = tmp.file('big-record.csv', `k,v,note\n${rows.join('\n')}\n`);
  const expected = [
    { k: 'a', n: 13_334, s: sumOf(40_000, (i) => i % 3 === 0) },
    { k: 'b', n: 26_667, s: sumOf(40_000, (i) => i % 3 !== 0) + 1000 },
  ];
  const options = { input, aggregate: { groupBy: ['k'], measures: { n: count(), s: sum('v') } } };
  const sorted = (r: { rows: unknown[] }) => [...(r.rows as { k: string }[])].sort((x, y) => x.k.localeCompare(y.k));
  expect(sorted(await processSerial(options))).toEqual(expected);
  // The serial parse ran on this thread: its block grew inside WebAssembly memory (the record is in it whole).
  expect(blockBuffer(1).buffer.byteLength).toBeGreaterThan(3 << 20);
  for (const chunkSize of [1 << 16, 1 << 20, 8 << 20]) {
    expect(sorted(await processDataset({ ...options, workers: 2, chunkSize }).result), `chunk ${chunkSize}`).toEqual(
      expected,
    );
  }
});

function sumOf(n: number, keep: (i: number) => boolean): number {
  let s = 0;
  for (let i = 0; i < n; i++) if (keep(i)) s += i % 10;
  return s;
}
