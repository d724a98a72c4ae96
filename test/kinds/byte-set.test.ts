/**
 * The distinct count's byte set (byte-set.ts) against a plain Set of strings: random byte strings
 * (empty, one byte, long, many repeats, multi-byte UTF-8, shared prefixes) added in random-sized
 * parts, each part its own set, the parts merged in order as combine() merges partials (after a
 * structured clone, as they cross threads); then texts beside the set (distinctCount), some of
 * them already in it.
 */
import { expect, test } from 'vitest';
import {
  addBytes,
  distinctCount,
  hasBytes,
  hashBytes,
  mergeByteSets,
  newByteSet,
  type ByteSet,
} from '../../src/kinds/builtin/byte-set.ts';
import { rng } from '../helpers/random-csv.ts';

const ALPHABET = ['a', 'b', 'é', '東', '😀', ',', '"'];

function randomText(random: () => number): string {
  const u = random();
  const length = u < 0.05 ? 0 : u < 0.5 ? 1 + Math.floor(random() * 3) : u < 0.95 ? Math.floor(random() * 12) : 200;
  let s = '';
  for (let i = 0; i < length; i++) s += ALPHABET[Math.floor(random() * (u < 0.5 ? 2 : ALPHABET.length))]!;
  return s;
}

test.each([1, 2, 3, 4, 5])('random byte strings in random parts, merged: the Set’s size (seed %i)', (seed) => {
  const random = rng(seed);
  const texts = Array.from({ length: 1 + Math.floor(random() * 5000) }, () => randomText(random));
  // One read buffer with every text in it, as fields lie in a chunk's buffer.
  const encoded = texts.map((t) => Buffer.from(t, 'utf8'));
  const buf = Buffer.concat(encoded);
  const parts: ByteSet[] = [];
  let at = 0;
  let i = 0;
  while (i < texts.length) {
    const part = newByteSet();
    const seen = new Set<string>();
    const size = 1 + Math.floor(random() * (random() < 0.5 ? 10 : 2000));
    for (const end = Math.min(texts.length, i + size); i < end; i++) {
      const length = encoded[i]!.length;
      const h = hashBytes(buf, at, at + length);
      expect(addBytes(part, buf, at, at + length, h)).toBe(!seen.has(texts[i]!));
      seen.add(texts[i]!);
      expect(hasBytes(part, buf, at, at + length, h)).toBe(true);
      at += length;
    }
    expect(part.size).toBe(seen.size);
    parts.push(structuredClone(part));
  }
  const [into, ...rest] = parts;
  for (const part of rest) mergeByteSets(into!, part);
  const all = new Set(texts);
  expect(into!.size).toBe(all.size);
  for (const t of all) {
    const b = Buffer.from(t, 'utf8');
    expect(hasBytes(into!, b, 0, b.length, hashBytes(b, 0, b.length))).toBe(true);
  }
  const others = new Set(Array.from({ length: 300 }, () => randomText(random)));
  expect(distinctCount(into, others)).toBe(new Set([...all, ...others]).size);
  expect(distinctCount(undefined, others)).toBe(others.size);
});
