/**
 * Single-threaded peers doing the same query (per region: count and sum of amount), each in the
 * fastest plain configuration its docs suggest: records as arrays (no object per row), no type
 * casting (the peer turns the one field it needs into a number), reads in 1 MiB blocks like the
 * engine. Each returns the Answer it computed; the bench checks it against the engine's.
 *
 * The naive peer (lines split on LF, fields on ',') is what many scripts do. It is here to show
 * that the check catches a wrong answer: it counts every quoted newline as a record boundary.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse as fastCsvParse } from '@fast-csv/parse';
import { parse as csvParse } from 'csv-parse';
import Papa from 'papaparse';
import { duckdbGroupBy } from './duckdb.mjs';
import { Tally, type Answer } from './queries.ts';

/** 1 MiB, as the engine's read blocks (read-range.ts): no peer pays for small reads. */
const READ_BLOCK = 1 << 20;

export type PeerName = 'fast-csv' | 'csv-parse' | 'papaparse-string' | 'papaparse-stream' | 'naive-split' | 'duckdb';

export interface Peer {
  name: PeerName;
  label: string;
  /** An RFC 4180 parser the engine must agree with (else the bench fails): a shared bug is unlikely. */
  reference: boolean;
  /** `threads`: for a multi-threaded peer (DuckDB), how many; the others ignore it. */
  run(path: string, threads: number): Promise<Answer>;
}

/** Takes the first record as the header, then tallies region and amount of every other record. */
class RecordTally extends Tally {
  private region = -1;
  private amount = -1;

  record(fields: readonly string[]): void {
    if (this.region < 0) {
      this.region = fields.indexOf('region');
      this.amount = fields.indexOf('amount');
      if (this.region < 0 || this.amount < 0)
        throw new Error(`no region/amount column in header ${JSON.stringify(fields)}`);
      return;
    }
    this.add(fields[this.region], fields[this.amount]);
  }
}

function fastCsv(path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const tally = new RecordTally();
    const input = createReadStream(path, { highWaterMark: READ_BLOCK }).on('error', reject);
    input
      .pipe(fastCsvParse<string[], string[]>({ headers: false }))
      .on('data', (row: string[]) => tally.record(row))
      .on('error', reject)
      .on('end', () => resolve(tally.answer()));
  });
}

function csvParseStream(path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const tally = new RecordTally();
    const input = createReadStream(path, { highWaterMark: READ_BLOCK }).on('error', reject);
    input
      .pipe(csvParse())
      .on('data', (row: string[]) => tally.record(row))
      .on('error', reject)
      .on('end', () => resolve(tally.answer()));
  });
}

/** papaparse on the whole file as one string (its fastest mode; memory grows with the file). */
function papaString(path: string): Promise<Answer> {
  const tally = new RecordTally();
  const text = readFileSync(path, 'utf8');
  return new Promise((resolve, reject) => {
    Papa.parse<string[]>(text, {
      skipEmptyLines: true,
      step: (r) => tally.record(r.data),
      complete: () => resolve(tally.answer()),
      error: (e: Error) => reject(e),
    });
  });
}

/** papaparse on a Node stream (its ReadableStreamStreamer; text decoded by the stream). */
function papaStream(path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const tally = new RecordTally();
    const input = createReadStream(path, { highWaterMark: READ_BLOCK, encoding: 'utf8' }).on('error', reject);
    Papa.parse<string[]>(input, {
      skipEmptyLines: true,
      step: (r) => tally.record(r.data),
      complete: () => resolve(tally.answer()),
      error: (e: Error) => reject(e),
    });
  });
}

function naiveSplit(path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const tally = new RecordTally();
    const input = createReadStream(path, { highWaterMark: READ_BLOCK, encoding: 'utf8' }).on('error', reject);
    createInterface({ input, crlfDelay: Infinity })
      .on('line', (line) => {
        if (line.length > 0) tally.record(line.split(','));
      })
      .on('close', () => resolve(tally.answer()));
  });
}

export const PEERS: readonly Peer[] = [
  { name: 'fast-csv', label: '@fast-csv/parse (stream)', reference: true, run: fastCsv },
  { name: 'csv-parse', label: 'csv-parse (stream)', reference: true, run: csvParseStream },
  { name: 'papaparse-string', label: 'papaparse (string)', reference: false, run: papaString },
  { name: 'papaparse-stream', label: 'papaparse (stream)', reference: false, run: papaStream },
  { name: 'naive-split', label: 'naive split (readline)', reference: false, run: naiveSplit },
  // Not in the default --peers list: run.ts runs it on the full sales file, with N threads and 1.
  { name: 'duckdb', label: 'DuckDB (@duckdb/node-api)', reference: false, run: duckdbGroupBy },
];

export function peerByName(name: string): Peer {
  const peer = PEERS.find((p) => p.name === name);
  if (peer === undefined)
    throw new Error(`unknown peer ${JSON.stringify(name)}; the peers are ${PEERS.map((p) => p.name).join(', ')}`);
  return peer;
}
