/**
 * The built-in select transform writes rows straight from the input bytes
 * (src/kinds/output/record-bytes.ts); the bytes must equal what its transform() gives through the
 * general encoder (the same module run as an unrecognised copy, fixtures/tasks/select-generic.mjs):
 * random fields with quotes, doubled quotes, CR/LF, `|`, `\`, control bytes, NUL and multi-byte
 * UTF-8, to CSV, NDJSON and JSON, all columns or a --select, and the same error for bytes that
 * are not UTF-8.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { processSerial, selectTransform } from 'chunkmill';
import { FieldSlots } from '../../src/csv/scanner.ts';
import { selectPlan } from '../../src/kinds/builtin/select-plan.ts';
import { csvLine, OutputEncoder } from '../../src/kinds/output/encoder.ts';
import { rejectionOf } from '../helpers/errors.ts';
import { rng } from '../helpers/random-csv.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const generic = new URL('../../fixtures/tasks/select-generic.mjs', import.meta.url).href;
const PIECES = [
  'a',
  'Zz',
  ' ',
  ',',
  '"',
  '""',
  '\n',
  '\r\n',
  '\r',
  '|',
  '\\',
  '\t',
  '\u0001',
  '\u001f',
  'é',
  '東京',
  '😀',
  '\u2028',
  '7.5',
  '/',
];

function field(random: () => number): string {
  let s = '';
  const n = Math.floor(random() * 5);
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(random() * PIECES.length)];
  return s;
}

/** A CSV file of random fields, quoted where a field needs it (or at random). */
function randomFile(name: string, seed: number, header: string[]): string {
  const random = rng(seed);
  const lines = [header.join(',')];
  for (let r = 0; r < 400; r++) {
    const cells = header.map(() => {
      const f = field(random);
      return /[",\r\n]/.test(f) || random() < 0.2 ? `"${f.replaceAll('"', '""')}"` : f;
    });
    lines.push(cells.join(','));
  }
  const path = `${tmp.dir}/${name}.csv`;
  writeFileSync(path, lines.join(random() < 0.5 ? '\n' : '\r\n') + '\n');
  return path;
}

async function both(input: string, params: Record<string, unknown>, format: 'csv' | 'ndjson' | 'json') {
  const out = async (transform: string, label: string) => {
    const path = `${tmp.dir}/${label}.${format}`;
    await processSerial({ input, transform, params, output: { path, format } });
    return readFileSync(path);
  };
  return { fast: await out(selectTransform, 'fast'), slow: await out(generic, 'slow') };
}

test.each(['csv', 'ndjson', 'json'] as const)('random fields to %s: the same bytes as transform()', async (format) => {
  const input = randomFile(`random-${format}`, 11, ['k', 'v', 'note', 't']);
  const to = format;
  for (const select of [undefined, ['t', 'k'], ['note']]) {
    const params = select === undefined ? { to } : { to, select };
    const { fast, slow } = await both(input, params, format);
    expect(fast.length).toBeGreaterThan(1000);
    expect(fast.equals(slow), `select ${JSON.stringify(select)}`).toBe(true);
  }
});

test('another delimiter, and unquoted records with |, a backslash and multi-byte text: the same CSV bytes', async () => {
  const rows = ['k;v;w', 'a;b;c', 'x|y;é;z', 'p;q\\r;s', '東京;t u;😀', '1;"2;3";4', ';;'];
  for (const [delimiter, name] of [
    [';', 'semicolon'],
    ['\t', 'tab'],
    [',', 'comma'],
  ] as const) {
    const input = `${tmp.dir}/delim-${name}.csv`;
    writeFileSync(input, `${rows.map((r) => r.replaceAll(';', delimiter)).join('\n')}\n`);
    const out = async (transform: string, label: string) => {
      const path = `${tmp.dir}/delim-${name}-${label}.csv`;
      await processSerial({
        input,
        csv: { delimiter },
        transform,
        params: { to: 'csv' },
        output: { path, format: 'csv' },
      });
      return readFileSync(path, 'utf8');
    };
    const fast = await out(selectTransform, 'fast');
    expect(fast).toBe(await out(generic, 'slow'));
    expect(fast.split('\n')[1]).toBe('a,b,c');
  }
  // One column: no separator between fields tells a quoted field, and its comma must stay quoted.
  const single = `${tmp.dir}/single.csv`;
  writeFileSync(single, 'only\n"a,b"\nplain\n"x|y"\n"q""r"\n');
  const path = `${tmp.dir}/single.out.csv`;
  await processSerial({
    input: single,
    transform: selectTransform,
    params: { to: 'csv' },
    output: { path, format: 'csv' },
  });
  expect(readFileSync(path, 'utf8')).toBe('only\n"a,b"\nplain\n"x|y"\n"q""r"\n');
});

test('bytes that are not UTF-8: the same error at the same place', async () => {
  const input = `${tmp.dir}/bad-utf8.csv`;
  writeFileSync(input, Buffer.concat([Buffer.from('a,b\nx,é\ny,"q""'), Buffer.from([0xff, 0x41]), Buffer.from('"\n')]));
  // And in an unquoted record, where CSV output copies whole records.
  const unquoted = `${tmp.dir}/bad-utf8-unquoted.csv`;
  writeFileSync(unquoted, Buffer.concat([Buffer.from('a,b\nx,é\ny,q'), Buffer.from([0xff, 0x41]), Buffer.from('\n')]));
  for (const format of ['csv', 'ndjson'] as const) {
    const run = (transform: string) =>
      rejectionOf(
        processSerial({
          input: unquoted,
          transform,
          params: { to: format },
          output: { path: `${tmp.dir}/e.${format}`, format },
        }),
      );
    const [fast, slow] = [await run(selectTransform), await run(generic)];
    expect(fast.code).toBe('ERR_CSV_INVALID_UTF8');
    expect(fast.toData()).toEqual(slow.toData());
  }
  for (const format of ['csv', 'ndjson'] as const) {
    const run = (transform: string) =>
      rejectionOf(
        processSerial({ input, transform, params: { to: format }, output: { path: `${tmp.dir}/e.${format}`, format } }),
      );
    const [fast, slow] = [await run(selectTransform), await run(generic)];
    expect(fast.code).toBe('ERR_CSV_INVALID_UTF8');
    expect(fast.toData()).toEqual(slow.toData());
  }
});

test('the byte path is taken for plain selects and left for what it cannot promise', () => {
  const cols = ['a', 'b', 'c'];
  expect(selectPlan({ to: 'ndjson' }, cols, 'ndjson', '"')).not.toBeNull();
  expect(selectPlan({ to: 'csv', select: ['c', 'a', 'c'] }, cols, 'csv', '"')?.fields).toEqual(
    Int32Array.from([2, 0, 2]),
  );
  expect(selectPlan({ to: 'json', select: ['c', 'a'] }, cols, 'json', '"')).not.toBeNull();
  // Arrays to JSON, duplicate names, integer-like names out of order: transform() runs.
  expect(selectPlan({ to: 'csv' }, cols, 'ndjson', '"')).toBeNull();
  expect(selectPlan({ to: 'ndjson' }, ['a', 'b', 'a'], 'ndjson', '"')).toBeNull();
  expect(selectPlan({ to: 'ndjson' }, ['x', '2', '1'], 'ndjson', '"')).toBeNull();
  expect(selectPlan({ to: 'ndjson' }, ['1', '2', '10'], 'ndjson', '"')).not.toBeNull();
});

test('NUL bytes (which the input sniffer refuses near the start of a file): dropped from CSV, \\u0000 in JSON', () => {
  const buf = Buffer.from('a\0b,|\0');
  const slots = new FieldSlots(2);
  slots.starts.set([0, 4]);
  slots.ends.set([3, 6]);
  for (const format of ['csv', 'ndjson'] as const) {
    const plan = selectPlan({ to: format }, ['x', 'y'], format, '"')!;
    const encoder = new OutputEncoder(format, undefined);
    expect(encoder.addRecord(buf, slots, plan)).toBe(-1);
    const want = format === 'csv' ? csvLine(['a\0b', '|\0']) : `${JSON.stringify({ x: 'a\0b', y: '|\0' })}\n`;
    expect(Buffer.from(encoder.finish()).toString()).toBe(want);
  }
});

test('multi-byte UTF-8 is written by the byte path itself, in CSV and JSON', () => {
  const buf = Buffer.from('Zürich,東京 😀,"a""é"');
  const slots = new FieldSlots(3);
  slots.starts.set([0, 8, 21]);
  slots.ends.set([7, 19, 26]);
  slots.quoted.set([0, 0, 2]);
  for (const format of ['csv', 'ndjson'] as const) {
    const plan = selectPlan({ to: format }, ['x', 'y', 'z'], format, '"')!;
    const encoder = new OutputEncoder(format, undefined);
    expect(encoder.addRecord(buf, slots, plan)).toBe(-1); // -1: written, no fallback to transform()
    const values = ['Zürich', '東京 😀', 'a"é'];
    const want =
      format === 'csv' ? csvLine(values) : `${JSON.stringify({ x: values[0], y: values[1], z: values[2] })}\n`;
    expect(Buffer.from(encoder.finish()).toString()).toBe(want);
  }
});

test('typed values (convert --types) are left to transform()', () => {
  expect(selectPlan({ to: 'ndjson', types: true }, ['a'], 'ndjson', '"')).toBeNull();
});
