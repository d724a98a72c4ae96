/**
 * A local file's chunk read once (src/input/file-chunk.ts): the summary fed from the parse's reads
 * equals phase A's own (summarizeRange), and the speculative parse equals a plain parse from the
 * same start, for random quoted CSV cut at every kind of place, a chunk whose start is given, and a
 * parse that stops early on a bad number (the summary must still cover the whole chunk).
 */
import { mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { FileReader } from '../../src/input/byte-source.ts';
import { summarizeAndParseFile } from '../../src/input/file-chunk.ts';
import { parseRange, summarizeRange } from '../../src/input/read-range.ts';
import { compileAggregate } from '../../src/kinds/aggregate/plan.ts';
import { AggregateSink } from '../../src/kinds/aggregate/sink.ts';
import type { SummarizeParseRequest } from '../../src/exec/protocol.ts';
import { HEADER, randomCsv, rng } from '../helpers/random-csv.ts';

const dir = mkdtempSync(join(tmpdir(), 'file-chunk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const dialect = { delimiter: 44, quote: 34 };

function sink(onBadNumber: 'error' | 'skip' = 'skip'): AggregateSink {
  const plan = compileAggregate(
    { groupBy: ['k'], measures: { n: { kind: 'count' }, s: { kind: 'sum', column: 'v' } } },
    [...HEADER],
    { onBadRow: 'error', onBadNumber, quote: '"' },
  );
  return new AggregateSink(plan);
}

function request(path: string, size: number, start: number, end: number, from?: number): SummarizeParseRequest {
  return {
    op: 'summarizeParse',
    chunkIndex: 0,
    input: { path, size, mtimeMs: 0 },
    start,
    end,
    quote: 34,
    dialect,
    computation: { kind: 'aggregate' } as never,
    maxRecordSize: 1 << 20,
    ...(from !== undefined ? { from } : {}),
  } as SummarizeParseRequest;
}

async function expectLikeTwoReads(path: string, size: number, start: number, end: number, from?: number) {
  const fd = openSync(path, 'r');
  try {
    const reader = new FileReader(fd);
    const once = await summarizeAndParseFile(reader, request(path, size, start, end, from), sink());
    const summary = await summarizeRange(reader, start, end, 34);
    expect(once.summary).toEqual(summary);
    const at = from ?? summary.firstEven;
    if (at < 0 || at >= end) {
      expect(once.speculative).toBeUndefined();
      return;
    }
    const plain = sink();
    const outcome = await parseRange(reader, size, at, end, dialect, plain, 1 << 20);
    expect(once.speculative).toEqual({ from: at, outcome: { ...outcome, partial: plain.partial() } });
  } finally {
    closeSync(fd);
  }
}

test('the one-read summary and parse equal phase A and a plain parse, for random chunks', async () => {
  const random = rng(2311);
  for (let file = 0; file < 40; file++) {
    const bytes = Buffer.from(randomCsv(random, { rows: 5 + Math.floor(random() * 200) }).text);
    const path = join(dir, `r${file}.csv`);
    writeFileSync(path, bytes);
    for (let cut = 0; cut < 12; cut++) {
      const start = 1 + Math.floor(random() * (bytes.length - 1));
      const end = Math.min(bytes.length, start + 1 + Math.floor(random() * (random() < 0.3 ? 40 : 3000)));
      await expectLikeTwoReads(path, bytes.length, start, end);
    }
    // A source's first chunk: its start is given (the data start), not found by parity.
    const header = bytes.indexOf(10) + 1;
    await expectLikeTwoReads(path, bytes.length, header, Math.min(bytes.length, header + 500), header);
  }
});

test('a parse that stops early on a bad number (in its first 1 MiB block of a larger chunk) still gives the whole chunk its summary', async () => {
  const text = `k,v,t\n${Array.from({ length: 120_000 }, (_, i) => `"a\n${i % 7}",${i === 300 ? 'oops' : i},"x""y"`).join('\n')}\n`;
  const path = join(dir, 'bad.csv');
  writeFileSync(path, text);
  const size = Buffer.byteLength(text);
  const fd = openSync(path, 'r');
  try {
    const reader = new FileReader(fd);
    const once = await summarizeAndParseFile(reader, request(path, size, 10, size - 7), sink('error'));
    expect(once.speculative?.outcome.error?.code).toBe('ERR_CSV_BAD_NUMBER');
    expect(once.summary).toEqual(await summarizeRange(reader, 10, size - 7, 34));
  } finally {
    closeSync(fd);
  }
});
