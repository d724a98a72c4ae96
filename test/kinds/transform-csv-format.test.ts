/**
 * CSV output is formatted with @fast-csv/format's own field rules (called per field, without its
 * stream) or written as bytes by the same rules (csv-line.ts): for random values (quotes,
 * delimiters, CR/LF, pipes, NUL, unicode and lone surrogates, every number form, booleans, empty,
 * null, undefined, objects with a toString) the bytes equal fast-csv's writeToBuffer output. This
 * also catches a fast-csv upgrade that changes its internals.
 */
import { writeToBuffer } from '@fast-csv/format';
import { expect, test } from 'vitest';
import { csvLine, OutputEncoder } from '../../src/kinds/output/encoder.ts';

const PIECES = ['a', 'b c', ',', '"', '""', '\n', '\r\n', '\r', '|', 'é', '😀', ' ', '0', '-1.5', "'", ';', '\t'];

function rng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

test('random rows: the same bytes as fast-csv writeToBuffer', async () => {
  const random = rng(7);
  const rows: unknown[][] = [];
  for (let r = 0; r < 500; r++) {
    const width = 1 + Math.floor(random() * 5);
    rows.push(
      Array.from({ length: width }, () => {
        const pick = random();
        if (pick < 0.05) return null;
        if (pick < 0.1) return Math.round(random() * 1e6) / 100;
        if (pick < 0.15) return '';
        return Array.from(
          { length: 1 + Math.floor(random() * 4) },
          () => PIECES[Math.floor(random() * PIECES.length)],
        ).join('');
      }),
    );
  }
  const encoder = new OutputEncoder('csv', undefined);
  for (const row of rows) encoder.emit(row);
  const ours = Buffer.from(encoder.finish()).toString();
  const theirs = (await writeToBuffer(rows as string[][], { includeEndRowDelimiter: true })).toString();
  expect(ours).toBe(theirs);
});

test('every value kind, as bytes or through the formatter: the bytes of fast-csv writeToBuffer', async () => {
  const random = rng(11);
  const odd = ['\u0000', 'a\u0000,b', '\ud800', 'x\udfff', '\ud83d\ude00', '\u2028', '\uffff', '"\u0000"'];
  const scalars: unknown[] = [0, -0, 1.5, 1e21, 1e-7, NaN, Infinity, -Infinity, true, false, null, undefined, ''];
  // No array values: fast-csv's row API reads a row holding arrays as [header, value] pairs.
  const objects: unknown[] = [{ toString: () => 'x,y' }, { toString: () => 'a"b' }, new Date(0)];
  const rows: unknown[][] = [];
  for (let r = 0; r < 2000; r++) {
    rows.push(
      Array.from({ length: 1 + Math.floor(random() * 6) }, () => {
        const pick = random();
        if (pick < 0.2) return scalars[Math.floor(random() * scalars.length)];
        if (pick < 0.3) return odd[Math.floor(random() * odd.length)];
        if (pick < 0.33) return objects[Math.floor(random() * objects.length)];
        return Array.from(
          { length: Math.floor(random() * 4) },
          () => PIECES[Math.floor(random() * PIECES.length)],
        ).join('');
      }),
    );
  }
  const encoder = new OutputEncoder('csv', undefined);
  for (const row of rows) encoder.emit([row]);
  const ours = Buffer.from(encoder.finish());
  const theirs = await writeToBuffer(rows as string[][], { includeEndRowDelimiter: true });
  expect(ours.equals(theirs)).toBe(true);
  // An object row in its keys' order takes the same path as its values.
  const objectRows = rows.map((row) => Object.fromEntries(row.map((v, i) => [`c${i}`, v])));
  const byObject = new OutputEncoder('csv', ['c0', 'c1', 'c2']);
  for (const row of objectRows) byObject.emit(row);
  const picked = rows.map((row) => [row[0], row[1], row[2]]);
  const reference = await writeToBuffer(picked as string[][], { includeEndRowDelimiter: true });
  expect(Buffer.from(byObject.finish()).equals(reference)).toBe(true);
});

test('a symbol value fails as fast-csv fails on it', () => {
  const encoder = new OutputEncoder('csv', undefined);
  expect(() => encoder.emit(['a', Symbol('s')])).toThrow(TypeError);
});

test('a header line quotes like fast-csv headers', async () => {
  const names = ['plain', 'with,comma', 'with "quote"'];
  expect(csvLine(names, true)).toBe((await writeToBuffer([names], { includeEndRowDelimiter: true })).toString());
});

test('object rows: values by the first row keys, in any key order; a different key set is an error', () => {
  const encoder = new OutputEncoder('csv', undefined);
  encoder.emit({ a: 1, b: 'x' });
  encoder.emit({ b: 'y', a: 2 });
  expect(encoder.keys).toEqual(['a', 'b']);
  expect(Buffer.from(encoder.finish()).toString()).toBe('1,x\n2,y\n');
  expect(() => encoder.emit({ a: 3 })).toThrow(
    /an output row has the keys \["a"\], but the first output row had \["a","b"\]/,
  );
});

test('declared columns pick and order values; missing ones are empty', () => {
  const encoder = new OutputEncoder('csv', ['b', 'a']);
  encoder.emit([{ a: 1, b: 2, c: 3 }, { a: 4 }]);
  expect(Buffer.from(encoder.finish()).toString()).toBe('2,1\n,4\n');
});
