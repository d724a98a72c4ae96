/**
 * The byte-level record scanner (src/csv/scanner.ts), a pure function: record and field
 * boundaries, quoting rules, line counts, the statuses that drive reading (Done, NeedMore, Eof,
 * Stopped) and syntax errors with their byte positions. Checked by hand on small inputs and
 * against @fast-csv/parse on random text fed in random pieces, with stale bytes past `limit`.
 */
import { describe, expect, test } from 'vitest';
import {
  classTable,
  countLines,
  FieldSlots,
  ScanResult,
  ScanStatus,
  scanRecords,
  type Dialect,
  type RecordSink,
} from '../../src/csv/scanner.ts';
import { decodeField } from '../../src/csv/fields.ts';
import { blockBuffer, MAX_SLOTS, wasmScan } from '../../src/csv/wasm-scan.ts';
import { fastCsvRecords } from '../helpers/fastcsv.ts';
import { randomCsv, rng } from '../helpers/random-csv.ts';

const COMMA: Dialect = { delimiter: 44, quote: 34 };

interface Seen {
  fields: string[];
  fieldCount: number;
  recordStart: number;
  flags: number[];
}

class CollectSink implements RecordSink {
  readonly seen: Seen[] = [];
  constructor(
    private readonly stopAfter = Infinity,
    private readonly quote = '"',
  ) {}
  record(buf: Uint8Array, slots: FieldSlots, fieldCount: number, recordStart: number): boolean {
    if (this.seen.length >= this.stopAfter) return false;
    const n = Math.min(fieldCount, slots.capacity);
    const fields: string[] = [];
    const flags: number[] = [];
    for (let i = 0; i < n; i++) {
      fields.push(decodeField(buf as Buffer, slots.starts[i]!, slots.ends[i]!, slots.quoted[i]!, this.quote));
      flags.push(slots.quoted[i]!);
    }
    this.seen.push({ fields, fieldCount, recordStart, flags });
    return true;
  }
}

interface ScanOptions {
  pos?: number;
  limit?: number;
  ownedEnd?: number;
  eof?: boolean;
  capacity?: number;
  stopAfter?: number;
  dialect?: Dialect;
}

/**
 * The three buffer layouts the scanner treats differently, so every test here runs on both
 * scanners: the thread's block in WebAssembly memory (the SIMD index, as the engine's read buffer
 * is where WebAssembly SIMD runs), 4-byte aligned offset and length (the JavaScript reference,
 * word at a time) and unaligned (the JavaScript byte loop).
 */
const LAYOUTS = ['wasm', 'aligned', 'unaligned'] as const;
type Layout = (typeof LAYOUTS)[number];
/** Stale bytes after the valid ones: quotes, line breaks, delimiters the scanner must never read. */
const STALE = Buffer.from('"\n,"\r\n""x\n;\'');

/** `text` at the start of a fresh buffer of the given layout, followed by stale bytes. */
function place(text: Buffer, layout: Layout): Buffer {
  const total = text.length + STALE.length;
  const buf =
    layout === 'wasm'
      ? blockBuffer(total)
      : layout === 'aligned'
        ? Buffer.from(new ArrayBuffer((total + 3) & ~3))
        : Buffer.from(new ArrayBuffer(total + 2), 1, total + ((total & 3) === 0 ? 1 : 0));
  for (let i = text.length; i < buf.length; i++) buf[i] = STALE[(i - text.length) % STALE.length]!;
  text.copy(buf, 0);
  // The index runs only on the thread's block: a missing or unloadable scan.wasm fails here.
  if (layout === 'wasm') expect(wasmScan()?.owns(buf, 1)).toBe(true);
  else if (layout === 'aligned') expect((buf.byteOffset | buf.length) & 3).toBe(0);
  else expect(buf.byteOffset & 3).not.toBe(0);
  return buf;
}

function scanOnce(buf: Buffer, limit: number, o: ScanOptions) {
  const dialect = o.dialect ?? COMMA;
  const sink = new CollectSink(o.stopAfter, String.fromCharCode(dialect.quote));
  const out = scanRecords(
    buf,
    o.pos ?? 0,
    limit,
    o.ownedEnd ?? Infinity,
    o.eof ?? true,
    dialect,
    classTable(dialect),
    new FieldSlots(o.capacity ?? 16),
    sink,
    new ScanResult(),
  );
  const result = {
    status: out.status,
    pos: out.pos,
    lines: out.lines,
    rows: out.rows,
    errorAt: out.errorAt,
    errorLines: out.errorLines,
  };
  return { result, records: sink.seen.map((s) => s.fields), seen: sink.seen };
}

/**
 * One scanRecords call over `input` (valid bytes: `limit`, default all of `input`), in both
 * buffer layouts, which must agree; returns what the scan reported and what the sink saw.
 */
function scan(input: string, o: ScanOptions = {}) {
  const text = Buffer.from(input);
  const limit = o.limit ?? text.length;
  const [wasm, aligned, unaligned] = LAYOUTS.map((layout) => scanOnce(place(text, layout), limit, o));
  expect(aligned, 'aligned and unaligned buffers disagree').toEqual(unaligned);
  expect(wasm, 'the WebAssembly index and the JavaScript scanner disagree').toEqual(aligned);
  return aligned!;
}

/**
 * The driver protocol of read-range.ts in miniature: the valid bytes grow by `step` at a time
 * inside a buffer whose tail holds stale bytes; on NeedMore the scan resumes at `pos`.
 */
function scanInPieces(text: Buffer, step: number, layout: Layout) {
  const buf = place(text, layout);
  const sink = new CollectSink();
  const out = new ScanResult();
  const classes = classTable(COMMA);
  const slots = new FieldSlots(8);
  let pos = 0;
  let limit = Math.min(step, text.length);
  let lines = 0;
  let rows = 0;
  for (let guard = 0; guard < 100_000; guard++) {
    scanRecords(buf, pos, limit, Infinity, limit === text.length, COMMA, classes, slots, sink, out);
    lines += out.lines;
    rows += out.rows;
    if (out.status !== ScanStatus.NeedMore)
      return { status: out.status, records: sink.seen.map((s) => s.fields), lines, rows, errorAt: out.errorAt };
    expect(out.pos).toBeGreaterThanOrEqual(pos);
    pos = out.pos;
    limit = Math.min(limit + step, text.length);
  }
  throw new Error('scanner made no progress');
}

describe('fields and records', () => {
  test('splits plain fields at the delimiter and records at LF', () => {
    const { result, records, seen } = scan('a,b,c\n1,,3\n');
    expect(records).toEqual([
      ['a', 'b', 'c'],
      ['1', '', '3'],
    ]);
    expect(seen.map((s) => s.recordStart)).toEqual([0, 6]);
    expect(result).toMatchObject({ status: ScanStatus.Eof, pos: 11, lines: 2, rows: 2 });
  });

  test('a quoted field holds delimiters, LF, CRLF and doubled quotes', () => {
    const { records, seen, result } = scan('"a,b","x\ny","p\r\nq","say ""hi"""\n');
    expect(records).toEqual([['a,b', 'x\ny', 'p\r\nq', 'say "hi"']]);
    expect(seen[0]!.flags).toEqual([1, 1, 1, 2]);
    expect(result.lines).toBe(3); // LFs inside quotes count as lines too
  });

  test('CRLF ends a record and the CR is not data', () => {
    const { records, result } = scan('a,b\r\nc,\r\n"q"\r\n');
    expect(records).toEqual([['a', 'b'], ['c', ''], ['q']]);
    expect(result).toMatchObject({ pos: 14, lines: 3, rows: 3 });
  });

  test('blank lines (LF or CRLF) are no records but count as lines', () => {
    const { records, result, seen } = scan('\n\r\na\n\n\r\nb\n\n');
    expect(records).toEqual([['a'], ['b']]);
    expect(seen.map((s) => s.recordStart)).toEqual([3, 8]);
    expect(result.lines).toBe(7);
  });

  test('a lone CR inside an unquoted field is data; a CR at the very end of input ends the record', () => {
    expect(scan('a\rb,c\r\r\n').records).toEqual([['a\rb', 'c\r']]);
    expect(scan('x,y\r').records).toEqual([['x', 'y']]);
  });

  test('a quote inside an unquoted field is literal (bare quote)', () => {
    const { records, seen } = scan('bob,5\'11",2\nx"y,z""w,3\n');
    expect(records).toEqual([
      ['bob', '5\'11"', '2'],
      ['x"y', 'z""w', '3'],
    ]);
    expect(seen[1]!.flags).toEqual([0, 0, 0]);
  });

  test('a quoted empty field is a record, an empty line is not', () => {
    const { records } = scan('""\n\n""\r\n');
    expect(records).toEqual([[''], ['']]);
  });

  test('a trailing delimiter makes an empty last field; the last record may lack a line break', () => {
    expect(scan('a,\nb,').records).toEqual([
      ['a', ''],
      ['b', ''],
    ]);
    expect(scan('a,"b"').records).toEqual([['a', 'b']]);
  });

  test('multi-byte UTF-8 passes through whole', () => {
    expect(scan('東京,Zürich\n"😀,𝄞",é\n').records).toEqual([
      ['東京', 'Zürich'],
      ['😀,𝄞', 'é'],
    ]);
  });

  test('other dialects: semicolon delimiter, single-quote quote', () => {
    const dialect: Dialect = { delimiter: 59, quote: 39 };
    expect(scan("a;'b;c';'it''s,d'\n", { dialect }).records).toEqual([['a', 'b;c', "it's,d"]]);
    // With ' as the quote, a " is ordinary data; after a closing ' only ; or a line break may follow.
    expect(scan('"x;y"\n', { dialect }).records).toEqual([['"x', 'y"']]);
    expect(scan("'ab',c\n", { dialect }).result).toMatchObject({ status: ScanStatus.InvalidClosingQuote, errorAt: 4 });
  });

  test('reports more fields than slots: fieldCount counts them all', () => {
    const { seen } = scan('1,2,3,4,5\n', { capacity: 3 });
    expect(seen[0]!.fieldCount).toBe(5);
    expect(seen[0]!.fields).toEqual(['1', '2', '3']);
  });

  test("records as wide as the module's slots, and wider (the JavaScript path then, on the block too)", () => {
    for (const capacity of [MAX_SLOTS, MAX_SLOTS + 1]) {
      const fields = Array.from({ length: capacity }, (_, i) => (i % 7 === 0 ? `"q,${i}"` : String(i)));
      const { seen } = scan(`${fields.join(',')}\n${fields.slice(0, 3).join(',')}\n`, { capacity });
      expect(seen.map((s) => s.fieldCount)).toEqual([capacity, 3]);
      expect(seen[0]!.fields[capacity - 1]).toBe(fields[capacity - 1]!.replaceAll('"', ''));
      expect(seen[0]!.fields[7]).toBe('q,7');
      expect(wasmScan()!.owns(blockBuffer(16), capacity)).toBe(capacity <= MAX_SLOTS);
    }
  });
});

describe('statuses', () => {
  test('Done: stops at the first record starting at or after ownedEnd, finishing the one that crosses it', () => {
    const text = 'aa,1\nbb,"x\ny"\ncc,3\ndd,4\n';
    // Record starts: 0, 5, 14, 19. ownedEnd 6 falls inside the second record.
    const { result, records } = scan(text, { ownedEnd: 6 });
    expect(records).toEqual([
      ['aa', '1'],
      ['bb', 'x\ny'],
    ]);
    expect(result).toMatchObject({ status: ScanStatus.Done, pos: 14, lines: 3, rows: 2 });
    // ownedEnd exactly at a record start: that record is not owned.
    expect(scan(text, { ownedEnd: 14 }).result).toMatchObject({ status: ScanStatus.Done, pos: 14, rows: 2 });
    expect(scan(text, { ownedEnd: 15 }).result).toMatchObject({ status: ScanStatus.Done, pos: 19, rows: 3 });
    // Starting mid-buffer at a record start.
    expect(scan(text, { pos: 14, ownedEnd: 15 }).records).toEqual([['cc', '3']]);
  });

  test('NeedMore: the buffer ends inside a record that is not at the end of input', () => {
    const text = 'a,1\nb,"x\ny",2\n';
    for (const limit of [5, 7, 9, 10, 11, 12, 13]) {
      const { result, records } = scan(text, { limit, eof: false });
      expect(records, `limit ${limit}`).toEqual([['a', '1']]);
      expect(result, `limit ${limit}`).toMatchObject({ status: ScanStatus.NeedMore, pos: 4, rows: 1, lines: 1 });
    }
    // A CR at the buffer's end may be the first half of CRLF.
    expect(scan('a,b\r', { eof: false }).result).toMatchObject({ status: ScanStatus.NeedMore, pos: 0, rows: 0 });
    // A closing quote at the buffer's end may be the first half of a doubled quote.
    expect(scan('"ab"', { eof: false }).result).toMatchObject({ status: ScanStatus.NeedMore, pos: 0 });
  });

  test('Eof: the end of input after the last record', () => {
    expect(scan('a\nb').result).toMatchObject({ status: ScanStatus.Eof, pos: 3, rows: 2, lines: 1 });
    expect(scan('').result).toMatchObject({ status: ScanStatus.Eof, pos: 0, rows: 0 });
  });

  test("Stopped: the sink refused a record; pos is that record's start", () => {
    const { result, records } = scan('a\n"b\nc"\nd\n', { stopAfter: 1 });
    expect(records).toEqual([['a']]);
    expect(result).toMatchObject({ status: ScanStatus.Stopped, pos: 2, rows: 1, errorLines: 1 });
    // The refused record may come after a run of plain records.
    expect(scan('a\nb\nc\nd\n', { stopAfter: 3 }).result).toMatchObject({
      status: ScanStatus.Stopped,
      pos: 6,
      rows: 3,
      errorLines: 3,
    });
  });

  test('UnclosedQuote: errorAt is the opening quote, pos and errorLines the record start', () => {
    const text = 'a,1\nb,"x\ny\nz,2\n';
    const { result, records } = scan(text);
    expect(records).toEqual([['a', '1']]);
    expect(result).toMatchObject({ status: ScanStatus.UnclosedQuote, errorAt: 6, pos: 4, errorLines: 1, rows: 1 });
  });

  test('InvalidClosingQuote: errorAt is the byte after the closing quote', () => {
    expect(scan('k\n"ab"c,1\n').result).toMatchObject({
      status: ScanStatus.InvalidClosingQuote,
      errorAt: 6,
      pos: 2,
      errorLines: 1,
      rows: 1,
    });
    // A CR after a closing quote must start CRLF.
    expect(scan('"ab"\rx\n').result).toMatchObject({ status: ScanStatus.InvalidClosingQuote, errorAt: 4 });
  });
});

test('plain runs: every start record x every ownedEnd, records of 1-9 bytes (word lanes at every offset)', () => {
  const plain = ['a,b', 'cd,e', '', 'fgh,,i', 'j', 'k,lmnop', 'q,r\r', ',', 'stuvwx,y', 'z'];
  // LF-separated; 'q,r\r' makes a CRLF ending and '' a blank line.
  const text = plain.join('\n') + '\n';
  const starts: number[] = [];
  for (let at = 0, i = 0; i < plain.length; at += plain[i]!.length + 1, i++) starts.push(at);
  const expected = (from: number, ownedEnd: number) =>
    plain
      .filter((r, i) => starts[i]! >= from && starts[i]! < ownedEnd && r !== '')
      .map((r) => r.replace(/\r$/, '').split(','));
  for (const from of starts) {
    for (let ownedEnd = from + 1; ownedEnd <= text.length; ownedEnd++) {
      const { records, result } = scan(text, { pos: from, ownedEnd });
      const label = `from ${from}, ownedEnd ${ownedEnd}`;
      expect(records, label).toEqual(expected(from, ownedEnd));
      // It stops at the first record start at or after ownedEnd (or the end).
      expect(result.pos, label).toBe(starts.find((s) => s >= ownedEnd) ?? text.length);
    }
  }
});

test('the quote that ends a plain run may sit in any byte lane', () => {
  for (let n = 0; n < 12; n++) {
    // n bytes of plain records before the quote: one record of n - 1 bytes plus LF (or a blank line).
    const prefix = n === 0 ? '' : 'r'.repeat(n - 1) + '\n';
    const before = n >= 2 ? [['r'.repeat(n - 1)]] : [];
    const quoted = scan(prefix + '"x,y",z\na,b\n');
    expect(quoted.records, `quoted field after ${n} bytes`).toEqual([...before, ['x,y', 'z'], ['a', 'b']]);
    expect(quoted.result).toMatchObject({ status: ScanStatus.Eof, rows: before.length + 2 });
    const bare = scan(prefix + 'x"y,z\na,b\n');
    expect(bare.records, `bare quote after ${n} bytes`).toEqual([...before, ['x"y', 'z'], ['a', 'b']]);
  }
});

test('countLines counts LF bytes in [from, to)', () => {
  const buf = Buffer.from('a\nb\r\n\n"c\n"');
  expect(countLines(buf, 0, buf.length)).toBe(4);
  expect(countLines(buf, 2, 5)).toBe(1);
  expect(countLines(buf, 5, 5)).toBe(0);
});

describe('against @fast-csv/parse on random text', () => {
  const CASES = 40;
  test.each(Array.from({ length: CASES }, (_, i) => i + 1))(
    'seed %i: same records, whole and in pieces, both layouts',
    async (seed) => {
      const random = rng(seed);
      const { text, records } = randomCsv(random, { rows: Math.floor(random() * 30), bareQuotes: seed % 3 === 0 });
      const reference = await fastCsvRecords(text);
      expect(reference.slice(1)).toEqual(records); // the generator wrote what it meant to

      const bytes = Buffer.from(text);
      const whole = scan(text); // both layouts
      expect(whole.result.status).toBe(ScanStatus.Eof);
      expect(whole.records).toEqual(reference);
      expect(whole.result.lines).toBe(countLines(bytes, 0, bytes.length));

      for (const layout of LAYOUTS) {
        for (const step of [1, 2, 3, 5, 8, 13, 64]) {
          const label = `${layout}, step ${step}`;
          const pieces = scanInPieces(bytes, step, layout);
          expect(pieces.status, label).toBe(ScanStatus.Eof);
          expect(pieces.records, label).toEqual(reference);
          expect(pieces.rows, label).toBe(reference.length);
          expect(pieces.lines, label).toBe(whole.result.lines);
        }
      }
    },
  );
});

describe('the WebAssembly record loop at its edges (64-byte words, restarts, blocks)', () => {
  // Quoted fields holding each thing the module masks or counts, and the records it leaves to the state machine.
  const RECORDS = [
    '"a,b",c',
    '"x\ny",z',
    '"p\r\nq",r',
    '"say ""hi""",s',
    '"",""',
    '"""",t',
    'u,"v"',
    '"w"\r',
    'x"y,z',
    '"e"f,g',
  ];

  test('a record of each kind straddles every offset around the edges of 64-byte words', () => {
    // A run's words start at its first record (wasm/scan.ts): offsets around 64, 128 and 4096 from
    // the buffer's start, and from a restart after a record the state machine took (a bare quote).
    for (const lead of ['', `5'11",0\n`]) {
      for (const edge of [64, 128, 4096]) {
        for (const record of RECORDS) {
          for (let shift = -12; shift <= 4; shift++) {
            // Plain records of 9 bytes, then one of `pad` bytes, so `record` starts at edge + shift after `lead`.
            const at = edge + shift;
            const filler = 'k,vvvvvv\n'.repeat(Math.floor(at / 9) - 1);
            const pad = at - filler.length - 1;
            const text = `${lead}${filler}${'m'.repeat(pad)}\n${record}\nlast,1\n`;
            const label = `${JSON.stringify(record)} at ${at} after ${JSON.stringify(lead)}`;
            const { result, records } = scan(text); // every layout agrees
            if (record.startsWith('"e"f')) {
              expect(result.status, label).toBe(ScanStatus.InvalidClosingQuote);
              continue;
            }
            expect(result.status, label).toBe(ScanStatus.Eof);
            expect(records.at(-1), label).toEqual(['last', '1']);
            expect(records.length, label).toBe(Math.floor(at / 9) + 2 + (lead === '' ? 0 : 1));
          }
        }
      }
    }
  });

  test('a quoted field across a block edge: NeedMore at its record, then the whole of it', () => {
    // The read driver in miniature (scanInPieces) with steps that cut inside and after the quotes.
    const text = Buffer.from(`${'a,b\n'.repeat(30)}"q,\r\n""${'x'.repeat(100)}",2\r\n${'c,d\n'.repeat(30)}`);
    const reference = scan(text.toString()).records;
    for (const step of [61, 64, 97, 128, 130]) {
      const pieces = scanInPieces(text, step, 'wasm');
      expect(pieces.status).toBe(ScanStatus.Eof);
      expect(pieces.records).toEqual(reference);
      expect(pieces.lines).toBe(countLines(text, 0, text.length));
    }
  });

  test('bare quotes in many records: each is taken by the state machine, the rest still by the module', () => {
    const rows = Array.from({ length: 3000 }, (_, i) => (i % 3 === 0 ? `5'11",${i}` : `"n,${i}",${i}`));
    const { result, records } = scan(`${rows.join('\n')}\n`);
    expect(result.status).toBe(ScanStatus.Eof);
    expect(records).toEqual(rows.map((_, i) => (i % 3 === 0 ? [`5'11"`, String(i)] : [`n,${i}`, String(i)])));
  });
});
