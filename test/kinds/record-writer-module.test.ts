/**
 * The built-in select's records to NDJSON, JSON and CSV are written by the WebAssembly module's
 * record writer (wasm/write-record.ts) where the record loop read them (the thread's block, the
 * module's slots), and by the JavaScript writer (record-bytes.ts, which
 * transform-select-bytes.test.ts holds to transform()'s bytes) everywhere else: the two must write
 * the same bytes. Long values (the writer's sixteen-byte steps) with an escape, a quote, a `|` or
 * UTF-8 at every offset, unquoted or quoted, doubled quotes under another quote byte, bytes that
 * are not UTF-8, records the state machine takes (a bare quote) between the module's, more output
 * than the module's area holds, and one value larger than the area.
 */
import { expect, test } from 'vitest';
import { classTable, FieldSlots, ScanResult, ScanStatus, scanRecords, type RecordSink } from '../../src/csv/scanner.ts';
import { blockBuffer, WRITER_OUT_BYTES, wasmScan } from '../../src/csv/wasm-scan.ts';
import { selectPlan } from '../../src/kinds/builtin/select-plan.ts';
import { OutputEncoder } from '../../src/kinds/output/encoder.ts';
import { rng } from '../helpers/random-csv.ts';

const SPECIALS = ['"', '\\', '\t', '\n', '\u0001', '\u001f', 'é', '東京', '😀', '\u2028'];
/** What an unquoted field may hold: a CSV line copies all of them as they are but `|`. */
const UNQUOTED = ['|', '\\', '\t', '\u0001', 'é', '東京', '😀', ';', '~'];

/** A value of `length` ASCII letters with `special` at `at` (or none). */
function value(length: number, at: number, special: string | null): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(Math.ceil(length / 36)).slice(0, length);
  return special === null ? letters : letters.slice(0, at) + special + letters.slice(at);
}

function file(quote: string, random: () => number): Buffer {
  const lines = ['k,long,v'];
  for (let r = 0; r < 6000; r++) {
    if (r % 97 === 50) {
      lines.push(`x5'11"${r},bare,${r}`); // a bare quote (under '"'): the state machine's record
      continue;
    }
    const bare = random() < 0.5; // an unquoted field with a byte of its own
    const special = random() < 0.6 ? (bare ? UNQUOTED : SPECIALS)[r % (bare ? UNQUOTED : SPECIALS).length]! : null;
    const long = value(16 + (r % 70), r % 40, special);
    const quoted = (special !== null && !bare) || random() < 0.2;
    const field = quoted ? `${quote}${long.replaceAll(quote, quote + quote)}${quote}` : long;
    lines.push(`k${r},${field},${r % 2 ? '' : `${quote}${quote}${quote}${quote}`}`);
  }
  // One value larger than the module's area: the JavaScript writer takes its record.
  lines.push(`big,${'y'.repeat(WRITER_OUT_BYTES + 1000)},1`);
  lines.push('last,"z"" \u00e9",2');
  return Buffer.from(`${lines.join('\n')}\n`);
}

/** The records of `text` through the select's encoder, from the block (module) or a plain buffer. */
function encode(text: Buffer, inModule: boolean, format: 'ndjson' | 'json' | 'csv', quote: string) {
  const buf = inModule ? blockBuffer(text.length + 64) : Buffer.alloc(text.length + 64);
  text.copy(buf);
  const plan = selectPlan({ to: format }, ['k', 'long', 'v'], format, quote)!;
  const encoder = new OutputEncoder(format, undefined);
  let byModule = 0;
  const sink: RecordSink = {
    record(b: Uint8Array, slots: FieldSlots) {
      if (inModule && wasmScan()!.holdsSlots(slots)) byModule++;
      expect(encoder.addRecord(b, slots, plan)).toBe(-1);
      return true;
    },
  };
  expect(scanAfterHeader(buf, text, quote, sink)).toBe(ScanStatus.Eof);
  return { bytes: Buffer.from(encoder.finish()), byModule };
}

/** scanRecords over the records of `text` (in `buf`) after its header line. */
function scanAfterHeader(buf: Uint8Array, text: Buffer, quote: string, sink: RecordSink): ScanStatus {
  const dialect = { delimiter: 44, quote: quote.charCodeAt(0) };
  const start = text.indexOf('\n') + 1;
  const slots = new FieldSlots(3);
  return scanRecords(
    buf,
    start,
    text.length,
    Infinity,
    true,
    dialect,
    classTable(dialect),
    slots,
    sink,
    new ScanResult(),
  ).status;
}

test.each([
  ['ndjson', '"'],
  ['json', '"'],
  ['ndjson', "'"],
  ['csv', '"'],
  ['csv', "'"],
] as const)('to %s, quote %s: the module writes the bytes the JavaScript writer writes', (format, quote) => {
  const text = file(quote, rng(quote === '"' ? 7 : 8));
  const module = encode(text, true, format, quote);
  const plain = encode(text, false, format, quote);
  // The module wrote most records (not the state machine's, not the largest), and more than its area holds.
  expect(module.byModule).toBeGreaterThan(5800);
  expect(module.bytes.length).toBeGreaterThan(2 * WRITER_OUT_BYTES);
  expect(module.bytes.equals(plain.bytes)).toBe(true);
  if (format === 'csv') {
    const last = module.bytes.toString().trimEnd().split('\n').at(-1);
    expect(last).toBe(quote === '"' ? 'last,"z"" é",2' : 'last,"""z"""" é""",2');
    return;
  }
  const lines = module.bytes
    .toString()
    .split('\n')
    .filter((l) => l !== '');
  const last = JSON.parse(lines.at(-1)!.replace(/^,/, '')) as Record<string, string>;
  expect(last).toEqual({ k: 'last', long: quote === '"' ? 'z" é' : '"z"" é"', v: '2' });
});

test.each(['ndjson', 'csv'] as const)(
  '%s: a value that is not UTF-8 in a record the module read: the JavaScript writer names the field',
  (format) => {
    const text = Buffer.concat([
      Buffer.from('k,long,v\nok,plain,1\nbad,abcdefghijklmnopq'),
      Buffer.from([0xe9, 0x41]),
      Buffer.from(',2\n'),
    ]);
    const buf = blockBuffer(text.length + 64);
    text.copy(buf);
    const plan = selectPlan({ to: format }, ['k', 'long', 'v'], format, '"')!;
    const encoder = new OutputEncoder(format, undefined);
    const answers: number[] = [];
    const sink: RecordSink = {
      record(b: Uint8Array, slots: FieldSlots) {
        expect(wasmScan()!.holdsSlots(slots)).toBe(true);
        answers.push(encoder.addRecord(b, slots, plan));
        return true;
      },
    };
    scanAfterHeader(buf, text, '"', sink);
    expect(answers).toEqual([-1, 1]); // the first written, the second's field 1 is not UTF-8
    expect(Buffer.from(encoder.finish()).toString()).toBe(
      format === 'csv' ? 'ok,plain,1\n' : '{"k":"ok","long":"plain","v":"1"}\n',
    );
  },
);
