/**
 * A hash table from key bytes to group index, so finding a row's group allocates nothing: no
 * string per row, only per new group. Open addressing with linear probing; keys live in one
 * growing byte arena. (A Map keyed by a latin1 string per row spends ~25% of serial time on the
 * group lookup; this table a few percent: bench/micro.ts.)
 */

const EMPTY = -1;
/** FNV-1a: a few operations per byte, good enough spread for short keys. */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export class GroupTable {
  /** Number of groups. */
  size = 0;
  private mask = 63;
  private slots: Int32Array = new Int32Array(64).fill(EMPTY);
  private hashes: Int32Array = new Int32Array(16);
  private keyStart: Int32Array = new Int32Array(16);
  private keyEnd: Int32Array = new Int32Array(16);
  private arena: Uint8Array = new Uint8Array(1024);
  private arenaUsed = 0;

  /** The group index of key bytes src[start, end), adding a new group (index = size) if absent. */
  findOrAdd(src: Uint8Array, start: number, end: number): number {
    // `| 0`: an empty key must hash to the same int32 the table stores (the offset basis is
    // above 2^31; without it a global aggregate made a new group per row).
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
    }
    const length = end - start;
    if (this.arenaUsed + length > this.arena.length) {
      const bigger = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + length));
      bigger.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = bigger;
    }
    this.arena.set(src.subarray(start, end), this.arenaUsed);
    this.hashes[g] = h;
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
