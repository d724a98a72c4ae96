/**
 * An object row's shape (its key list) and the JSON writer compiled for it. Transforms return
 * rows of one or a few shapes, so each shape's writer is generated once: named property loads
 * (monomorphic, where a loop over the keys does megamorphic keyed loads), its `"key":` bytes as
 * constant stores, and the string case, the common one, tested inline. On a select-like transform's rows: 294 ns a row against 582 for a loop over
 * the keys and 748 for JSON.stringify alone (7 string values, micro-benchmark).
 *
 * The generated source holds the keys only as JSON string literals (valid JavaScript string
 * literals) and bytes as numbers: no key can make it run anything. Where code generation is
 * disallowed (node --disallow-code-generation-from-strings), shapes are not compiled and rows
 * take the loop (json-row.ts); the bytes are the same.
 */
import { valueBound, writeJsonString, writeValue } from './json-value.js';

export interface Shape {
  readonly keys: readonly string[];
  /** `"key":` in UTF-8 per key, the loop's (json-row.ts). */
  readonly keyBytes: readonly Uint8Array[];
  /** Bytes of the keys, braces and commas. */
  readonly fixedBytes: number;
  /**
   * Reads each key's value into `values` once, in key order; returns the most bytes `write`
   * takes, or -1 when a value is one it does not write (see valueBound). Null: not compiled.
   */
  readonly load: ((row: object, values: unknown[]) => number) | null;
  /** Writes the values `load` read, as `{"k":v,...}`, at out[at]; returns the end. */
  readonly write: ((out: Uint8Array, at: number, values: readonly unknown[]) => number) | null;
}

/** Shapes kept per thread: rows whose keys vary beyond this are written by the loop. */
const MAX_SHAPES = 64;
/** Larger shapes are not compiled (the generated function would be too big to pay off). */
const MAX_COMPILED_KEYS = 256;
const MAX_UNROLLED_KEY_BYTES = 32;

export class ShapeCache {
  private last: Shape | null = null;
  private readonly shapes = new Map<string, Shape>();
  private codegen = true;

  /** The shape of `keys` (Object.keys of a row). */
  get(keys: readonly string[]): Shape {
    const last = this.last;
    if (last !== null && sameKeys(keys, last.keys)) return last;
    const signature = JSON.stringify(keys);
    let shape = this.shapes.get(signature);
    if (shape === undefined) {
      shape = this.make(keys);
      if (this.shapes.size < MAX_SHAPES) this.shapes.set(signature, shape);
    }
    this.last = shape;
    return shape;
  }

  private make(keys: readonly string[]): Shape {
    const keyBytes = keys.map((k) => Buffer.from(`${JSON.stringify(k)}:`, 'utf8'));
    const fixedBytes = keyBytes.reduce((n, b) => n + b.length + 1, 2);
    let compiled: Pick<Shape, 'load' | 'write'> = { load: null, write: null };
    if (this.codegen && keys.length <= MAX_COMPILED_KEYS && this.shapes.size < MAX_SHAPES) {
      try {
        compiled = compile(keys, keyBytes, fixedBytes);
      } catch (e) {
        if (!(e instanceof EvalError)) throw e;
        this.codegen = false;
      }
    }
    return { keys: [...keys], keyBytes, fixedBytes, ...compiled };
  }
}

function compile(
  keys: readonly string[],
  keyBytes: readonly Uint8Array[],
  fixedBytes: number,
): Pick<Shape, 'load' | 'write'> {
  const n = keys.length;
  const load: string[] = [];
  const bounds: string[] = [];
  for (let i = 0; i < n; i++) {
    load.push(
      `const v${i} = row[${JSON.stringify(keys[i])}]; values[${i}] = v${i}; const b${i} = typeof v${i} === 'string' ? 6 * v${i}.length + 2 : bound(v${i});`,
    );
    bounds.push(`b${i}`);
  }
  const loadSource = `return function load(row, values) {
${load.join('\n')}
if (${bounds.length === 0 ? 'false' : bounds.map((b) => `${b} < 0`).join(' || ')}) return -1;
return ${[String(fixedBytes), ...bounds].join(' + ')};
}`;
  const write: string[] = [];
  const longKeys: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const bytes = [i === 0 ? 0x7b : 0x2c, ...keyBytes[i]!]; // { or , then "key":
    if (bytes.length <= MAX_UNROLLED_KEY_BYTES) write.push(bytes.map((b) => `out[n++] = ${b};`).join(' '));
    else {
      longKeys.push(Uint8Array.from(bytes));
      write.push(`{ const k = longKeys[${longKeys.length - 1}]; for (let j = 0; j < k.length; j++) out[n++] = k[j]; }`);
    }
    write.push(`{ const v = values[${i}]; n = typeof v === 'string' ? string(out, n, v) : value(out, n, v); }`);
  }
  const writeSource = `return function write(out, at, values) {
let n = at;
${n === 0 ? 'out[n++] = 0x7b;' : write.join('\n')}
out[n++] = 0x7d;
return n;
}`;
  return {
    load: new Function('bound', loadSource)(valueBound) as Shape['load'],
    write: new Function('value', 'string', 'longKeys', writeSource)(
      writeValue,
      writeJsonString,
      longKeys,
    ) as Shape['write'],
  };
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  // Object.keys of objects of one shape gives the same internalised strings: a pointer compare each.
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
