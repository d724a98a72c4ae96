/**
 * Issue 24's messy files, through the real binary, each compared with DuckDB reading the same
 * file: empty and repeated header names.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { useDuckDb } from '../helpers/duckdb.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir('chunkmill-messy-');
const duck = useDuckDb();

/** DuckDB's column names for a CSV file, as read_csv names them. */
async function duckNames(file: string): Promise<string[]> {
  const rows = await duck.run(`DESCRIBE SELECT * FROM read_csv('${file}')`);
  return rows.map((r) => String(r.column_name));
}

test('empty and repeated header names: the names DuckDB gives, a warning, and --header-names error', async () => {
  const cases = [
    'val,val,,val_1,,x\n1,2,3,4,5,6\n',
    'a,a,a\n1,2,3\n',
    'a,,column1\n1,2,3\n',
    'column1,,\n1,2,3\n',
    ',b,c,d,e,f,g,h,i,j,,l\n1,2,3,4,5,6,7,8,9,10,11,12\n',
  ];
  for (const [i, text] of cases.entries()) {
    const file = tmp.file(`names-${i}.csv`, text);
    const r = await runCli(['convert', file, '--to', 'csv']);
    expect(r.code, text).toBe(0);
    expect(r.stdout.split('\n')[0]!.split(','), text).toEqual(await duckNames(file));
    expect(r.stderr, text).toMatch(
      /^chunkmill: warning: .*renamed as DuckDB renames them: column \d+ .*\[WARN_HEADER_RENAMED\]\n$/,
    );
    const refused = await runCli(['convert', file, '--to', 'csv', '--header-names', 'error']);
    expect([refused.code, refused.stdout], text).toEqual([1, '']);
    expect(refused.stderr, text).toMatch(/\(.*:1, column .*, byte \d+\) \[ERR_CSV_HEADER\]/);
  }
  // A renamed column is used by its new name, from a file and from stdin alike.
  const text = 'g,v,v\na,1,10\nb,2,20\na,3,30\n';
  const file = tmp.file('group-renamed.csv', text);
  for (const input of [file, '-']) {
    const r = await runCli(['aggregate', input, '-g', 'g', '--sum', 'v_1', '--sort', 'g', '-q'], { input: text });
    expect(r.stdout).toBe('g,sum_v_1\na,40\nb,20\n');
  }
  const sql = await duck.run(`SELECT g, sum(v_1) AS s FROM read_csv('${file}') GROUP BY g ORDER BY g`);
  expect(sql.map((row) => Number(row.s))).toEqual([40, 20]);
  // A clean header gives no warning.
  const clean = await runCli(['convert', tmp.file('clean.csv', 'a,A\n1,2\n'), '--to', 'csv']);
  expect([clean.stdout, clean.stderr]).toEqual(['a,A\n1,2\n', '']);
});

test('convert --to tsv (and -o x.tsv): DuckDB reads back every value, quotes, tabs and line breaks included', async () => {
  const text = 'id,name,note\n1,"a\tb","say ""hi"""\n2,Köln,"two\nlines"\n3,,plain\n';
  const file = tmp.file('tsv-src.csv', text);
  const out = `${tmp.dir}/out.tsv`;
  const r = await runCli(['convert', file, '-o', out]);
  expect(r.code).toBe(0);
  const piped = await runCli(['convert', file, '--to', 'tsv']);
  expect(piped.stdout).toBe('id\tname\tnote\n1\t"a\tb"\t"say ""hi"""\n2\tKöln\t"two\nlines"\n3\t\tplain\n');
  // The byte path (select) and the general path (a --select reorders nothing; --where keeps all) agree.
  const selected = await runCli(['convert', file, '--to', 'tsv', '--select', 'note,id']);
  expect(selected.stdout.split('\n')[0]).toBe('note\tid');
  const read = (sql: string) => duck.run(sql);
  const fromTsv = await read(`SELECT * FROM read_csv('${out}', delim='\t', header=true, all_varchar=true) ORDER BY id`);
  const fromCsv = await read(`SELECT * FROM read_csv('${file}', header=true, all_varchar=true) ORDER BY id`);
  expect(fromTsv).toEqual(fromCsv);
  expect(fromTsv[1]).toEqual({ id: '2', name: 'Köln', note: 'two\nlines' });
  // --types is for JSON only.
  const typed = await runCli(['convert', file, '--to', 'tsv', '--types']);
  expect([typed.code, typed.stderr]).toEqual([
    2,
    expect.stringMatching(/--types applies to json and ndjson output \(TSV is text\)/),
  ]);
});

test('convert --to parquet: types from the data, row groups in order, the values DuckDB reads from the CSV', async () => {
  const lines = ['id,amount,city,at,day,zip,big,empty'];
  for (let i = 0; i < 2500; i++) {
    const at = `2024-0${1 + (i % 9)}-1${i % 10} 0${i % 10}:3${i % 6}:0${i % 10}${i % 3 === 0 ? '.125' : ''}`;
    const amount = i % 7 === 0 ? '' : `${(i * 1.25).toFixed(2)}`;
    lines.push(
      `${i},${amount},${i % 2 ? 'Köln' : i % 3 ? '"a, b"' : '"q ""x""\tt\nn"'},${at},2023-12-${10 + (i % 20)},0${i % 9}12,${9007199254740993n + BigInt(i)},`,
    );
  }
  const file = tmp.file('typed.csv', lines.join('\n') + '\n');
  const out = `${tmp.dir}/typed.parquet`;
  const r = await runCli(['convert', file, '-o', out, '--chunk-size', '4096']);
  expect([r.code, r.stderr]).toEqual([0, '']);
  const types = await duck.run(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '${out}')`);
  expect(Object.fromEntries(types.map((t) => [t.column_name, t.column_type]))).toEqual({
    id: 'BIGINT',
    amount: 'DOUBLE',
    city: 'VARCHAR',
    at: 'TIMESTAMP',
    day: 'DATE',
    zip: 'VARCHAR',
    big: 'BIGINT',
    empty: 'VARCHAR',
  });
  // Every value, in file order, as DuckDB reads the CSV itself (zip as text: it has leading zeros).
  const fromParquet = await duck.run(`SELECT * FROM '${out}'`);
  const fromCsv = await duck.run(
    `SELECT * REPLACE (CAST(amount AS DOUBLE) AS amount, CAST(empty AS VARCHAR) AS empty) FROM read_csv('${file}', types={'zip': 'VARCHAR'})`,
  );
  expect(fromParquet.length).toBe(2500);
  expect(fromParquet).toEqual(fromCsv);
  // A timestamp-looking column (least and greatest are) with one value that is not: text, written again.
  const mixed = tmp.file('mixed.csv', 't\n2024-01-02 00:00:00\n2024-13-02 00:00:00\n2024-12-31 23:59:59\n');
  const mixedOut = `${tmp.dir}/mixed.parquet`;
  expect((await runCli(['convert', mixed, '-o', mixedOut])).code).toBe(0);
  expect(await duck.run(`SELECT typeof(t) AS ty, t FROM '${mixedOut}'`)).toEqual([
    { ty: 'VARCHAR', t: '2024-01-02 00:00:00' },
    { ty: 'VARCHAR', t: '2024-13-02 00:00:00' },
    { ty: 'VARCHAR', t: '2024-12-31 23:59:59' },
  ]);
  // Stdin cannot be read twice; Parquet needs -o.
  const stdin = await runCli(['convert', '-', '--to', 'parquet', '-o', out], { input: 'a\n1\n' });
  expect([stdin.code, stdin.stderr]).toEqual([2, expect.stringMatching(/reads its input twice/)]);
  const noOut = await runCli(['convert', file, '--to', 'parquet']);
  expect([noOut.code, noOut.stderr]).toEqual([2, expect.stringMatching(/give --output/)]);
});

test('convert --to parquet writes a row group per 122,880 rows, in input order', { timeout: 120_000 }, async () => {
  const n = 300_000;
  const file = tmp.file('many.csv', `n\n${Array.from({ length: n }, (_, i) => i).join('\n')}\n`);
  const out = `${tmp.dir}/many.parquet`;
  expect((await runCli(['convert', file, '-o', out, '--chunk-size', '64KiB'])).code).toBe(0);
  const groups = await duck.run(
    `SELECT row_group_id AS g, row_group_num_rows AS rows, stats_min_value AS lo, stats_max_value AS hi FROM parquet_metadata('${out}') ORDER BY g`,
  );
  expect(groups.map((g) => [Number(g.rows), g.lo, g.hi])).toEqual([
    [122_880, '0', '122879'],
    [122_880, '122880', '245759'],
    [54_240, '245760', '299999'],
  ]);
  const check = await duck.run(`SELECT count(*) AS c, sum(n) AS s FROM '${out}'`);
  expect([Number(check[0]!.c), BigInt(check[0]!.s as bigint)]).toEqual([n, BigInt((n * (n - 1)) / 2)]);
});

test('skip counts inside the JSON of aggregate and stats when a skip policy is given; the plain array otherwise', async () => {
  const file = tmp.file('bad.csv', 'name,amount\nAnna,10\nBob,x\nCid\nDan,7\nEve,1,2\n');
  const skip = ['--on-bad-row', 'skip', '--on-bad-number', 'skip'];
  const agg = await runCli(['aggregate', file, '-g', 'name', '--sum', 'amount', ...skip, '-f', 'json', '-q']);
  expect(JSON.parse(agg.stdout)).toEqual({
    rows: [
      { name: 'Anna', sum_amount: 10 },
      { name: 'Bob', sum_amount: null },
      { name: 'Dan', sum_amount: 7 },
    ],
    rows_skipped: 2,
    values_skipped: 1,
  });
  // -o x.json too, and the group-measures task path (--median), zeros included when none were dropped.
  const out = `${tmp.dir}/median.json`;
  await runCli(['aggregate', file, '--median', 'amount', '--on-bad-number', 'skip', '--on-bad-row', 'skip', '-o', out]);
  expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ rows_skipped: 2, values_skipped: 1 });
  const none = await runCli([
    'aggregate',
    tmp.file('good.csv', 'a\n1\n'),
    '--count',
    '--on-bad-row',
    'skip',
    '-f',
    'json',
  ]);
  expect(JSON.parse(none.stdout)).toEqual({ rows: [{ count: 1 }], rows_skipped: 0, values_skipped: 0 });
  const stats = await runCli(['stats', file, '--on-bad-row', 'skip', '-f', 'json', '-q']);
  const parsed = JSON.parse(stats.stdout) as { rows: { column: string }[]; rows_skipped: number };
  expect([parsed.rows.map((r) => r.column), parsed.rows_skipped]).toEqual([['name', 'amount'], 2]);
  // Without a skip policy the JSON stays the array it was.
  const plain = await runCli(['aggregate', tmp.file('good2.csv', 'a\n1\n'), '--count', '-f', 'json']);
  expect(plain.stdout).toBe('[\n{"count":1}\n]\n');
});

test('--decimal , : sums, --where, stats, --types and Parquet read 1,5 as DuckDB does (decimal_separator); sniffing keeps ;', async () => {
  const rows = ['name;amount;city'];
  for (let i = 0; i < 400; i++)
    rows.push(`n${i % 7};${i % 5 === 0 ? '' : `${i},${i % 100}`};${i % 3 ? 'Köln' : 'Bonn'}`);
  const file = tmp.file('decimal.csv', rows.join('\n') + '\n');
  const duckSql = `FROM read_csv('${file}', delim=';', decimal_separator=',')`;
  // DECIMAL: DuckDB's exact sum, as chunkmill's (a DOUBLE sum differs in the last bits).
  const want = await duck.run(
    `SELECT name, CAST(sum(amount) AS DOUBLE) AS s FROM read_csv('${file}', delim=';', decimal_separator=',', types={'amount': 'DECIMAL(18,2)'}) GROUP BY name ORDER BY name`,
  );
  const r = await runCli([
    'aggregate',
    file,
    '--decimal',
    ',',
    '-g',
    'name',
    '--sum',
    'amount',
    '--count',
    '--sort',
    'name',
    '-f',
    'json',
    '--chunk-size',
    '1KiB',
  ]);
  expect(r.code).toBe(0);
  const got = JSON.parse(r.stdout) as { name: string; sum_amount: number }[];
  expect(got.map((g) => [g.name, g.sum_amount])).toEqual(want.map((w) => [w.name, w.s]));
  const over = await runCli([
    'aggregate',
    file,
    '--decimal',
    ',',
    '--count',
    '--where',
    'amount > 200,5'.replace(',', '.'),
  ]);
  const duckOver = await duck.run(`SELECT count(*) AS c ${duckSql} WHERE amount > 200.5`);
  expect(over.stdout).toBe(`count\n${duckOver[0]!.c}\n`);
  const stats = await runCli(['stats', file, '--decimal', ',', '-f', 'json']);
  const amount = (JSON.parse(stats.stdout) as { column: string; type: string; max: number }[])[1]!;
  expect([amount.type, amount.max]).toEqual(['number', 399.99]);
  const typed = await runCli(['convert', file, '--decimal', ',', '--types', '--select', 'amount']);
  expect(typed.stdout.split('\n').slice(1, 3)).toEqual(['{"amount":1.1}', '{"amount":2.2}']);
  const out = `${tmp.dir}/decimal.parquet`;
  expect((await runCli(['convert', file, '--decimal', ',', '-o', out])).code).toBe(0);
  expect(await duck.run(`SELECT * FROM '${out}'`)).toEqual(await duck.run(`SELECT * ${duckSql}`));
  // Without --decimal, 1,5 is text (and the sniffer may even take ',' for the delimiter): an error, not a sum.
  const plain = await runCli(['aggregate', file, '-d', ';', '--sum', 'amount']);
  expect(plain.code).toBe(1);
  expect(plain.stderr).toMatch(/"1,1" is not a number/);
  // A '.' under --decimal , is not a decimal point: text, never 1.5.
  const dotted = tmp.file('dotted.csv', 'a;b\n1.5;x\n');
  const dot = await runCli(['aggregate', dotted, '--decimal', ',', '--sum', 'a']);
  expect([dot.code, dot.stderr]).toEqual([1, expect.stringMatching(/"1\.5" is not a number/)]);
});

test('--encoding latin1 / windows-1252: group keys, --where, convert and stats as DuckDB reads the file; errors name the file byte', async () => {
  const latin = (text: string) => Buffer.from(text, 'latin1');
  const rows = ['name,amount,city'];
  for (let i = 0; i < 300; i++)
    rows.push(`${i % 2 ? 'Cléo' : 'Anna'},${i},${['Köln', 'Zürich', 'Málaga', 'Berlin'][i % 4]}`);
  const file = tmp.file('latin1.csv', latin(rows.join('\n') + '\n'));
  const sql = (q: string) => duck.run(q.replace('FILE', `read_csv('${file}', encoding='latin-1')`));
  const want = await sql('SELECT city, sum(amount) AS s FROM FILE GROUP BY city ORDER BY city');
  for (const chunk of ['64', '8MiB']) {
    const r = await runCli([
      'aggregate',
      file,
      '--encoding',
      'latin1',
      '-g',
      'city',
      '--sum',
      'amount',
      '--sort',
      'city',
      '-f',
      'json',
      '--chunk-size',
      chunk,
    ]);
    expect(JSON.parse(r.stdout), chunk).toEqual(want.map((w) => ({ city: w.city, sum_amount: Number(w.s) })));
  }
  const where = await runCli([
    'aggregate',
    file,
    '--encoding',
    'latin1',
    '--count',
    '--where',
    'city = "Köln" and name = "Cléo"',
  ]);
  const duckWhere = await sql(`SELECT count(*) AS c FROM FILE WHERE city = 'Köln' AND name = 'Cléo'`);
  expect(where.stdout).toBe(`count\n${duckWhere[0]!.c}\n`);
  const converted = await runCli(['convert', file, '--encoding', 'latin1', '--to', 'csv']);
  expect(converted.stdout).toBe(rows.join('\n') + '\n'); // UTF-8 out
  // stdin too, and a header name that is not ASCII.
  const piped = await runCli(['convert', '-', '--encoding', 'latin1'], { input: latin('näme,v\nJürgen,1\n') });
  expect(piped.stdout).toBe('{"näme":"Jürgen","v":"1"}\n');
  // Windows-1252: 0x80-0x9F are €, curly quotes, Š... (the WHATWG table).
  const cp = Buffer.concat([Buffer.from('a,b\n'), Buffer.from([0x80, 0x93, 0x71, 0x94, 0x2c, 0x8a, 0x0a])]);
  const cpFile = tmp.file('cp1252.csv', cp);
  const cpOut = await runCli(['convert', cpFile, '--encoding', 'windows-1252', '--to', 'csv']);
  expect(cpOut.stdout).toBe('a,b\n\u20ac\u201cq\u201d,\u0160\n'); // € “q” Š (Node's TextDecoder reads this label as Latin-1)
  // A located error names the byte in the file, not in the UTF-8 the workers read.
  const bad = await runCli([
    'aggregate',
    tmp.file('bad-latin1.csv', latin('a,b\nKöln,x\n')),
    '--sum',
    'b',
    '--encoding',
    'latin1',
  ]);
  expect(bad.stderr).toMatch(/"x" is not a number \(.*:2, column "b", byte 9\) \[ERR_CSV_BAD_NUMBER\]/);
  // Without --encoding: the coded error, naming file, line and byte, with the flag as the hint.
  const plain = await runCli(['aggregate', file, '-g', 'city', '--count']);
  expect(plain.code).toBe(1);
  expect(plain.stderr).toMatch(
    /^chunkmill: Invalid UTF-8 \(0xf6 .*\(.*latin1\.csv:2, column "city", byte \d+\) \[ERR_CSV_INVALID_UTF8\]\nhint: .*--encoding latin1/,
  );
});
