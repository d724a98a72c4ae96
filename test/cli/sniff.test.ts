/**
 * Dialect sniffing (issue #24, "Sniffing"), through the real binary: the delimiter, quote and
 * header are detected where no flag gives them, an ambiguous file asks for the flag, --no-sniff
 * reads with today's defaults, stdin keeps the bytes the sniffer read, and the answers agree with
 * DuckDB's read_csv auto-detection on the same files.
 */
import { expect, test } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { useDuckDb } from '../helpers/duckdb.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const duck = useDuckDb();

const ROWS = [
  ['Anna', '10', 'Koeln'],
  ['Bob', '20', 'Berlin'],
  ['Cleo', '5', 'Koeln'],
];

function file(name: string, delimiter: string): string {
  const lines = [['name', 'amount', 'city'], ...ROWS].map((r) => r.join(delimiter));
  return tmp.file(name, lines.join('\n') + '\n');
}

const SUMS = 'city,sum_amount\nKoeln,15\nBerlin,20\n';

test.each([
  ['comma', ',', "','"],
  ['semicolon', ';', "';'"],
  ['tab', '\t', 'tab'],
  ['pipe', '|', "'|'"],
])('a %s file is read with its delimiter, and says so with --verbose; DuckDB agrees', async (_, d, spelled) => {
  const path = file(`sales-${d === '\t' ? 'tab' : d}.csv`, d);
  const r = await runCli(['aggregate', path, '-g', 'city', '--sum', 'amount', '-f', 'csv', '--verbose']);
  expect([r.code, r.stdout]).toEqual([0, SUMS]);
  expect(r.stderr).toBe(
    `chunkmill: read ${path} with delimiter ${spelled} (detected), quote '"' (default), a header (detected); --no-sniff turns detection off\n`,
  );
  // Without --verbose and with stderr not a terminal: nothing on stderr.
  const quiet = await runCli(['aggregate', path, '-g', 'city', '--sum', 'amount', '-f', 'csv']);
  expect([quiet.code, quiet.stdout, quiet.stderr]).toEqual([0, SUMS, '']);
  const [sniffed] = await duck.run(`SELECT Delimiter AS d, HasHeader AS h FROM sniff_csv('${path}')`);
  expect([sniffed!.d, sniffed!.h]).toEqual([d, true]);
  const duckSums = await duck.run(`SELECT city, sum(amount) AS s FROM read_csv('${path}') GROUP BY city ORDER BY city`);
  expect(duckSums.map((x) => `${x.city},${x.s}`)).toEqual(['Berlin,20', 'Koeln,15']);
});

test('quoted fields holding the other delimiters do not sway the choice', async () => {
  const path = tmp.file('quoted.csv', 'name,amount\n"a;b|c",1\n"d\te;f",2\n"g|h;i",3\n');
  const r = await runCli(['convert', path, '--to', 'ndjson', '--verbose']);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe(
    '{"name":"a;b|c","amount":"1"}\n{"name":"d\\te;f","amount":"2"}\n{"name":"g|h;i","amount":"3"}\n',
  );
  expect(r.stderr).toContain(`delimiter ',' (detected), quote '"' (detected), a header (detected)`);
  const [sniffed] = await duck.run(`SELECT Delimiter AS d, Quote AS q FROM sniff_csv('${path}')`);
  expect([sniffed!.d, sniffed!.q]).toEqual([',', '"']);
});

test("a single-quoted file is read with ' as the quote", async () => {
  const path = tmp.file('single.csv', "name;amount\n'x; y';1\n'z';2\n");
  const r = await runCli(['convert', path, '--to', 'ndjson', '--verbose']);
  expect([r.code, r.stdout]).toEqual([0, '{"name":"x; y","amount":"1"}\n{"name":"z","amount":"2"}\n']);
  expect(r.stderr).toContain(`delimiter ';' (detected), quote "'" (detected)`);
});

test('a headerless numeric file has no header, as DuckDB finds; --header overrides', async () => {
  const path = tmp.file('numbers.csv', '1,10,100\n2,20,200\n3,30,300\n');
  const r = await runCli(['aggregate', path, '--sum', '2', '--count', '-f', 'csv', '--verbose']);
  expect([r.code, r.stdout]).toEqual([0, 'sum_2,count\n60,3\n']);
  expect(r.stderr).toContain('no header (detected)');
  const [sniffed] = await duck.run(`SELECT HasHeader AS h FROM sniff_csv('${path}')`);
  expect(sniffed!.h).toBe(false);
  const [duckSum] = await duck.run(`SELECT sum(column1) AS s, count(*) AS n FROM read_csv('${path}')`);
  expect([duckSum!.s, duckSum!.n]).toEqual([60n, 3n]);
  const forced = await runCli(['aggregate', path, '--header', '--sum', '10', '-f', 'csv']);
  expect([forced.code, forced.stdout]).toEqual([0, 'sum_10\n50\n']);
});

test('an all-text file is assumed to have a header (as DuckDB assumes), and says it was assumed', async () => {
  const path = tmp.file('names.csv', 'first;last\nAnna;Berg\nBob;Carr\n');
  const r = await runCli(['aggregate', path, '-g', 'last', '-f', 'csv', '--verbose']);
  expect([r.code, r.stdout]).toEqual([0, 'last,count\nBerg,1\nCarr,1\n']);
  expect(r.stderr).toContain('a header (assumed)');
});

test('two delimiters that read the file equally well: ERR_CSV_AMBIGUOUS names the file and the flags', async () => {
  const path = tmp.file('ambiguous.csv', 'a;b,c\n1;2,3\n4;5,6\n');
  const r = await runCli(['aggregate', path, '--count']);
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe(
    `chunkmill: Cannot tell the delimiter of ${path}: "," and ";" read the first 3 lines equally well (2 columns and 2 columns) [ERR_CSV_AMBIGUOUS]\n` +
      `hint: give it: --delimiter ',' or --delimiter ';' (or --no-sniff for ',' and '"')\n`,
  );
  // The flag settles it.
  const given = await runCli(['aggregate', path, '-d', ';', '-g', 'a', '-f', 'csv']);
  expect([given.code, given.stdout]).toEqual([0, 'a,count\n1,1\n4,1\n']);
});

test("--no-sniff reads with today's defaults: a semicolon header is still ERR_CSV_HEADER", async () => {
  const path = file('nosniff.csv', ';');
  const r = await runCli(['aggregate', path, '--count', '--no-sniff']);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/\[ERR_CSV_HEADER\]\nhint: --delimiter ';'/);
  const numbers = tmp.file('nosniff-numbers.csv', '1,10\n2,20\n');
  const n = await runCli(['aggregate', numbers, '--sum', '10', '--no-sniff', '--verbose', '-f', 'csv']);
  expect([n.code, n.stdout, n.stderr]).toEqual([0, 'sum_10\n20\n', '']);
});

test('stdin: the sniffed bytes are read again by the job, also past the 64 KiB sample', async () => {
  const lines = ['id;v'];
  for (let i = 0; i < 20_000; i++) lines.push(`${i};${i % 7}`);
  const input = lines.join('\n') + '\n';
  expect(input.length).toBeGreaterThan(64 * 1024);
  const r = await runCli(['aggregate', '-', '--sum', 'v', '--count', '-f', 'csv', '--verbose'], { input });
  const sum = Array.from({ length: 20_000 }, (_, i) => i % 7).reduce((a, b) => a + b, 0);
  expect([r.code, r.stdout]).toEqual([0, `sum_v,count\n${sum},20000\n`]);
  expect(r.stderr).toContain("read <stdin> with delimiter ';' (detected)");
  const small = await runCli(['convert', '-', '--to', 'ndjson'], { input: 'a|b\n1|2\n' });
  expect([small.code, small.stdout]).toEqual([0, '{"a":"1","b":"2"}\n']);
});

test('submit sniffs the file it names and queues the detected dialect with the job', async () => {
  const semi = file('queued-semi.csv', ';');
  const store = `${tmp.dir}/jobs.db`;
  const submitted = await runCli(['submit', '--store', store, 'aggregate', semi, '-g', 'city', '--sum', 'amount']);
  expect(submitted).toMatchObject({ code: 0, stderr: '' });
  const shown = await runCli(['jobs', 'show', submitted.stdout.trim(), '--store', store]);
  expect(JSON.parse(shown.stdout).spec.csv).toMatchObject({ delimiter: ';', header: true });
  const off = await runCli(['submit', '--store', store, 'aggregate', semi, '--no-sniff', '--count']);
  expect(off).toMatchObject({ code: 0 });
  const plain = await runCli(['jobs', 'show', off.stdout.trim(), '--store', store]);
  expect(JSON.parse(plain.stdout).spec.csv?.delimiter).toBeUndefined();
});
