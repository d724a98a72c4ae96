/**
 * Golden fixtures: `fixtures/<case>.csv` with `fixtures/<case>.expected.json`, whose `options`
 * document the aggregate (measures as a list of `{ name, kind, column }`) and whose `rows` are
 * the expected result, worked out by hand and checked with @fast-csv/parse
 * (fixtures/check-golden.mjs), never by running chunkmill.
 */
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  count,
  max,
  mean,
  min,
  stddev,
  sum,
  variance,
  type CsvOptions,
  type MeasureSpec,
  type ProcessOptions,
} from 'chunkmill';

export const FIXTURES_DIR = fileURLToPath(new URL('../../fixtures/', import.meta.url));

export interface MeasureJson {
  name: string;
  kind: MeasureSpec['kind'];
  column?: string;
}

export interface GoldenSpec {
  csv: CsvOptions;
  groupBy: string[];
  measures: MeasureJson[];
}

export type ResultRow = Record<string, string | number | null>;

export interface Fixture {
  name: string;
  path: string;
  size: number;
  description: string;
  spec: GoldenSpec;
  rows: ResultRow[];
}

/**
 * The golden cases: issue 2's list plus blank-lines and quoted-header. Listed, not globbed, so a
 * lost fixture fails its tests instead of vanishing from them.
 */
export const FIXTURE_CASES = [
  'quoted-newlines-lf',
  'quoted-newlines-crlf',
  'escaped-quotes',
  'delimiters-in-quotes',
  'utf8-bom',
  'crlf',
  'utf8-keys',
  'empty',
  'header-only',
  'no-trailing-newline',
  'long-record',
  'bare-quote',
  'semicolon',
  'no-header',
  'blank-lines',
  'quoted-header',
] as const;

export function loadFixture(name: string): Fixture {
  const path = FIXTURES_DIR + name + '.csv';
  const golden = JSON.parse(readFileSync(FIXTURES_DIR + name + '.expected.json', 'utf8')) as {
    description: string;
    options: GoldenSpec;
    rows: ResultRow[];
  };
  return {
    name,
    path,
    size: statSync(path).size,
    description: golden.description,
    spec: golden.options,
    rows: golden.rows,
  };
}

/** The measure list of a golden file as the measures object processDataset takes. */
export function measuresOf(list: MeasureJson[]): Record<string, MeasureSpec> {
  const out: Record<string, MeasureSpec> = {};
  for (const m of list) {
    if (m.kind === 'count') {
      out[m.name] = count();
      continue;
    }
    if (m.column === undefined) throw new Error(`measure ${m.name}: ${m.kind} needs a column`);
    out[m.name] = { sum, min, max, mean, stddev, variance }[m.kind](m.column);
  }
  return out;
}

/** processDataset / processSerial options for a fixture's documented spec. */
export function fixtureOptions(f: Fixture, extra: Partial<ProcessOptions> = {}): ProcessOptions {
  return {
    input: f.path,
    csv: f.spec.csv,
    aggregate: { groupBy: f.spec.groupBy, measures: measuresOf(f.spec.measures) },
    ...extra,
  };
}
