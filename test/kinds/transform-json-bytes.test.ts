/**
 * A transform's object and array rows are written to NDJSON / JSON as bytes (json-row.ts, with
 * a writer compiled per object shape, json-shape.ts), and those bytes are JSON.stringify's, as
 * UTF-8: for random rows of every value kind (escapes, lone surrogates, every number form, values
 * JSON leaves out, nested values, toJSON), many shapes, and with code generation disallowed.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { OutputEncoder } from '../../src/kinds/output/encoder.ts';
import { rng } from '../helpers/random-csv.ts';

const PIECES = ['a', 'Zürich', '東京', '😀', '"', '\\', '\n', '\r', '\t', '\b', '\f', '\u0000', '\u001f', '\u007f'];
const ODD = ['\ud800', '\udfff', '\u2028', '\u2029', '\ud83d', 'x\ude00', '\uffff', '</script>'];
const NUMBERS = [
  0,
  -0,
  1,
  -1.5,
  5265.92,
  1e21,
  1e-7,
  123456789012345680000,
  2 ** 53 + 2,
  5e-324,
  NaN,
  Infinity,
  -Infinity,
];

function randomValue(random: () => number, depth = 0): unknown {
  const pick = random();
  if (pick < 0.45) {
    return Array.from({ length: Math.floor(random() * 5) }, () => {
      const r = random();
      return r < 0.1 ? ODD[Math.floor(random() * ODD.length)] : PIECES[Math.floor(random() * PIECES.length)];
    }).join('');
  }
  if (pick < 0.6) return NUMBERS[Math.floor(random() * NUMBERS.length)];
  if (pick < 0.65) return random() < 0.5;
  if (pick < 0.7) return null;
  if (pick < 0.74) return undefined;
  if (pick < 0.76) return Symbol('s');
  if (pick < 0.78) return () => 1;
  if (pick < 0.8) return new Date(Date.UTC(2024, 0, 1 + Math.floor(random() * 300)));
  if (pick < 0.84 && depth < 2) return { inner: randomValue(random, depth + 1), n: 1 };
  if (pick < 0.88 && depth < 2) return [randomValue(random, depth + 1), 'x'];
  return 'plain';
}

/** Rows of a few shapes (as transforms return them), some of many shapes, some arrays. */
function randomRows(seed: number, count: number): object[] {
  const random = rng(seed);
  const shapes = [
    ['order_id', 'date', 'region', 'note'],
    ['a', 'b'],
    ['é', 'with "quote"', 'back\\slash', '2', '10', '1'],
    ['__proto__', 'constructor', 'toString'],
    [],
  ];
  const rows: object[] = [];
  for (let r = 0; r < count; r++) {
    const kind = random();
    if (kind < 0.1) {
      rows.push(Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random)));
      continue;
    }
    const keys = kind < 0.2 ? [`k${Math.floor(random() * 200)}`, 'v'] : shapes[Math.floor(random() * shapes.length)]!;
    const row = kind < 0.25 ? (Object.create(null) as Record<string, unknown>) : {};
    // defineProperty: a "__proto__" key is an own key, as JSON.parse makes it.
    for (const k of keys) Object.defineProperty(row, k, { value: randomValue(random), enumerable: true });
    rows.push(row);
  }
  return rows;
}

function encoded(format: 'ndjson' | 'json', rows: object[]): string {
  const encoder = new OutputEncoder(format, undefined);
  // Each row in an array of rows: an array row whose first value is an object would be read as rows.
  for (const row of rows) encoder.emit([row]);
  return Buffer.from(encoder.finish()).toString('utf8');
}

function stringified(format: 'ndjson' | 'json', rows: object[]): string {
  return rows.map((r) => (format === 'json' ? `,\n${JSON.stringify(r)}` : `${JSON.stringify(r)}\n`)).join('');
}

test.each(['ndjson', 'json'] as const)('random rows: the bytes of JSON.stringify (%s)', (format) => {
  for (const seed of [1, 2, 3]) {
    const rows = randomRows(seed, 3000);
    expect(encoded(format, rows)).toBe(stringified(format, rows));
  }
});

test('rows JSON.stringify treats apart: toJSON, class instances, a toJSON on the prototype', () => {
  class Point {
    constructor(
      readonly x: number,
      readonly y: number,
    ) {}
  }
  const rows: object[] = [
    { a: 1, toJSON: () => ({ replaced: true }) },
    new Point(1, 2),
    { when: new Date(0), list: [1, undefined, () => 0], nested: { deep: { x: 'é' } } },
    Object.assign(Object.create({ inherited: 1 }) as object, { own: 2 }),
    [undefined, Symbol('x'), NaN, -0],
    Object.assign([1, 2], { extra: 'not written' }),
  ];
  expect(encoded('ndjson', rows)).toBe(stringified('ndjson', rows));
  // A toJSON every plain object inherits: JSON.stringify calls it, so the rows are not written key by key.
  Object.defineProperty(Object.prototype, 'toJSON', {
    value(this: Record<string, unknown>) {
      return { via: 'toJSON', keys: Object.keys(this).length };
    },
    configurable: true,
  });
  try {
    const plain = [{ a: 1 }, { a: 2 }, { b: 'x', c: null }];
    expect(encoded('ndjson', plain)).toBe(stringified('ndjson', plain));
    expect(encoded('ndjson', plain)).toContain('"via":"toJSON"');
  } finally {
    delete (Object.prototype as { toJSON?: unknown }).toJSON;
  }
});

test('each value is read once, also when the row falls back to JSON.stringify', () => {
  let reads = 0;
  const row = {
    get counted() {
      reads++;
      return `read ${reads}`;
    },
    nested: { a: 1 }, // a value only JSON.stringify writes
  };
  const plain = {
    get counted() {
      reads++;
      return `read ${reads}`;
    },
  };
  expect(encoded('ndjson', [row, plain])).toBe('{"counted":"read 1","nested":{"a":1}}\n{"counted":"read 2"}\n');
  expect(reads).toBe(2);
});

test('values JSON cannot write keep the error JSON.stringify gives', () => {
  const cycle: Record<string, unknown> = { a: 1 };
  cycle.self = cycle;
  for (const row of [{ big: 1n }, cycle]) {
    expect(() => encoded('ndjson', [row])).toThrow(/^an output row cannot be written as JSON: /);
    try {
      JSON.stringify(row);
    } catch (e) {
      expect(() => encoded('ndjson', [row])).toThrow((e as Error).message);
    }
  }
});

test('with code generation disallowed, the same bytes (the loop writes every shape)', () => {
  const rows = randomRows(9, 500).filter((r) => !Array.isArray(r));
  const encoderUrl = new URL('../../dist/kinds/output/encoder.js', import.meta.url).href;
  // A fresh process over the built module: the flag must be on before any shape is seen.
  const script = `
    import { OutputEncoder } from ${JSON.stringify(encoderUrl)};
    const rows = JSON.parse(process.argv[1]);
    const e = new OutputEncoder('ndjson', undefined);
    for (const r of rows) e.emit(r);
    process.stdout.write(Buffer.from(e.finish()));
    let refused = false;
    try { new Function('return 1'); } catch { refused = true; }
    process.stderr.write(String(refused));
  `;
  const json = JSON.stringify(rows);
  const child = spawnSync(
    process.execPath,
    ['--disallow-code-generation-from-strings', '--input-type=module', '-e', script, json],
    { cwd: fileURLToPath(new URL('../..', import.meta.url)), encoding: 'utf8' },
  );
  expect(child.stderr).toBe('true'); // the flag took: new Function threw
  expect(child.stdout).toBe(stringified('ndjson', JSON.parse(json) as object[]));
});
