/**
 * Issue #24's wider toolkit through the real binary, each compared with DuckDB on the same file:
 * expressions as group keys (date parts, date_trunc, lower/upper/substr, arithmetic), the where
 * operators (in, like, between, ~, expressions on the left, integers beyond 2^53), and the
 * measures --stddev, --var, --quantile and --mode, over several chunk sizes and worker counts.
 */
import { expect, test } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { useDuckDb } from '../helpers/duckdb.ts';
import { rng } from '../helpers/random-csv.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const duck = useDuckDb();

/** A sales-like file: ISO dates and timestamps, mixed-case UTF-8 regions, decimals, empties. */
function salesFile(): string {
  const random = rng(24);
  const regions = ['north', 'North', 'SOUTH', 'south', 'Zürich', 'köln', 'Köln', '東京', 'east-1'];
  const lines = ['id,ts,region,amount,qty'];
  for (let i = 0; i < 2500; i++) {
    const day = `2024-${String(1 + Math.floor(random() * 12)).padStart(2, '0')}-${String(1 + Math.floor(random() * 28)).padStart(2, '0')}`;
    const r = random();
    const ts =
      r < 0.05
        ? ''
        : r < 0.5
          ? day
          : `${day}${r < 0.75 ? 'T' : ' '}${String(Math.floor(random() * 24)).padStart(2, '0')}:${String(Math.floor(random() * 60)).padStart(2, '0')}:07`;
    const amount = random() < 0.05 ? '' : (random() * 1000 - 100).toFixed(2);
    const qty = random() < 0.03 ? '' : String(1 + Math.floor(random() * 9));
    const region = regions[Math.floor(random() * regions.length)]!;
    lines.push(`${i + 1},${ts},${region.includes(',') ? `"${region}"` : region},${amount},${qty}`);
  }
  return tmp.file('sales.csv', lines.join('\n') + '\n');
}

const SALES = salesFile();
const RUNS = [
  ['--workers', '1', '--chunk-size', '1000000'],
  ['--workers', '3', '--chunk-size', '977'],
  ['--workers', '2', '--chunk-size', '64'],
];
/** DuckDB reads every column as text, then casts as our expressions read them. */
const FROM = `read_csv('${SALES}', all_varchar = true)`;

async function cli(args: string[]): Promise<string[][]> {
  const r = await runCli([...args, '-f', 'csv']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout
    .trimEnd()
    .split('\n')
    .map((l) => l.split(','));
}

/** Rows as sorted text lines, numbers rounded to 9 significant digits (DuckDB sums doubles). */
function lines(rows: unknown[][]): string[] {
  const cell = (v: unknown) => {
    if (v === null || v === undefined || v === '') return '';
    const n = typeof v === 'bigint' ? Number(v) : Number(v);
    return typeof v !== 'string' || (/^-?[\d.]+(e[+-]?\d+)?$/.test(v) && Number.isFinite(n))
      ? String(Number(n.toPrecision(9)))
      : String(v);
  };
  return rows.map((r) => r.map(cell).join('|')).sort();
}

test('expression group keys match DuckDB: date parts, date_trunc, text functions, arithmetic, names as written or as', {
  timeout: 120_000,
}, async () => {
  const cases: [string[], string][] = [
    [
      ['-g', 'month(ts),lower(region) as r', '--count', '--sum', 'amount'],
      `SELECT month(ts::TIMESTAMP), lower(region) AS r, count(*), sum(amount::DOUBLE) FROM ${FROM} GROUP BY ALL`,
    ],
    [
      ['-g', "date_trunc('month', ts),year(ts),day(ts),hour(ts)", '--count'],
      `SELECT date_trunc('month', ts::TIMESTAMP)::VARCHAR, year(ts::TIMESTAMP), day(ts::TIMESTAMP), hour(ts::TIMESTAMP), count(*) FROM ${FROM} GROUP BY ALL`,
    ],
    [
      ['-g', 'upper(substr(region, 2, 3)),substr(region, -2)', '--count', '--max', 'qty'],
      `SELECT upper(substr(region, 2, 3)), substr(region, -2), count(*), max(qty::BIGINT) FROM ${FROM} GROUP BY ALL`,
    ],
    [
      ['-g', 'qty * 2 + 1,(qty - 1) * -3', '--count', '--mean', 'amount'],
      `SELECT qty::BIGINT * 2 + 1, (qty::BIGINT - 1) * -3, count(*), avg(amount::DOUBLE) FROM ${FROM} GROUP BY ALL`,
    ],
  ];
  // Each case on one configuration, in turn (every configuration is used; the library's matrix in
  // test/kinds/expressions.test.ts sweeps chunk sizes x workers for each expression kind).
  for (const [i, [args, sql]] of cases.entries()) {
    const expected = lines((await duck.run(sql)).map((r) => Object.values(r)));
    for (const run of [RUNS[i % RUNS.length]!]) {
      const [header, ...rows] = await cli(['aggregate', SALES, ...args, ...run]);
      expect(lines(rows), `${args.join(' ')} ${run.join(' ')}`).toEqual(expected);
      if (args[1]!.startsWith('month')) expect(header!.slice(0, 2)).toEqual(['month(ts)', 'r']);
    }
  }
});

test('where: in, like, between, ~ and expressions on the left match DuckDB', { timeout: 120_000 }, async () => {
  const cases: [string, string][] = [
    ['region in ("north", "Köln", "東京")', `region IN ('north', 'Köln', '東京')`],
    ['not region in ("north") and qty in (1, 2, 3)', `NOT region IN ('north') AND qty::BIGINT IN (1, 2, 3)`],
    ['region like "%ö%" or region like "_outh"', `region LIKE '%ö%' OR region LIKE '_outh'`],
    ['region not like "%o%"', `region NOT LIKE '%o%'`],
    [
      'amount between 10 and 200.5 and not qty between 2 and 4',
      `amount::DOUBLE BETWEEN 10 AND 200.5 AND NOT qty::BIGINT BETWEEN 2 AND 4`,
    ],
    ['region between "Köln" and "north"', `region BETWEEN 'Köln' AND 'north'`],
    ['region ~ "[nN]or.*|.*ü.*"', `regexp_full_match(region, '[nN]or.*|.*ü.*')`],
    [
      'region ~ "east-\\d" or id ~ "1\\d\\d"',
      `regexp_full_match(region, 'east-\\d') OR regexp_full_match(id, '1\\d\\d')`,
    ],
    ['month(ts) = 3 or year(ts) < 2024', `month(ts::TIMESTAMP) = 3 OR year(ts::TIMESTAMP) < 2024`],
    [
      '(amount + 1) * qty > 500 and lower(region) = "köln"',
      `(amount::DOUBLE + 1) * qty::BIGINT > 500 AND lower(region) = 'köln'`,
    ],
    [
      'date_trunc(\'month\', ts) = "2024-02-01 00:00:00"',
      `date_trunc('month', ts::TIMESTAMP) = TIMESTAMP '2024-02-01'`,
    ],
    [
      'substr(region, 1, 1) in ("n", "N") and amount / qty > 50',
      `substr(region, 1, 1) IN ('n', 'N') AND amount::DOUBLE / qty::BIGINT > 50`,
    ],
  ];
  for (const [i, [where, sql]] of cases.entries()) {
    const expected = lines(
      (await duck.run(`SELECT region, count(*), sum(amount::DOUBLE) FROM ${FROM} WHERE ${sql} GROUP BY region`)).map(
        (r) => Object.values(r),
      ),
    );
    expect(expected.length, where).toBeGreaterThan(0);
    for (const run of [RUNS[1 + (i % 2)]!]) {
      const [, ...rows] = await cli([
        'aggregate',
        SALES,
        '-g',
        'region',
        '--count',
        '--sum',
        'amount',
        '--where',
        where,
        ...run,
      ]);
      expect(lines(rows), `${where} ${run.join(' ')}`).toEqual(expected);
    }
  }
});

test('where compares integers beyond 2^53 exactly, as DuckDB does', async () => {
  const file = tmp.file(
    'big.csv',
    'id\n9007199254740992\n9007199254740993\n9007199254740993\n9223372036854775807\n-9007199254740993\n',
  );
  const count = async (where: string) => (await cli(['aggregate', file, '--count', '--where', where]))[1]![0];
  const duckCount = async (where: string) =>
    String((await duck.run(`SELECT count(*) AS n FROM read_csv('${file}') WHERE ${where}`))[0]!.n);
  for (const where of [
    'id = 9007199254740993',
    'id = 9007199254740992',
    'id > 9007199254740992',
    'id <= 9007199254740992',
    'id != 9007199254740993',
    'id in (9007199254740993, 9223372036854775807)',
    'id between 9007199254740993 and 9223372036854775806',
    'id < -9007199254740992',
  ]) {
    const sql = where.replace(/id between (\S+) and (\S+)/, 'id BETWEEN $1 AND $2');
    expect(await count(where), where).toBe(await duckCount(sql));
  }
  expect(await count('id = 9007199254740993')).toBe('2');
});

test('--stddev, --var, --quantile and --mode match DuckDB (stddev_samp, var_samp, quantile_cont, mode)', {
  timeout: 120_000,
}, async () => {
  const expected = await duck.run(
    `SELECT region, stddev_samp(amount::DOUBLE) AS sd, var_samp(amount::DOUBLE) AS v, ` +
      `quantile_cont(amount::DOUBLE, 0.9) AS q90, quantile_cont(qty::DOUBLE, 0.25) AS q25, mode(qty) AS m ` +
      `FROM ${FROM} GROUP BY region ORDER BY region`,
  );
  for (const run of RUNS) {
    const [header, ...rows] = await cli([
      'aggregate',
      SALES,
      '-g',
      'region',
      '--stddev',
      'amount',
      '--var',
      'amount',
      '--quantile',
      'amount:0.9',
      '--quantile',
      'qty:0.25',
      '--mode',
      'qty',
      '--sort',
      'region',
      ...run,
    ]);
    expect(header).toEqual(['region', 'stddev_amount', 'var_amount', 'p90_amount', 'p25_qty', 'mode_qty']);
    expect(rows.map((r) => r[0])).toEqual(expected.map((r) => r.region));
    rows.forEach((r, i) => {
      const e = expected[i]!;
      const close = (got: string, want: unknown) =>
        expect(
          Math.abs(Number(got) - Number(want)) / Math.max(1, Math.abs(Number(want))),
          `${r[0]} ${got} ${want}`,
        ).toBeLessThan(1e-9);
      close(r[1]!, e.sd);
      close(r[2]!, e.v);
      close(r[3]!, e.q90);
      close(r[4]!, e.q25);
      expect(r[5]).toBe(String(e.m));
    });
  }
  // Alone, --stddev and --var run on the byte-level aggregate: the same figures.
  for (const run of RUNS) {
    const [, ...rows] = await cli([
      'aggregate',
      SALES,
      '-g',
      'region',
      '--var',
      'amount',
      '--stddev',
      'amount',
      '--sort',
      'region',
      ...run,
    ]);
    expect(rows.map((r) => r[0])).toEqual(expected.map((r) => r.region));
    rows.forEach((r, i) => {
      for (const [got, want] of [
        [r[1]!, expected[i]!.v],
        [r[2]!, expected[i]!.sd],
      ] as const)
        expect(Math.abs(Number(got) - Number(want)) / Math.abs(Number(want)), `${r[0]} ${got} ${want}`).toBeLessThan(
          1e-9,
        );
    });
  }
  // One value: no sample deviation (NULL, an empty cell), as DuckDB.
  const one = tmp.file('one.csv', 'v\n5\n');
  expect(await cli(['aggregate', one, '--stddev', 'v', '--var', 'v', '--quantile', 'v:1'])).toEqual([
    ['stddev_v', 'var_v', 'p100_v'],
    ['', '', '5'],
  ]);
  expect(await cli(['aggregate', one, '--stddev', 'v', '--var', 'v'])).toEqual([
    ['stddev_v', 'var_v'],
    ['', ''],
  ]);
});

test('coded errors: an unknown function with a did-you-mean, an unknown column in an expression, a costly regex', async () => {
  const fn = await runCli(['aggregate', SALES, '-g', 'mnth(ts)', '--count']);
  expect(fn.code).toBe(2);
  expect(fn.stderr.split('\n').slice(0, 4)).toEqual([
    'chunkmill: --group-by: unknown function mnth() (character 1) [ERR_INVALID_OPTION]',
    '  mnth(ts)',
    '  ^',
    'hint: did you mean month()? The functions are year, month, day, hour, date_trunc, lower, upper, substr',
  ]);
  const col = await runCli(['aggregate', SALES, '-g', 'region,lower(regoin)', '--count']);
  expect(col.code).toBe(1);
  expect(col.stderr).toMatch(
    /Unknown column "regoin" in --group-by .*\(in "lower\(regoin\)" at character 7\) \[ERR_UNKNOWN_COLUMN\]\nhint: did you mean "region"\?/,
  );
  for (const [pattern, reason] of [
    ['(a+)+b', 'a quantifier on a group that holds a quantifier or |'],
    ['(x|xx)*', 'a quantifier on a group that holds a quantifier or |'],
    ['(a)\\1', 'backreferences are refused'],
    ['a(?=b)', 'lookahead and lookbehind are refused'],
    ['a*b*c*d*e*', 'at most 4 unbounded quantifiers'],
  ] as const) {
    const r = await runCli(['aggregate', SALES, '--count', '--where', `region ~ "${pattern}"`]);
    expect(r.code, pattern).toBe(2);
    expect(r.stderr, pattern).toContain(reason);
  }
  const type = await runCli(['aggregate', SALES, '--count', '--where', 'lower(region) > 3']);
  expect(type.code).toBe(2);
  expect(type.stderr).toContain('this is text: compare it with a quoted text');
  const date = await runCli(['aggregate', SALES, '-g', 'month(region)', '--count']);
  expect(date.code).toBe(1);
  expect(date.stderr).toMatch(
    /is not an ISO date \(YYYY-MM-DD\), but the group-by reads region as one.*\[ERR_CSV_BAD_NUMBER\]/,
  );
  const skipped = await runCli([
    'aggregate',
    SALES,
    '-g',
    'month(region)',
    '--count',
    '--on-bad-number',
    'skip',
    '-f',
    'csv',
  ]);
  expect(skipped.stdout).toBe('month(region),count\n,2500\n');
});
