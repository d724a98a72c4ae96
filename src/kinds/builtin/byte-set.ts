/**
 * A set of byte strings as plain data (typed arrays and numbers only), for exact distinct counts:
 * a distinct count's values of one group, kept as their UTF-8 bytes from the field where it lies
 * in the read buffer. Being plain data it is the accumulator itself: it crosses from a worker
 * thread as a few typed-array copies (where a Set<string> of the same values is one string per
 * value to serialise, rebuild and collect), and partials merge by bytes, without strings.
 *
 * Open addressing with linear probing; a slot holds an entry's index + 1 (0: empty), so a fresh
 * Int32Array needs no fill. Entry e's bytes are arena[ends[e - 1], ends[e]) (from 0 for e = 0).
 */

export interface ByteSet {
  size: number;
  slots: Int32Array;
  hashes: Int32Array;
  ends: Int32Array;
  arena: Uint8Array;
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

export function newByteSet(): ByteSet {
  return {
    size: 0,
    slots: new Int32Array(16),
    hashes: new Int32Array(8),
    ends: new Int32Array(8),
    arena: new Uint8Array(64),
  };
}

/** FNV-1a of src[start, end): the same on every thread, so merges reuse the stored hashes. */
export function hashBytes(src: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ src[i]!, FNV_PRIME);
  return h;
}

/** Adds src[start, end) with hash h; whether it was new. */
export function addBytes(set: ByteSet, src: Uint8Array, start: number, end: number, h: number): boolean {
  const slots = set.slots;
  const mask = slots.length - 1;
  const length = end - start;
  let slot = h & mask;
  for (;;) {
    const e = slots[slot]! - 1;
    if (e < 0) break;
    if (set.hashes[e] === h) {
      const at = e === 0 ? 0 : set.ends[e - 1]!;
      if (set.ends[e]! - at === length && same(set.arena, at, src, start, length)) return false;
    }
    slot = (slot + 1) & mask;
  }
  insert(set, slot, src, start, length, h);
  return true;
}

/** Whether src[start, end) (hash h) is in the set. */
export function hasBytes(set: ByteSet, src: Uint8Array, start: number, end: number, h: number): boolean {
  const slots = set.slots;
  const mask = slots.length - 1;
  const length = end - start;
  for (let slot = h & mask; ; slot = (slot + 1) & mask) {
    const e = slots[slot]! - 1;
    if (e < 0) return false;
    if (set.hashes[e] !== h) continue;
    const at = e === 0 ? 0 : set.ends[e - 1]!;
    if (set.ends[e]! - at === length && same(set.arena, at, src, start, length)) return true;
  }
}

/** Adds every entry of `from` to `into` (its stored hashes: no byte is hashed again). */
export function mergeByteSets(into: ByteSet, from: ByteSet): void {
  const { arena, ends, hashes } = from;
  for (let e = 0, at = 0; e < from.size; e++) {
    addBytes(into, arena, at, ends[e]!, hashes[e]!);
    at = ends[e]!;
  }
}

/**
 * The distinct count of a set and texts beside it (values that came as strings: a field with a
 * doubled quote, or reduce()'s rows): a text counts unless its UTF-8 bytes are in the set.
 */
export function distinctCount(set: ByteSet | undefined, texts: Set<string>): number {
  if (set === undefined) return texts.size;
  let n = set.size;
  for (const text of texts) {
    const b = Buffer.from(text, 'utf8');
    if (!hasBytes(set, b, 0, b.length, hashBytes(b, 0, b.length))) n++;
  }
  return n;
}

/** Whether src[start, end) is ASCII (so certainly UTF-8). */
export function isAscii(src: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (src[i]! >= 0x80) return false;
  return true;
}

function same(arena: Uint8Array, at: number, src: Uint8Array, start: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (arena[at + i] !== src[start + i]) return false;
  return true;
}

function insert(set: ByteSet, slot: number, src: Uint8Array, start: number, length: number, h: number): void {
  const e = set.size++;
  if (e === set.ends.length) {
    set.ends = grown(set.ends, e * 2);
    set.hashes = grown(set.hashes, e * 2);
  }
  const at = e === 0 ? 0 : set.ends[e - 1]!;
  if (at + length > set.arena.length) {
    const bigger = new Uint8Array(Math.max(set.arena.length * 2, at + length));
    bigger.set(set.arena.subarray(0, at));
    set.arena = bigger;
  }
  const arena = set.arena;
  // A loop, not set(subarray()): values are mostly a few bytes, and a view per value costs more.
  for (let i = 0; i < length; i++) arena[at + i] = src[start + i]!;
  set.ends[e] = at + length;
  set.hashes[e] = h;
  set.slots[slot] = e + 1;
  // The load factor stays at most 1/2, so probes stay short.
  if (set.size * 2 > set.slots.length) rehash(set);
}

function rehash(set: ByteSet): void {
  const slots = new Int32Array(set.slots.length * 2);
  const mask = slots.length - 1;
  for (let e = 0; e < set.size; e++) {
    let slot = set.hashes[e]! & mask;
    while (slots[slot] !== 0) slot = (slot + 1) & mask;
    slots[slot] = e + 1;
  }
  set.slots = slots;
}

function grown(a: Int32Array, size: number): Int32Array {
  const bigger = new Int32Array(size);
  bigger.set(a);
  return bigger;
}
