/**
 * The boundary stitch (src/csv/boundary.ts): per-chunk quote-parity summaries, computed without
 * knowing the state a chunk starts in and fed in arbitrary blocks (plain buffers and the thread's
 * WebAssembly block, where the module counts the quotes), stitched in chunk order as they
 * arrive in any order, give every chunk's exact first record start (or -1: it owns none), as a
 * straightforward sequential walk over the bytes finds them.
 */
import { describe, expect, test } from 'vitest';
import { BoundaryStitcher, SummaryBuilder, type ChunkSummary } from '../../src/csv/boundary.ts';
import { blockBuffer, wasmScan } from '../../src/csv/wasm-scan.ts';
import { randomCsv, rng } from '../helpers/random-csv.ts';

const QUOTE = 34;
const LF = 10;

/** Record starts after `dataStart` by a plain sequential walk: after every LF outside quotes. */
function recordStarts(bytes: Uint8Array, dataStart: number): number[] {
  const starts: number[] = [];
  let inside = false;
  for (let i = dataStart; i < bytes.length; i++) {
    if (bytes[i] === QUOTE) inside = !inside;
    else if (bytes[i] === LF && !inside) starts.push(i + 1);
  }
  return starts;
}

/** The ownership rule: chunk 0 starts at dataStart; chunk k at its first record start in [start, end), or -1. */
function expectedStarts(bytes: Uint8Array, dataStart: number, chunks: { start: number; end: number }[]): number[] {
  const starts = recordStarts(bytes, dataStart);
  return chunks.map((c, k) => (k === 0 ? dataStart : (starts.find((s) => s >= c.start && s < c.end) ?? -1)));
}

function chunksOf(size: number, dataStart: number, chunkSize: number): { start: number; end: number }[] {
  const chunks: { start: number; end: number }[] = [];
  for (let s = dataStart; s < size; s += chunkSize) chunks.push({ start: s, end: Math.min(s + chunkSize, size) });
  return chunks;
}

/**
 * Phase A for one chunk as read-range.ts feeds it: bytes [start - 1, end) in blocks of `block`,
 * each in a plain buffer and in the thread's WebAssembly block (at an odd offset in it, as
 * file-chunk.ts feeds a part of it), where the module counts the quotes: both must agree.
 */
function summarize(bytes: Uint8Array, start: number, end: number, block: number): ChunkSummary {
  const [plain, wasm] = [false, true].map((inModule) => {
    const builder = new SummaryBuilder(start, end, QUOTE);
    for (let at = Math.max(0, start - 1); at < end; at += block) {
      const piece = bytes.subarray(at, Math.min(at + block, end));
      // A scratch buffer with stale bytes after the valid length, as the reused read buffer has.
      const scratch = inModule ? blockBuffer(piece.length + 8 + 37).subarray(37) : new Uint8Array(piece.length + 8);
      if (inModule) expect(wasmScan()?.holds(scratch)).toBe(true);
      scratch.fill(QUOTE);
      scratch.set(piece);
      builder.feed(scratch, piece.length, at);
    }
    return builder.summary();
  });
  expect(wasm, 'the summary from the WebAssembly block').toEqual(plain);
  return plain!;
}

/** Summaries delivered in `order`; returns the starts in the order the stitcher resolved them. */
function stitch(summaries: ChunkSummary[], dataStart: number, order: number[]) {
  const stitcher = new BoundaryStitcher(summaries.length, dataStart);
  const resolved: { index: number; start: number }[] = [];
  for (const k of order) {
    expect(stitcher.complete).toBe(false);
    resolved.push(...stitcher.add(k, summaries[k]!));
  }
  return { resolved, complete: stitcher.complete };
}

function shuffled(n: number, random: () => number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

describe('by hand', () => {
  // Offsets: header 0..3; rec "1,"a\nb"\n" at 4 (quoted LF at 8); rec "2,x\n" at 12; rec "3,""\n" at 16.
  const text = Buffer.from('h,n\n1,"a\nb"\n2,x\n3,""\n');
  const dataStart = 4;

  test('summaries: parity and the first record start for either start state', () => {
    // Chunk [6, 10): the quote at 6 opens, LF at 8 is inside quotes if the chunk starts outside.
    expect(summarize(text, 6, 10, 64)).toEqual({ parity: 1, firstEven: -1, firstOdd: 9 });
    // Chunk [10, 14): quote at 10 closes; LF at 11 -> record start 12.
    expect(summarize(text, 10, 14, 64)).toEqual({ parity: 1, firstEven: -1, firstOdd: 12 });
    // Chunk [12, 16): no quote; LF at 15 -> 16 is the end, not owned; the LF at 11 (byte start - 1) makes 12 a start.
    expect(summarize(text, 12, 16, 64)).toEqual({ parity: 0, firstEven: 12, firstOdd: -1 });
  });

  test('stitched starts follow the ownership rule at every chunk size', () => {
    for (let chunkSize = 1; chunkSize <= text.length; chunkSize++) {
      const chunks = chunksOf(text.length, dataStart, chunkSize);
      const summaries = chunks.map((c) => summarize(text, c.start, c.end, 3));
      const { resolved, complete } = stitch(
        summaries,
        dataStart,
        chunks.map((_, k) => k),
      );
      expect(complete).toBe(true);
      expect(
        resolved.map((r) => r.start),
        `chunkSize ${chunkSize}`,
      ).toEqual(expectedStarts(text, dataStart, chunks));
    }
  });

  test('a chunk inside a long quoted field owns nothing', () => {
    const long = Buffer.from('k\n"' + 'x\n'.repeat(20) + '"\ny\n');
    const chunks = chunksOf(long.length, 2, 4);
    const summaries = chunks.map((c) => summarize(long, c.start, c.end, 64));
    const starts = stitch(
      summaries,
      2,
      chunks.map((_, k) => k),
    ).resolved.map((r) => r.start);
    expect(starts).toEqual(expectedStarts(long, 2, chunks));
    expect(starts.slice(1, 9).every((s) => s === -1)).toBe(true);
    expect(starts).toContain(long.length - 2); // the record "y"
  });
});

describe('random CSV text, random chunk sizes, blocks and arrival order', () => {
  test.each(Array.from({ length: 40 }, (_, i) => i + 1))('seed %i', (seed) => {
    const random = rng(seed * 7919);
    const bytes = Buffer.from(randomCsv(random, { rows: 5 + Math.floor(random() * 40) }).text);
    const headerEnd = bytes.indexOf('k,v,t') + 'k,v,t'.length; // the header may follow a blank line
    const dataStart = headerEnd + (bytes[headerEnd] === 13 ? 2 : 1);
    for (const chunkSize of [1, 2, 3, 1 + Math.floor(random() * 30), 64]) {
      const chunks = chunksOf(bytes.length, dataStart, chunkSize);
      const block = 1 + Math.floor(random() * 9);
      const summaries = chunks.map((c) => summarize(bytes, c.start, c.end, block));
      const order = shuffled(chunks.length, random);
      const { resolved, complete } = stitch(summaries, dataStart, order);
      expect(complete).toBe(true);
      // Resolved once each, in chunk order, whatever the arrival order.
      expect(resolved.map((r) => r.index)).toEqual(chunks.map((_, k) => k));
      expect(
        resolved.map((r) => r.start),
        `chunkSize ${chunkSize}`,
      ).toEqual(expectedStarts(bytes, dataStart, chunks));
    }
  });
});

describe('dense quotes and long lines (the byte-loop switch of phase A)', () => {
  // Every field quoted: more than one quote per 32 bytes, so the summary switches to a byte loop.
  const dense = new TextEncoder().encode(
    'a,b\n' + Array.from({ length: 400 }, (_, r) => `"${r}","x\n""y""",${r % 3 ? '"z"' : ''}\n`).join(''),
  );
  // Lines of 20 KB of quoted fields with an LF inside one of them.
  const long = new TextEncoder().encode(
    'a\n' +
      Array.from({ length: 6 }, (_, r) => '"' + 'q'.repeat(80) + '",'.repeat(1) + `"${r}\n"`.repeat(250) + '\n').join(
        '',
      ),
  );
  test.each([
    ['dense', dense, 4],
    ['long lines', long, 2],
  ])('%s: stitched starts follow the ownership rule', (_, bytes, dataStart) => {
    for (const chunkSize of [1, 7, 100, 1000, 4096, bytes.length]) {
      const chunks = chunksOf(bytes.length, dataStart, chunkSize);
      const summaries = chunks.map((c) => summarize(bytes, c.start, c.end, 1 << 20));
      const { resolved, complete } = stitch(
        summaries,
        dataStart,
        chunks.map((_, i) => i),
      );
      expect(complete).toBe(true);
      expect(
        resolved.map((r) => r.start),
        `chunkSize ${chunkSize}`,
      ).toEqual(expectedStarts(bytes, dataStart, chunks));
    }
  });
});
