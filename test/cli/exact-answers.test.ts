/**
 * Issue #24's silent wrong answers, through the real binary: integers beyond 2^53 (#1), the
 * empty group under --sort (#5), and stats' leading zeros and distinct estimate (#7). DuckDB
 * (a devDependency) is the reference where it answers the same question.
 */
import { expect, test } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { useDuckDb } from '../helpers/duckdb.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const duck = useDuckDb();

async function cli(args: string[]): Promise<string> {
  const r = await runCli(args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

test('#1 the issue repro: min and max are the integers in the file, in every format and in stats', async () => {
  const file = tmp.file('b.csv', 'id\n9007199254740993\n9223372036854775807\n');
  const args = ['aggregate', file, '--min', 'id', '--max', 'id', '--sum', 'id'];
  expect(await cli([...args, '-f', 'csv'])).toBe(
    'min_id,max_id,sum_id\n9007199254740993,9223372036854775807,9232379236109516800\n',
  );
  // JSON: numbers with all their digits (JSON has no limit; JSON.parse would round them).
  expect(await cli([...args, '-f', 'json'])).toBe(
    '[\n{"min_id":9007199254740993,"max_id":9223372036854775807,"sum_id":9232379236109516800}\n]\n',
  );
  expect(await cli([...args, '-f', 'ndjson', '--workers', '2', '--chunk-size', '1'])).toBe(
    '{"min_id":9007199254740993,"max_id":9223372036854775807,"sum_id":9232379236109516800}\n',
  );
  // The group-measures path (a median asks for it) gives the same exact figures.
  expect(await cli([...args, '--median', 'id', '-f', 'csv'])).toBe(
    'min_id,max_id,sum_id,median_id\n9007199254740993,9223372036854775807,9232379236109516800,4616189618054758000\n',
  );
  const [row] = await duck.run(`SELECT min(id) AS mn, max(id) AS mx, sum(id) AS s FROM read_csv('${file}')`);
  expect([row!.mn, row!.mx, row!.s]).toEqual([9007199254740993n, 9223372036854775807n, 9232379236109516800n]);
  const stats = await cli(['stats', file, '-f', 'csv']);
  expect(stats.split('\n')[1]).toBe('id,integer,2,0,9007199254740993,9223372036854775807,4616189618054758000,2,true');
});

test('#1 sums of integers past 2^53 are exact like DuckDB; a double beyond it keeps the sum a double', async () => {
  // Per group: many safe integers whose sum passes 2^53; negative big ones; and a group with a
  // double (an exponent) beyond 2^53, which DuckDB too sums as a double.
  const lines = ['g,v'];
  for (let i = 0; i < 300; i++) lines.push(`a,${4503599627370497 + i}`, `b,-${9007199254740993n + BigInt(i)}`);
  lines.push('c,9007199254740993', 'c,1e17', 'c,1');
  const file = tmp.file('sums.csv', lines.join('\n') + '\n');
  const out = await cli([
    'aggregate',
    file,
    '-g',
    'g',
    '--sum',
    'v',
    '--min',
    'v',
    '--max',
    'v',
    '-f',
    'csv',
    '--chunk-size',
    '64',
  ]);
  // DuckDB reads v as a DOUBLE (because of c's 1e17): a and b read as HUGEINT instead.
  const exact = await duck.run(
    `SELECT g, sum(v::HUGEINT)::VARCHAR AS s, min(v::HUGEINT)::VARCHAR AS mn, max(v::HUGEINT)::VARCHAR AS mx ` +
      `FROM read_csv('${file}', types = {'v': 'VARCHAR'}) WHERE g <> 'c' GROUP BY g ORDER BY g`,
  );
  expect(exact.length).toBe(2);
  const rows = out.trim().split('\n').slice(1);
  expect(rows.slice(0, 2)).toEqual(exact.map((r) => `${r.g},${r.s},${r.mn},${r.mx}`));
  // c: 9007199254740993 + 1e17 + 1 as doubles, correctly rounded once; min and max exact.
  expect(rows[2]).toBe(`c,${9007199254740992 + 1e17},1,100000000000000000`);
});

test('#5 --sort puts the empty group last, ascending and descending, as DuckDB (NULLS LAST)', async () => {
  const file = tmp.file('g.csv', 'g,v\nb,1\n,2\nZürich,3\n,4\nc,5\na,6\n');
  for (const [flag, order] of [
    ['g', 'ASC'],
    ['-g', 'DESC'],
  ] as const) {
    const out = JSON.parse(await cli(['aggregate', file, '-g', 'g', '--count', '--sort', flag, '-f', 'json']));
    const want = await duck.run(`SELECT g, count(*) AS n FROM read_csv('${file}') GROUP BY g ORDER BY g ${order}`);
    expect(want.at(-1)!.g).toBeNull();
    expect(out.map((r: { g: string; count: number }) => [r.g, r.count])).toEqual(
      want.map((r) => [r.g ?? '', Number(r.n)]),
    );
  }
});

test('#7 stats: a leading zero makes a value text, as convert --types reads it', async () => {
  const file = tmp.file('zip.csv', 'zip,n\n00501,0\n10001,0.5\n02134,-0\n');
  const out = JSON.parse(await cli(['stats', file, '-f', 'json']));
  expect(out[0]).toMatchObject({ column: 'zip', type: 'string', min: '00501', max: '10001', mean: null });
  expect(out[1]).toMatchObject({ column: 'n', type: 'number', min: 0, max: 0.5 });
  const typed = await cli(['convert', file, '--to', 'ndjson', '--types']);
  expect(typed.split('\n')[0]).toBe('{"zip":"00501","n":0}');
});

test('#7 stats: the distinct estimate never exceeds the values counted', { timeout: 60_000 }, async () => {
  // 50,000 distinct values: this HyperLogLog estimates 50,268 of them (by a run before the cap).
  const lines = ['v'];
  for (let i = 1; i <= 50_000; i++) lines.push(String(i));
  const file = tmp.file('distinct.csv', lines.join('\n') + '\n');
  const out = JSON.parse(await cli(['stats', file, '--distinct-limit', '0', '-f', 'json']));
  expect(out[0]).toMatchObject({ count: 50_000, distinct: 50_000, distinct_exact: false });
});
