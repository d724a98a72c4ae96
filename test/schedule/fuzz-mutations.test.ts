/**
 * Fuzz: seeded random mutations of valid CSV files (the golden fixtures and random CSV text) —
 * byte flips, truncation, inserted or deleted bytes (quotes, LF, CR, CRLF, delimiters, bytes
 * that break UTF-8), duplicated slices. For every case:
 * - the job ends within a bounded time (serial and parallel alike: no hang);
 * - it ends with a result or a ChunkmillError with a code, never a plain Error or ERR_INTERNAL;
 * - processSerial and processDataset (2 workers, three chunk sizes from 1 byte to the whole
 *   file) agree: the same rows and row accounting, or the same error code, line, column and byte.
 *
 * The parallel runs go to the file's warm pools (test/helpers/warm-pools.ts: the same job, without
 * a pool started and destroyed for each of ~450 runs, which was most of this file's 130 s in CI);
 * every fifth case runs its smallest chunk size through processDataset itself, pool and all. A run
 * that does not end in time has its pools destroyed, so a stuck thread cannot hold up the next case.
 *
 * The serial path blocks its thread, so it runs in a worker thread of its own, which a timeout
 * can terminate. Each case is seeded by SEED + its index: a failure names both and the input
 * bytes. CHUNKMILL_FUZZ_SEED / CHUNKMILL_FUZZ_CASES / CHUNKMILL_FUZZ_ONLY (one index) override
 * them for longer runs or to replay a case.
 */
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { afterAll, expect, test } from 'vitest';
import { ChunkmillError, count, max, min, processDataset, sum, type ProcessOptions } from 'chunkmill';
import { FIXTURE_CASES, fixtureOptions, loadFixture } from '../helpers/fixtures.ts';
import { randomCsv, rng } from '../helpers/random-csv.ts';
import { tempDir } from '../helpers/tmp.ts';
import { closeWarmPools, processOnWarmPool } from '../helpers/warm-pools.ts';

const SEED = Number(process.env.CHUNKMILL_FUZZ_SEED ?? 20261123);
const CASES = Number(process.env.CHUNKMILL_FUZZ_CASES ?? 150);
const ONLY = process.env.CHUNKMILL_FUZZ_ONLY === undefined ? undefined : Number(process.env.CHUNKMILL_FUZZ_ONLY);
/** Per run. Inputs are < 2 KB: a healthy run takes milliseconds, a pool start well under 1 s. */
const CASE_LIMIT_MS = 15_000;
const WORKERS = 2;

const tmp = tempDir('chunkmill-fuzz-');

type Outcome =
  | { kind: 'rows'; rows: unknown; accounting: [number, number, number, number] }
  | {
      kind: 'error';
      code: string;
      line?: number;
      column?: string;
      byteOffset?: number;
      chunkmill: boolean;
      message: string;
    }
  | { kind: 'timeout' };

function outcomeOf(e: unknown): Outcome {
  const err = e as ChunkmillError;
  return {
    kind: 'error',
    code: typeof err?.code === 'string' ? err.code : 'NO CODE',
    line: err?.line,
    column: err?.column,
    byteOffset: err?.byteOffset,
    chunkmill: e instanceof ChunkmillError,
    message: String((e as Error)?.message ?? e),
  };
}

/** What the paths must agree on (the message may differ in nothing but is not compared). */
function comparable(o: Outcome): unknown {
  if (o.kind !== 'error') return o;
  return { kind: o.kind, code: o.code, line: o.line, column: o.column, byteOffset: o.byteOffset };
}

// ---- the serial oracle, in a worker thread a timeout can end ----

const DIST = new URL('../../dist/index.js', import.meta.url).href;
const SERIAL_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const lib = import(workerData);
parentPort.on('message', async (options) => {
  const { processSerial, ChunkmillError } = await lib;
  try {
    const r = await processSerial(options);
    const s = r.stats;
    parentPort.postMessage({ kind: 'rows', rows: r.rows, accounting: [s.rows, s.rowsUsed, s.rowsRejected, s.valuesSkipped] });
  } catch (e) {
    parentPort.postMessage({ kind: 'error', code: typeof e?.code === 'string' ? e.code : 'NO CODE', line: e?.line, column: e?.column,
      byteOffset: e?.byteOffset, chunkmill: e instanceof ChunkmillError, message: String(e?.message ?? e) });
  }
});`;

let serialWorker: Worker | null = null;
afterAll(async () => {
  await serialWorker?.terminate();
});

async function runSerial(options: ProcessOptions): Promise<Outcome> {
  serialWorker ??= new Worker(SERIAL_WORKER, { eval: true, workerData: DIST });
  const worker = serialWorker;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<Outcome>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      timer = setTimeout(() => resolve({ kind: 'timeout' }), CASE_LIMIT_MS);
      worker.postMessage(options);
    }).then(async (o) => {
      if (o.kind === 'timeout') {
        serialWorker = null; // stuck: replace it
        await worker.terminate();
      }
      return o;
    });
  } finally {
    clearTimeout(timer);
    worker.removeAllListeners('message');
    worker.removeAllListeners('error');
  }
}

async function runParallel(options: ProcessOptions, ownPool: boolean): Promise<Outcome> {
  const job = ownPool ? processDataset(options) : processOnWarmPool(options);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Outcome>(
    (resolve) => (timer = setTimeout(() => resolve({ kind: 'timeout' }), CASE_LIMIT_MS)),
  );
  const finished = job.result.then((r): Outcome => {
    const s = r.stats;
    return { kind: 'rows', rows: r.rows, accounting: [s.rows, s.rowsUsed, s.rowsRejected, s.valuesSkipped] };
  }, outcomeOf);
  const outcome = await Promise.race([finished, timeout]);
  clearTimeout(timer);
  if (outcome.kind === 'timeout') {
    job.cancel();
    await Promise.race([finished, new Promise((r) => setTimeout(r, 2_000))]);
    if (!ownPool) await closeWarmPools(); // a cancel does not stop a running chunk on a warm pool
  }
  return outcome;
}

// ---- inputs and mutations ----

interface Base {
  name: string;
  bytes: Buffer;
  options: Omit<ProcessOptions, 'input'>;
  delimiter: number;
  quote: number;
}

const BASES: Base[] = [];
for (const name of FIXTURE_CASES) {
  const f = loadFixture(name);
  const { input: _, ...options } = fixtureOptions(f);
  BASES.push({
    name,
    bytes: readFileSync(f.path),
    options,
    delimiter: (f.spec.csv.delimiter ?? ',').charCodeAt(0),
    quote: (f.spec.csv.quote ?? '"').charCodeAt(0),
  });
}
for (let k = 0; k < 6; k++) {
  const random = rng(SEED ^ (0x5eed + k));
  const { text } = randomCsv(random, { rows: 5 + Math.floor(random() * 30), bareQuotes: k % 2 === 1 });
  const groupBy = k % 3 === 2 ? ['k', 't'] : ['k'];
  BASES.push({
    name: `random-${k}`,
    bytes: Buffer.from(text),
    options: { aggregate: { groupBy, measures: { n: count(), s: sum('v'), lo: min('v'), hi: max('v') } } },
    delimiter: 44,
    quote: 34,
  });
}

/** Bytes that matter to the scanner and the decoder, to insert or to flip to. */
const INTERESTING = [
  0x0a, 0x0d, 0x22, 0x2c, 0x3b, 0x20, 0x30, 0x2d, 0x2e, 0x65, 0xc3, 0xa9, 0xe2, 0x82, 0xf0, 0x80, 0xbf, 0xff, 0xfe,
];

type Mutation = { op: string; at: number; bytes?: number[]; length?: number };

function mutate(random: () => number, base: Base): { bytes: Buffer; mutations: Mutation[] } {
  let buf = Buffer.from(base.bytes);
  const mutations: Mutation[] = [];
  const n = 1 + Math.floor(random() * 3);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const insert = (at: number, bytes: number[]) => {
    buf = Buffer.concat([buf.subarray(0, at), Buffer.from(bytes), buf.subarray(at)]);
  };
  for (let m = 0; m < n; m++) {
    const at = Math.floor(random() * (buf.length + 1));
    const op = pick([
      'flip',
      'flip',
      'truncate',
      'quote',
      'quote',
      'newline',
      'newline',
      'delimiter',
      'delete',
      'duplicate',
      'utf8',
    ]);
    switch (op) {
      case 'flip': {
        if (buf.length === 0) continue;
        const i = Math.min(at, buf.length - 1);
        // Half the time any byte but NUL (a NUL makes nearly every case ERR_NOT_CSV), else one that matters.
        const b = random() < 0.5 ? 1 + Math.floor(random() * 255) : pick(INTERESTING);
        buf[i] = b;
        mutations.push({ op, at: i, bytes: [b] });
        break;
      }
      case 'truncate':
        buf = buf.subarray(0, at);
        mutations.push({ op, at });
        break;
      case 'quote':
        insert(at, [base.quote]);
        mutations.push({ op, at });
        break;
      case 'newline': {
        const bytes = pick([[0x0a], [0x0d], [0x0d, 0x0a], [0x0a, 0x0a]]);
        insert(at, bytes);
        mutations.push({ op, at, bytes });
        break;
      }
      case 'delimiter':
        insert(at, [base.delimiter]);
        mutations.push({ op, at });
        break;
      case 'delete': {
        const length = 1 + Math.floor(random() * 3);
        buf = Buffer.concat([buf.subarray(0, at), buf.subarray(at + length)]);
        mutations.push({ op, at, length });
        break;
      }
      case 'duplicate': {
        const length = Math.floor(random() * 40);
        const from = Math.floor(random() * Math.max(1, buf.length - length));
        const slice = [...buf.subarray(from, from + length)];
        insert(at, slice);
        mutations.push({ op, at, length: slice.length });
        break;
      }
      case 'utf8': {
        // Invalid or cut sequences: a lone continuation, a truncated 3-byte sequence, Latin-1.
        const bytes = pick([[0x80], [0xe2, 0x82], [0xe9], [0xc0, 0xaf], [0xed, 0xa0, 0x80]]);
        insert(at, bytes);
        mutations.push({ op, at, bytes });
        break;
      }
    }
  }
  return { bytes: buf, mutations };
}

// ---- the test ----

test(`fuzz: ${CASES} mutated files end in time, with a result or a coded error, the same serial and parallel`, {
  timeout: 600_000,
}, async () => {
  const failures: string[] = [];
  const tally = { rows: 0, errors: new Map<string, number>() };
  const indexes = ONLY !== undefined ? [ONLY] : Array.from({ length: CASES }, (_, i) => i);

  for (const index of indexes) {
    const random = rng(SEED + index);
    const base = BASES[Math.floor(random() * BASES.length)]!;
    const { bytes, mutations } = mutate(random, base);
    const input = tmp.file(`case-${index}.csv`, bytes);
    const options: ProcessOptions = {
      ...base.options,
      input,
      onBadRow: random() < 0.4 ? 'skip' : 'error',
      onBadNumber: random() < 0.4 ? 'skip' : 'error',
      ...(random() < 0.15 ? { maxRecordSize: 16 + Math.floor(random() * 48) } : {}),
    };
    const small = 1 + Math.floor(random() * 7);
    const chunkSizes = [...new Set([small, 8 + Math.floor(random() * 56), Math.max(1, bytes.length)])];

    const describe = (what: string, outcomes: Record<string, Outcome>) =>
      `case ${index} (seed ${SEED}, base ${base.name}, mutations ${JSON.stringify(mutations)}, ` +
      `options ${JSON.stringify({ onBadRow: options.onBadRow, onBadNumber: options.onBadNumber, maxRecordSize: options.maxRecordSize })}): ${what}\n` +
      `  input (${bytes.length} bytes, base64): ${bytes.toString('base64')}\n` +
      Object.entries(outcomes)
        .map(([k, o]) => `  ${k}: ${JSON.stringify(o)}`)
        .join('\n');

    const serial = await runSerial(options);
    const outcomes: Record<string, Outcome> = { serial };
    for (const chunkSize of chunkSizes) {
      const ownPool = index % 5 === 0 && chunkSize === small;
      outcomes[`chunkSize ${chunkSize}`] = await runParallel({ ...options, chunkSize, workers: WORKERS }, ownPool);
    }

    for (const [label, o] of Object.entries(outcomes)) {
      if (o.kind === 'timeout') failures.push(describe(`${label} did not end within ${CASE_LIMIT_MS} ms`, outcomes));
      else if (o.kind === 'error' && (!o.chunkmill || o.code === 'ERR_INTERNAL' || o.code === 'NO CODE')) {
        failures.push(describe(`${label} failed with an uncoded or internal error`, outcomes));
      }
    }
    for (const [label, o] of Object.entries(outcomes)) {
      if (label === 'serial') continue;
      try {
        expect(comparable(o)).toStrictEqual(comparable(serial));
      } catch {
        failures.push(describe(`${label} disagrees with serial`, outcomes));
        break;
      }
    }
    if (serial.kind === 'rows') tally.rows++;
    else if (serial.kind === 'error') tally.errors.set(serial.code, (tally.errors.get(serial.code) ?? 0) + 1);
  }

  console.log(
    `fuzz (seed ${SEED}): ${indexes.length} cases; ${tally.rows} results; errors:`,
    Object.fromEntries(tally.errors),
  );
  expect(failures, failures.join('\n\n')).toEqual([]);
  if (ONLY === undefined) {
    // The mutations must reach both outcomes often, or the test would check little.
    expect(tally.rows).toBeGreaterThan(CASES / 10);
    expect(CASES - tally.rows).toBeGreaterThan(CASES / 10);
  }
});
