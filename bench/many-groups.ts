/**
 * A/B of two builds on a high-cardinality group-by: a file of 1,000,000 distinct keys counted
 * by key (one chunk: the workers' group table and the merge of one huge partial), and the same
 * 200,000 keys five times over with count, sum and min in 1 MiB chunks (many partials sharing
 * their groups: the merge's lookups). Runs interleaved (A B B A ...), medians, rows compared.
 *
 *   cp -r dist /tmp/dist-before; ...change src/, npm run build...
 *   npx tsx bench/many-groups.ts --a /tmp/dist-before [--b dist] [--runs 5]
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultDataDir } from './data.ts';
import { median } from './util.ts';

const { values } = parseArgs({
  options: { a: { type: 'string' }, b: { type: 'string', default: 'dist' }, runs: { type: 'string', default: '5' } },
});
if (values.a === undefined) {
  console.error('usage: npx tsx bench/many-groups.ts --a DIST_A [--b dist] [--runs 5]');
  process.exit(2);
}
const dir = defaultDataDir();
mkdirSync(dir, { recursive: true });
const distinct = join(dir, 'keys-1m.csv');
const repeated = join(dir, 'keys-200k-x5.csv');
if (!existsSync(distinct)) {
  const lines = ['k'];
  for (let i = 0; i < 1_000_000; i++) lines.push(String(i));
  writeFileSync(distinct, `${lines.join('\n')}\n`);
}
if (!existsSync(repeated)) {
  const lines = ['k,v'];
  for (let r = 0; r < 5; r++) for (let i = 0; i < 200_000; i++) lines.push(`${i},${(i % 997) / 100}`);
  writeFileSync(repeated, `${lines.join('\n')}\n`);
}

// biome-ignore lint/suspicious/noExplicitAny: two builds' public APIs, loaded by path
type Engine = any;
const load = async (d: string): Promise<Engine> => import(pathToFileURL(resolve(d, 'index.js')).href);
const builds: [string, Engine][] = [
  ['A', await load(values.a)],
  ['B', await load(values.b)],
];
const jobs: [string, (m: Engine) => Promise<{ rows: unknown[] }>][] = [
  [
    '1,000,000 groups, count, serial',
    (m) => m.processSerial({ input: distinct, aggregate: { groupBy: ['k'], measures: { n: m.count() } } }),
  ],
  [
    '1,000,000 groups, count, 2 workers',
    (m) =>
      m.processDataset({ input: distinct, workers: 2, aggregate: { groupBy: ['k'], measures: { n: m.count() } } })
        .result,
  ],
  [
    '200,000 groups x 5, count+sum+min, 2 workers, 1 MiB chunks',
    (m) =>
      m.processDataset({
        input: repeated,
        workers: 2,
        chunkSize: 1 << 20,
        aggregate: { groupBy: ['k'], measures: { n: m.count(), s: m.sum('v'), lo: m.min('v') } },
      }).result,
  ],
];
const runs = Number(values.runs);
for (const [name, run] of jobs) {
  const times: Record<string, number[]> = { A: [], B: [] };
  let reference: string | undefined;
  for (let r = 0; r < runs; r++)
    for (const [label, engine] of r % 2 === 0 ? builds : [...builds].reverse()) {
      const start = performance.now();
      const { rows } = await run(engine);
      times[label]!.push(performance.now() - start);
      const text = JSON.stringify(rows);
      if (reference === undefined) reference = text;
      else if (text !== reference) throw new Error(`${name}: the builds' rows differ`);
    }
  const a = median(times.A!);
  const b = median(times.B!);
  console.log(`${name}: A ${a.toFixed(0)} ms, B ${b.toFixed(0)} ms, B/A ${(b / a).toFixed(2)} (rows identical)`);
}
