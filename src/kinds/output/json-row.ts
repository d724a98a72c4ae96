/**
 * A transform's output row written as JSON straight into bytes: exactly the UTF-8 bytes of
 * JSON.stringify(row), without the string (JSON.stringify, the row's string concatenations and
 * the UTF-8 write of the text took 40% of a select-like transform to NDJSON in a profile).
 *
 * The path covers the rows transforms return, a plain object or array whose values are
 * primitives; `prepare` says "no" (-1) for the rest, and the caller writes JSON.stringify's text:
 *   - the row: a plain object (prototype Object.prototype or null) or an array (Array.prototype),
 *     with no callable `toJSON` (looked up once, as JSON.stringify does, before anything else);
 *   - values: strings, numbers, booleans, null (json-value.ts); undefined and symbols are left
 *     out of objects and null in arrays, as JSON.stringify does. Objects, functions and BigInts
 *     (toJSON, nesting, a TypeError) are JSON.stringify's.
 * JSON.stringify reads toJSON, then the own enumerable keys (Object.keys), then each value once;
 * `prepare` reads them in the same order, and each only once: when a value is one it does not
 * write, the caller stringifies `copy()` (the same keys and values, read already), so a getter
 * runs once either way.
 *
 * Object rows of a shape seen before are written by the writer compiled for it (json-shape.ts);
 * a row with a value that writer does not take (undefined, say), arrays, and shapes past the
 * cache take the loop here. Both write the same bytes.
 */
import { ShapeCache, type Shape } from './json-shape.js';
import { valueBound, writeNull, writeValue } from './json-value.js';

/**
 * One per thread, shared by every chunk's writer: a compiled writer is new code, which V8 runs
 * unoptimised until it is hot again, so compiling per chunk would start each chunk cold (and
 * compile the same source once per chunk).
 */
const shapes = new ShapeCache();

/** How write() writes a value that prepare() read (the loop). */
const SKIP = 0;
const VALUE = 1;
const NULL = 2;

export class JsonRowWriter {
  private readonly values: unknown[] = [];
  private kinds = new Uint8Array(16);
  /** Values read for the prepared row; -1: none. */
  private length = -1;
  private isArray = false;
  /** The prepared object row's shape (null for arrays). */
  private shape: Shape | null = null;
  /** Whether the shape's compiled writer takes the prepared row. */
  private compiled = false;

  /**
   * Reads `row` and returns the most bytes write() will take, or -1: write JSON.stringify(row)
   * instead when nothing was read (`copy()` is null), else JSON.stringify(copy()).
   */
  prepare(row: object): number {
    this.length = -1;
    this.compiled = false;
    const proto = Object.getPrototypeOf(row) as unknown;
    const isArray = Array.isArray(row);
    if (isArray ? proto !== Array.prototype : proto !== Object.prototype && proto !== null) return -1;
    if (typeof (row as { toJSON?: unknown }).toJSON === 'function') return -1;
    this.isArray = isArray;
    let n: number;
    let bound: number;
    if (isArray) {
      this.shape = null;
      n = (row as unknown[]).length;
      for (let i = 0; i < n; i++) this.values[i] = (row as unknown[])[i];
      bound = 2 + n;
    } else {
      const shape = shapes.get(Object.keys(row));
      this.shape = shape;
      n = shape.keys.length;
      if (shape.load !== null) {
        bound = shape.load(row, this.values);
        this.length = n;
        if (bound >= 0) {
          this.compiled = true;
          return bound;
        }
      } else {
        for (let i = 0; i < n; i++) this.values[i] = (row as Record<string, unknown>)[shape.keys[i]!];
      }
      bound = shape.fixedBytes;
    }
    this.length = n;
    return this.classify(n, bound);
  }

  /** The loop's part of prepare(): how each value read is written, and the bound; -1 if one is not. */
  private classify(n: number, fixed: number): number {
    if (n > this.kinds.length) this.kinds = new Uint8Array(Math.max(n, 2 * this.kinds.length));
    const { values, kinds } = this;
    let bound = fixed;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      const b = valueBound(v);
      if (b >= 0) {
        kinds[i] = VALUE;
        bound += b;
      } else if (v === undefined || typeof v === 'symbol') {
        kinds[i] = this.isArray ? NULL : SKIP;
        bound += 4;
      } else return -1;
    }
    return bound;
  }

  /** The prepared row as a new object (or array) of the values read, for JSON.stringify; null if none were read. */
  copy(): object | null {
    const n = this.length;
    if (n < 0) return null;
    const values = this.values.slice(0, n);
    this.values.fill(undefined, 0, n);
    if (this.isArray) return values;
    // fromEntries defines properties: a "__proto__" key stays a key, as in the row.
    return Object.fromEntries(this.shape!.keys.map((k, i) => [k, values[i]]));
  }

  /** Writes the prepared row at out[at] (prepare()'s bound fits); returns the end. */
  write(out: Uint8Array, at: number): number {
    const { values, kinds, isArray, shape } = this;
    if (this.compiled) return shape!.write!(out, at, values);
    let n = at;
    out[n++] = isArray ? 0x5b : 0x7b; // [ {
    let first = true;
    for (let i = 0; i < this.length; i++) {
      const kind = kinds[i]!;
      if (kind === SKIP) continue;
      if (!first) out[n++] = 0x2c;
      first = false;
      if (!isArray) {
        const key = shape!.keyBytes[i]!;
        // A byte loop: keys are a few bytes, where TypedArray.set costs a call each.
        for (let j = 0; j < key.length; j++) out[n++] = key[j]!;
      }
      n = kind === NULL ? writeNull(out, n) : writeValue(out, n, values[i]);
    }
    out[n++] = isArray ? 0x5d : 0x7d; // ] }
    return n;
  }
}
