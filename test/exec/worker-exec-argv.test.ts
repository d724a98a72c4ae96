/**
 * Workers must not inherit the host's Node flags: a V8 flag made worker creation throw
 * ERR_WORKER_INVALID_EXEC_ARGV, and a loader flag (tsx, ts-node) made every worker load it.
 * Each case runs a real job in a child process started with such flags.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const fixture = fileURLToPath(new URL('../../fixtures/utf8-keys.csv', import.meta.url));
const expected = JSON.parse(
  readFileSync(new URL('../../fixtures/utf8-keys.expected.json', import.meta.url), 'utf8'),
) as { rows: unknown[] };
const script = `
  import { processDataset, count, sum } from 'chunkmill';
  const job = processDataset({ input: ${JSON.stringify(fixture)}, workers: 2, chunkSize: 7,
    aggregate: { groupBy: ['city'], measures: { n: count(), total: sum('amount') } } });
  const { rows } = await job.result;
  console.log(JSON.stringify({ rows, execArgv: process.execArgv }));
`;

describe('worker threads ignore the host process flags', () => {
  test.each([
    ['a V8 flag', ['--interrupt-budget=16384']],
    ['a loader flag', ['--import', 'data:text/javascript,globalThis.loaded=1']],
    ['Node flags with values', ['--max-old-space-size=512', '--stack-size=2000']],
  ])(
    '%s',
    (_, flags) => {
      const out = execFileSync(process.execPath, [...flags, '--input-type=module', '-e', script], {
        cwd: fileURLToPath(new URL('../..', import.meta.url)),
        encoding: 'utf8',
        timeout: 30_000,
      });
      const result = JSON.parse(out) as { rows: unknown[]; execArgv: string[] };
      expect(result.execArgv).toEqual(expect.arrayContaining(flags));
      expect(result.rows).toEqual(expected.rows);
    },
    60_000,
  );
});
