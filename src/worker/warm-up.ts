/**
 * Warming a fresh worker thread's hot code before its first chunk: one pass of the real scanner
 * and the real aggregate sink over a small synthetic CSV that takes every common branch (quoted
 * fields with delimiters, doubled quotes, LF and CRLF inside quotes, CRLF record ends, empty
 * fields, blank lines, numbers with and without decimals and exponents, new and known groups,
 * one and two group columns).
 *
 * Why: V8 optimises the scanner after a few thousand records, but with feedback only for the
 * branches seen so far; the first quoted record after that deoptimises it ("insufficient type
 * feedback"), and so on for each rare branch: ~9 deoptimisations of scanRecords and 2 of the
 * sink in a fresh thread's first chunks, which ran ~3x slower than later ones. With the feedback
 * collected up front, the first optimisation is the last (--trace-deopt on the sales file: 1
 * deoptimisation of scanRecords instead of 9). Runs once per thread, before its first file
 * chunk of at least WARM_UP_MIN_BYTES, in 25-35 ms of CPU on this machine; the results are
 * discarded. 250 records: 150 left 2 more deoptimisations, 400 cost ~45 ms and removed only one
 * more. Run at module load instead, it cost a one-chunk job +64 ms (A/B, 20 runs).
 */
import { classTable, FieldSlots, ScanResult, ScanStatus, scanRecords, type Dialect } from '../csv/scanner.js';
import { blockBuffer } from '../csv/wasm-scan.js';
import { compileAggregate } from '../kinds/aggregate/plan.js';
import { AggregateSink } from '../kinds/aggregate/sink.js';
import { slotsFor } from '../kinds/bad-rows.js';

const COLUMNS = ['k', 'j', 'a', 'b', 'note'];

/**
 * The bytes in the thread's read buffer (csv/wasm-scan.ts), so the path that files take is the one
 * warmed: the WebAssembly index where it runs, else the word-at-a-time loop (4-byte aligned, a
 * length divisible by 4). It runs before the thread's first chunk is read into the same buffer.
 */
function syntheticCsv(records: number): { buf: Buffer; length: number } {
  const notes = ['ok', '', '"a, b"', '"say ""hi"""', '"line\nbreak"', '"crlf\r\ninside"', 'x"y'];
  let text = '';
  for (let i = 0; i < records; i++) {
    const k = ['north', 'south', 'São Paulo', '東京'][i % 4];
    const a = i % 13 === 0 ? '' : i % 7 === 0 ? `${i}e-2` : i % 3 === 0 ? String(i) : `${i}.${i % 100}`;
    const b = i % 5 === 0 ? `-${i % 17}.25` : `${i % 9}`;
    text += `${k},${i % 3},${a},${b},${notes[i % notes.length]}${i % 11 === 0 ? '\r\n' : '\n'}`;
    if (i % 97 === 0) text += '\n'; // a blank line
  }
  const bytes = Buffer.from(text);
  const buf = blockBuffer((bytes.length + 3) & ~3).fill(0);
  bytes.copy(buf);
  return { buf, length: bytes.length };
}

/**
 * Scans as parseRange does, but in blocks of `step` bytes of one buffer, so the scan stops for
 * more input at every kind of place (inside quotes, after a CR, between fields), up to the
 * records that start before `ownedEnd` (as a chunk ends).
 */
function scanInBlocks(
  buf: Buffer,
  length: number,
  ownedEnd: number,
  step: number,
  dialect: Dialect,
  sink: AggregateSink,
): void {
  const classes = classTable(dialect);
  const slots = new FieldSlots(slotsFor(sink.width, sink.badRows.policy));
  const result = new ScanResult();
  for (let pos = 0, limit = step; ; limit += step) {
    const end = Math.min(limit, length);
    scanRecords(buf, pos, end, ownedEnd, end === length, dialect, classes, slots, sink, result, Infinity);
    if (result.status !== ScanStatus.NeedMore) return;
    pos = result.pos;
  }
}

/**
 * 1 MiB: a chunk that size runs ~25 ms warm, so the cold deoptimisations it would pay are about
 * what the warm-up costs; smaller jobs skip it.
 */
export const WARM_UP_MIN_BYTES = 1 << 20;

let warmed = false;

/** Once per thread: runs the scanner and aggregate sink over synthetic data. Never throws. */
export function warmUp(): void {
  if (warmed) return;
  warmed = true;
  try {
    runWarmUp();
  } catch {
    // Warming is an optimisation only: a failure here must not fail a worker.
  }
}

/** The warm-up itself; returns the rows each pass's sink took (for the test), throws on a bug. */
export function runWarmUp(): number[] {
  const used: number[] = [];
  {
    const { buf, length } = syntheticCsv(250);
    // Cloned, as a request's dialect and plan are: a deserialised object has another hidden class
    // than a literal, and feedback for the literal's would deoptimise on the real one.
    const dialect = structuredClone({ delimiter: 44, quote: 34 });
    const policies = { onBadRow: 'error', onBadNumber: 'error', quote: '"' } as const;
    for (const groupBy of [['k'], ['k', 'j']]) {
      const plan = structuredClone(
        compileAggregate(
          {
            groupBy,
            measures: {
              n: { kind: 'count' },
              s: { kind: 'sum', column: 'a' },
              m: { kind: 'mean', column: 'b' },
              lo: { kind: 'min', column: 'b' },
              hi: { kind: 'max', column: 'a' },
            },
          },
          COLUMNS,
          policies,
        ),
      );
      for (const [step, ownedEnd] of [
        [4096, length],
        [61, length >> 1],
      ] as const) {
        const sink = new AggregateSink(plan);
        scanInBlocks(buf, length, ownedEnd, step, dialect, sink);
        if (sink.error !== null) throw new Error(`warm-up: ${sink.error.data.message}`);
        sink.partial();
        used.push(sink.rowsUsed);
      }
    }
  }
  return used;
}
