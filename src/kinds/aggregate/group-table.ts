/**
 * A hash table from key bytes to group index, so finding a row's group allocates nothing: no
 * string per row, only per new group. Open addressing with linear probing; keys live in one
 * growing byte arena. (A Map keyed by a latin1 string per row spends ~25% of serial time on the
 * group lookup; this table a few percent: bench/micro.ts.)
 *
 * Short keys (up to 8 bytes: regions, codes, carriers, flags) are hashed and compared as two
 * 32-bit words that together cover every byte (the first four and the last four, overlapping
 * when shorter than 8), so a lookup runs no loop whose length varies from row to row: the byte
 * loops mispredicted their exit once or twice per row and were most of the sink's group lookup
 * (profile of the serial group-by on 200 MB sales). Longer keys keep FNV-1a over every byte and
 * a byte compare.
 */

const EMPTY = -1;
/** FNV-1a: a few operations per byte, good enough spread for short keys. */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** Keys up to this many bytes are their two words (wordsOf). */
const WORD_KEY = 8;

export class GroupTable {
  /** Number of groups. */
  size = 0;
  private mask = 63;
  private slots: Int32Array = new Int32Array(64).fill(EMPTY);
  private hashes: Int32Array = new Int32Array(16);
  private keyStart: Int32Array = new Int32Array(16);
  private keyEnd: Int32Array = new Int32Array(16);
  /** A short key's two words (wordsOf); unused for longer keys. */
  private headWord: Int32Array = new Int32Array(16);
  private tailWord: Int32Array = new Int32Array(16);
  /** wordsOf's results (two returns without an allocation). */
  private head = 0;
  private tail = 0;
  private arena: Uint8Array = new Uint8Array(1024);
  private arenaUsed = 0;

  /** The group index of key bytes src[start, end), adding a new group (index = size) if absent. */
  findOrAdd(src: Uint8Array, start: number, end: number): number {
    const length = end - start;
    if (length > WORD_KEY) return this.findLong(src, start, end);
    this.wordsOf(src, start, length);
    const head = this.head;
    const tail = this.tail;
    // A murmur3-style mix of both words and the length, so the low bits (the slot) depend on all.
    let h = Math.imul(head, 0x9e3779b1) ^ Math.imul(tail ^ length, 0x85ebca77);
    h ^= h >>> 15;
    h = Math.imul(h, 0xc2b2ae3d);
    h ^= h >>> 13;
    let slot = h & this.mask;
    for (;;) {
      const g = this.slots[slot]!;
      if (g === EMPTY) break;
      // The words and the length are the key (wordsOf): no byte compare.
      if (this.headWord[g] === head && this.tailWord[g] === tail && this.keyEnd[g]! - this.keyStart[g]! === length)
        return g;
      slot = (slot + 1) & this.mask;
    }
    return this.add(h, slot, src, start, end);
  }

  /**
   * Sets head and tail to two words that, with the length (at most WORD_KEY), determine the key's
   * bytes: from 4 bytes the first four and the last four (overlapping below 8), below 4 the bytes
   * in head and 0 in tail.
   */
  private wordsOf(src: Uint8Array, start: number, length: number): void {
    if (length >= 4) {
      const t = start + length - 4;
      this.head = src[start]! | (src[start + 1]! << 8) | (src[start + 2]! << 16) | (src[start + 3]! << 24);
      this.tail = src[t]! | (src[t + 1]! << 8) | (src[t + 2]! << 16) | (src[t + 3]! << 24);
      return;
    }
    let head = 0;
    for (let i = 0; i < length; i++) head |= src[start + i]! << (8 * i);
    this.head = head;
    this.tail = 0;
  }

  /** findOrAdd for a key longer than WORD_KEY bytes. */
  private findLong(src: Uint8Array, start: number, end: number): number {
    // `| 0`: keep the hash an int32, as the table stores it.
    let h = FNV_OFFSET | 0;
    for (let i = start; i < end; i++) h = Math.imul(h ^ src[i]!, FNV_PRIME);
    const length = end - start;
    let slot = h & this.mask;
    for (;;) {
      const g = this.slots[slot]!;
      if (g === EMPTY) break;
      if (this.hashes[g] === h && this.keyEnd[g]! - this.keyStart[g]! === length && this.equals(g, src, start, length))
        return g;
      slot = (slot + 1) & this.mask;
    }
    return this.add(h, slot, src, start, end);
  }

  private equals(g: number, src: Uint8Array, start: number, length: number): boolean {
    const arena = this.arena;
    const at = this.keyStart[g]!;
    for (let i = 0; i < length; i++) if (arena[at + i] !== src[start + i]) return false;
    return true;
  }

  private add(h: number, slot: number, src: Uint8Array, start: number, end: number): number {
    const g = this.size++;
    if (g === this.hashes.length) {
      this.hashes = grow(this.hashes);
      this.keyStart = grow(this.keyStart);
      this.keyEnd = grow(this.keyEnd);
      this.headWord = grow(this.headWord);
      this.tailWord = grow(this.tailWord);
    }
    const length = end - start;
    if (this.arenaUsed + length > this.arena.length) {
      const bigger = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + length));
      bigger.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = bigger;
    }
    this.arena.set(src.subarray(start, end), this.arenaUsed);
    this.hashes[g] = h;
    if (length <= WORD_KEY) {
      this.wordsOf(src, start, length);
      this.headWord[g] = this.head;
      this.tailWord[g] = this.tail;
    }
    this.keyStart[g] = this.arenaUsed;
    this.keyEnd[g] = this.arenaUsed + length;
    this.arenaUsed += length;
    this.slots[slot] = g;
    // Keep the load factor under 1/2 so probes stay short.
    if (this.size * 2 > this.slots.length) this.rehash();
    return g;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(EMPTY);
    this.mask = this.slots.length - 1;
    for (let g = 0; g < this.size; g++) {
      let slot = this.hashes[g]! & this.mask;
      while (this.slots[slot] !== EMPTY) slot = (slot + 1) & this.mask;
      this.slots[slot] = g;
    }
  }
}

function grow(a: Int32Array): Int32Array {
  const bigger = new Int32Array(a.length * 2);
  bigger.set(a);
  return bigger;
}
