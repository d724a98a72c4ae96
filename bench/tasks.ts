/**
 * User code against the built-in engine, on the sales dataset: the built-in `sum(amount)`
 * aggregate, a user task that sums the same column (fixtures/tasks/sum-column.mjs, written as a
 * user would), and a user transform that returns every row as an object (select.mjs), written as
 * NDJSON and as CSV, each with 1 and N workers (and the first two serially). Runs are interleaved (A B C A B C ...) so drift on a shared machine hits all
 * alike; figures are medians. Issue #3 asks that the user task reach half the built-in's speed.
 *
 *   npm run bench:tasks -- [--size 100MB] [--workers 2] [--runs 5]
 */
import { availableParallelism } from 'node:os';
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { processDataset, processSerial, sum, taskModule } from 'chunkmill';
import { defaultDataDir, ensureDataset } from './data.ts';
import { formatNumber, median, parseSize } from './util.ts';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '100MB' },
    workers: { type: 'string', default: String(availableParallelism()) },
    runs: { type: 'string', default: '5' },
  },
});
const data = await ensureDataset(defaultDataDir(), 'sales', parseSize(values.size), 42, (l) => console.log(l));
const workers = Number(values.workers);
const task = taskModule<typeof import('../fixtures/tasks/sum-column.mjs')>(
  new URL('../fixtures/tasks/sum-column.mjs', import.meta.url),
);
const transform = new URL('../fixtures/tasks/select.mjs', import.meta.url);
const out = (format: string) => `${defaultDataDir()}/bench-transform.${format}`;
const input = data.path;

type Config = { name: string; run: () => Promise<number> };
const configs: Config[] = [];
for (const w of [...new Set([1, workers])]) {
  configs.push({
    name: `built-in sum, ${w} worker(s)`,
    run: async () =>
      // A sum is a bigint only for integers beyond 2^53: amounts are decimals.
      Number(
        (await processDataset({ input, workers: w, aggregate: { measures: { s: sum('amount') } } }).result).rows[0]!.s!,
      ),
  });
  configs.push({
    name: `user task sum, ${w} worker(s)`,
    run: async () => (await processDataset({ input, workers: w, task, params: { column: 'amount' } }).result).value.sum,
  });
  for (const format of ['ndjson', 'csv'] as const)
    configs.push({
      name: `user transform to ${format === 'csv' ? 'CSV' : 'NDJSON'}, ${w} worker(s)`,
      run: async () =>
        (await processDataset({ input, workers: w, transform, output: { path: out(format), format } }).result).rowsOut,
    });
}
configs.push({
  name: 'built-in sum, serial',
  run: async () => Number((await processSerial({ input, aggregate: { measures: { s: sum('amount') } } })).rows[0]!.s!),
});
configs.push({
  name: 'user task sum, serial',
  run: async () => (await processSerial({ input, task, params: { column: 'amount' } })).value.sum,
});

const times = new Map<string, number[]>(configs.map((c) => [c.name, []]));
const answers = new Map<string, number>();
console.log(
  `${data.path}: ${formatNumber(data.bytes / 1e6)} MB, ${data.rows.toLocaleString('en-US')} rows; ${values.runs} interleaved runs`,
);
for (let r = 0; r < Number(values.runs); r++) {
  for (const c of configs) {
    const t = performance.now();
    answers.set(c.name, await c.run());
    times.get(c.name)!.push(performance.now() - t);
  }
}
for (const format of ['ndjson', 'csv']) rmSync(out(format), { force: true });
const builtin = (w: string) => median(times.get(`built-in sum, ${w}`)!);
console.log('\n| configuration | median ms | MB/s | vs built-in sum | answer |\n|--|--:|--:|--:|--:|');
for (const c of configs) {
  const ms = median(times.get(c.name)!);
  const w = c.name.split(', ')[1]!;
  console.log(
    `| ${c.name} | ${ms.toFixed(0)} | ${formatNumber(data.bytes / 1e3 / ms)} | ${(builtin(w) / ms).toFixed(2)}x | ${formatNumber(answers.get(c.name)!, 12)} |`,
  );
}
// The user task sums in doubles (its own choice), the built-in exactly: equal to ~1e-9 relative.
const exact = answers.get(`built-in sum, serial`)!;
for (const c of configs.filter((c) => c.name.startsWith('user task'))) {
  if (Math.abs(answers.get(c.name)! - exact) > Math.abs(exact) * 1e-9)
    throw new Error(`${c.name}: ${answers.get(c.name)} differs from the built-in ${exact}`);
}
