/**
 * A hash set of (group index, value bytes) pairs, for exact distinct counts from field bytes: a
 * field is looked up where it lies in the read buffer (nothing copied, no string), and only a
 * pair not seen before is stored, in one growing byte arena. Open addressing with linear probing,
 * as GroupTable.
 */

const EMPTY = -1;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export class PairTable {
  /** Number of pairs. */
  size = 0;
  private mask = 63;
  private slots: Int32Array = new Int32Array(64).fill(EMPTY);
  private hashes: Int32Array = new Int32Array(16);
  private groups: Int32Array = new Int32Array(16);
  private starts: Int32Array = new Int32Array(16);
  private ends: Int32Array = new Int32Array(16);
  private arena: Uint8Array = new Uint8Array(1024);
  private used = 0;

  /** Adds (group, src[start, end)); whether it is new. */
  add(group: number, src: Uint8Array, start: number, end: number): boolean {
    let h = Math.imul((FNV_OFFSET | 0) ^ group, FNV_PRIME);
    for (let i = start; i < end; i++) h = Math.imul(h ^ src[i]!, FNV_PRIME);
    const length = end - start;
    let slot = h & this.mask;
    for (;;) {
      const p = this.slots[slot]!;
      if (p === EMPTY) break;
      if (
        this.hashes[p] === h &&
        this.groups[p] === group &&
        this.ends[p]! - this.starts[p]! === length &&
        this.equals(p, src, start, length)
      )
        return false;
      slot = (slot + 1) & this.mask;
    }
    this.insert(h, slot, group, src, start, end);
    return true;
  }

  private equals(p: number, src: Uint8Array, start: number, length: number): boolean {
    const arena = this.arena;
    const at = this.starts[p]!;
    for (let i = 0; i < length; i++) if (arena[at + i] !== src[start + i]) return false;
    return true;
  }

  private insert(h: number, slot: number, group: number, src: Uint8Array, start: number, end: number): void {
    const p = this.size++;
    if (p === this.hashes.length) {
      this.hashes = grow(this.hashes);
      this.groups = grow(this.groups);
      this.starts = grow(this.starts);
      this.ends = grow(this.ends);
    }
    const length = end - start;
    if (this.used + length > this.arena.length) {
      const bigger = new Uint8Array(Math.max(this.arena.length * 2, this.used + length));
      bigger.set(this.arena.subarray(0, this.used));
      this.arena = bigger;
    }
    for (let i = 0; i < length; i++) this.arena[this.used + i] = src[start + i]!;
    this.hashes[p] = h;
    this.groups[p] = group;
    this.starts[p] = this.used;
    this.ends[p] = this.used + length;
    this.used += length;
    this.slots[slot] = p;
    // Keep the load factor under 1/2 so probes stay short.
    if (this.size * 2 > this.slots.length) this.rehash();
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(EMPTY);
    this.mask = this.slots.length - 1;
    for (let p = 0; p < this.size; p++) {
      let slot = this.hashes[p]! & this.mask;
      while (this.slots[slot] !== EMPTY) slot = (slot + 1) & this.mask;
      this.slots[slot] = p;
    }
  }
}

function grow(a: Int32Array): Int32Array {
  const bigger = new Int32Array(a.length * 2);
  bigger.set(a);
  return bigger;
}
