/**
 * Issue 24's messy files, through the real binary, each compared with DuckDB reading the same
 * file: empty and repeated header names.
 */
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
