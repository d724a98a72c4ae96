/**
 * Gzip parts of a dataset, two builds A/B as a user runs them: `node DIST/cli/main.js aggregate
 * 'parts/*.csv.gz' -g region --sum amount --workers N`, each run a fresh process, interleaved
 * (A B B A ...) so that drift on a shared machine hits both alike. The sales file is cut into
 * `--files` parts at record boundaries (each with the header) and each part gzipped. Prints per
 * build the median wall time and the median CPU time (user + system of the process and its
 * threads, from /usr/bin/time), and checks that both builds print the same bytes.
 *
 *   cp -r dist /tmp/old/dist ...           # the baseline build (with package.json, node_modules beside it)
 *   npx tsx bench/gzip-parts.ts --a /tmp/old/dist --b dist [--files 8] [--size 200MB] [--workers 2] [--runs 7]
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { defaultDataDir, ensureDataset } from './data.ts';
import { describeMachine, machine, median, parseSize } from './util.ts';

const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string', default: 'dist' },
    files: { type: 'string', default: '8' },
    size: { type: 'string', default: '200MB' },
    workers: { type: 'string', default: '2' },
    runs: { type: 'string', default: '7' },
  },
});
if (values.a === undefined) {
  console.error(
    'usage: npx tsx bench/gzip-parts.ts --a DIST_A [--b dist] [--files 8] [--size 200MB] [--workers 2] [--runs 7]',
  );
  process.exit(2);
}
const files = Number(values.files);
const dir = defaultDataDir();
const data = await ensureDataset(dir, 'sales', parseSize(values.size), 42, (l) => console.log(l));

/** The file cut into `n` gzipped parts at record boundaries (no quoted LF in sales data), each with the header. */
function gzipParts(n: number): string {
  const partsDir = join(dir, `gz-parts-${n}-of-${data.bytes}`);
  if (existsSync(join(partsDir, 'done'))) return partsDir;
  mkdirSync(partsDir, { recursive: true });
  const bytes = readFileSync(data.path);
  const headerEnd = bytes.indexOf(10) + 1;
  let start = headerEnd;
  for (let i = 0; i < n; i++) {
    const target = headerEnd + Math.round(((bytes.length - headerEnd) * (i + 1)) / n);
    const end = i === n - 1 ? bytes.length : bytes.indexOf(10, target) + 1 || bytes.length;
    const part = Buffer.concat([bytes.subarray(0, headerEnd), bytes.subarray(start, end)]);
    writeFileSync(join(partsDir, `part-${String(i).padStart(4, '0')}.csv.gz`), gzipSync(part));
    start = end;
  }
  writeFileSync(join(partsDir, 'done'), '');
  return partsDir;
}

const pattern = join(gzipParts(files), '*.csv.gz');
const builds = { A: resolve(values.a), B: resolve(values.b) };
const times: Record<'A' | 'B', { wall: number[]; cpu: number[] }> = {
  A: { wall: [], cpu: [] },
  B: { wall: [], cpu: [] },
};
const loads: number[] = [];
let output: string | null = null;
for (let round = 0; round < Number(values.runs); round++) {
  for (const name of round % 2 === 0 ? ['A', 'B'] : ['B', 'A']) {
    const dist = builds[name as 'A' | 'B'];
    const timing = join(dir, 'gz-parts-time.txt');
    const args = ['-f', '%e %U %S', '-o', timing, process.execPath, join(dist, 'cli/main.js')];
    const stdout = execFileSync('/usr/bin/time', [
      ...args,
      ...['aggregate', pattern, '-g', 'region', '--sum', 'amount', '--workers', values.workers],
    ]);
    const [wall, user, sys] = readFileSync(timing, 'utf8').trim().split(/\s+/).map(Number) as [number, number, number];
    times[name as 'A' | 'B'].wall.push(wall);
    times[name as 'A' | 'B'].cpu.push(user + sys);
    loads.push(loadavg()[0]!);
    const hash = createHash('sha256').update(stdout).digest('hex');
    output ??= hash;
    if (hash !== output) throw new Error(`build ${name} printed other bytes`);
  }
}
console.log(
  `${describeMachine(machine())}; ${files} gzip parts of ${data.bytes.toLocaleString('en-US')} bytes in all, --workers ${values.workers}, ${values.runs} interleaved runs, same output bytes; load average (1 min) ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}`,
);
for (const name of ['A', 'B'] as const) {
  const { wall, cpu } = times[name];
  console.log(
    `${name} ${builds[name]}: wall median ${median(wall).toFixed(2)} s, CPU median ${median(cpu).toFixed(2)} s`,
  );
}
console.log(`B/A wall ${(median(times.B.wall) / median(times.A.wall)).toFixed(2)}x`);
