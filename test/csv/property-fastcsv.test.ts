/**
 * Property: on random CSV text (quoted fields with `,` `"` LF CRLF and lone CR, multi-byte UTF-8,
 * empty fields, blank lines, LF or CRLF record ends, sometimes bare quotes), chunkmill's per-group
 * count, sum, min and max equal those computed from @fast-csv/parse's records of the same text,
 * serially and in parallel at random chunk sizes and worker counts. Amounts are integers, so every
 * order of addition gives the same double and the reference needs no exact summation.
 *
 * The parallel runs use the file's warm pools (test/helpers/warm-pools.ts: the same jobs without a
 * pool started and destroyed for each of 72 runs); every ninth seed runs its first configuration
 * through processDataset itself, pool and all.
 */
import { expect, test } from 'vitest';
import { count, max, min, processDataset, processSerial, sum } from 'chunkmill';
import { fastCsvRecords } from '../helpers/fastcsv.ts';
import { HEADER, randomCsv, rng } from '../helpers/random-csv.ts';
import { tempDir } from '../helpers/tmp.ts';
import { processOnWarmPool } from '../helpers/warm-pools.ts';

const tmp = tempDir();
const CASES = 36;

interface Expected {
  k: string;
  n: number;
  s: number | null;
  lo: number | null;
  hi: number | null;
}

/** Group-by k over fast-csv's records, groups in order of first appearance. */
function reference(records: string[][]): Expected[] {
  const [header, ...rows] = records;
  expect(header).toEqual([...HEADER]);
  const groups = new Map<string, Expected>();
  for (const [k, v] of rows) {
    if (k === undefined || v === undefined) throw new Error('short record from the generator');
    let g = groups.get(k);
    if (g === undefined) {
      g = { k, n: 0, s: null, lo: null, hi: null };
      groups.set(k, g);
    }
    g.n++;
    if (v === '') continue; // NULL
    const x = Number(v);
    expect(Number.isInteger(x)).toBe(true);
    g.s = (g.s ?? 0) + x;
    g.lo = g.lo === null ? x : Math.min(g.lo, x);
    g.hi = g.hi === null ? x : Math.max(g.hi, x);
  }
  return [...groups.values()];
}

test.each(Array.from({ length: CASES }, (_, i) => i + 1))(
  'seed %i: chunkmill agrees with fast-csv',
  { timeout: 60_000 },
  async (seed) => {
    const random = rng(1000 + seed);
    const { text } = randomCsv(random, { rows: Math.floor(random() * 80), bareQuotes: seed % 4 === 0 });
    const input = tmp.file(`case-${seed}.csv`, text);
    const expected = reference(await fastCsvRecords(text));
    const options = {
      input,
      aggregate: { groupBy: ['k'], measures: { n: count(), s: sum('v'), lo: min('v'), hi: max('v') } },
    };

    const serial = await processSerial(options);
    expect(serial.rows).toStrictEqual(expected);
    expect(serial.stats.rows).toBe(expected.reduce((n, g) => n + g.n, 0));

    const configs = [
      { chunkSize: 1 + Math.floor(random() * 8), workers: 1 + (seed % 3) },
      { chunkSize: 9 + Math.floor(random() * 200), workers: 1 + ((seed + 1) % 3) },
    ];
    for (const [i, config] of configs.entries()) {
      const ownPool = seed % 9 === 0 && i === 0;
      const job = ownPool ? processDataset({ ...options, ...config }) : processOnWarmPool({ ...options, ...config });
      const parallel = await job.result;
      expect(parallel.rows, JSON.stringify(config)).toStrictEqual(expected);
      expect(parallel.stats.rows, JSON.stringify(config)).toBe(serial.stats.rows);
    }
  },
);
