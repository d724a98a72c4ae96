/**
 * Data where it lives, measured: the group-by of one 200 MB object against the same local file,
 * and 100 files of 2 MB (local, as a glob) against the one 200 MB file. The object is served two
 * ways, each by a server in its own process: s3rver (the test S3 server, a Node S3 implementation
 * that does much per request) and bench/range-server.mjs (Node's http and createReadStream with
 * byte ranges and no more), read once as http:// (unsigned) and once as s3:// (the same server as
 * a path-style endpoint: SigV4 signed). So the figures show the client's cost apart from the
 * server's: the engine process's CPU (this process: the main thread and the pool's workers)
 * beside each server process's CPU, per run, from process.cpuUsage and /proc/PID/stat.
 *
 * Runs interleaved (A B C ..., ... C B A), so drift on a shared machine hits every variant alike;
 * medians and ratios from one run; every variant must give the local file's rows.
 *
 *   npx tsx bench/datasets.ts [--size 200MB] [--files 100] [--workers 2] [--runs 5] [--only local,s3rver,...]
 *
 * Variants (--only takes these keys): local, s3rver, http, s3cheap, files.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { processDataset } from '../dist/index.js';
import { startS3 } from '../test/helpers/s3.ts';
import { defaultDataDir, ensureDataset } from './data.ts';
import { childPid, processCpu, serveFile, startRangeServer } from './object-servers.ts';
import { SALES_QUERY } from './queries.ts';
import { describeMachine, machine, median, parseSize } from './util.ts';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '200MB' },
    files: { type: 'string', default: '100' },
    workers: { type: 'string', default: '2' },
    runs: { type: 'string', default: '5' },
    only: { type: 'string', default: 'local,s3rver,http,s3cheap,files' },
  },
});
const workers = Number(values.workers);
const runs = Number(values.runs);
const fileCount = Number(values.files);
const dir = defaultDataDir();
const data = await ensureDataset(dir, 'sales', parseSize(values.size), 42, (l) => console.log(l));

/** The file cut into `n` parts at record boundaries, each with the header: the same rows in the same order. */
function split(n: number): string {
  const partsDir = join(dir, `parts-${n}-of-${data.bytes}`);
  if (existsSync(join(partsDir, 'done'))) return partsDir;
  mkdirSync(partsDir, { recursive: true });
  const bytes = readFileSync(data.path);
  const headerEnd = bytes.indexOf(10) + 1;
  const header = bytes.subarray(0, headerEnd);
  let start = headerEnd;
  for (let i = 0; i < n; i++) {
    let end = i === n - 1 ? bytes.length : headerEnd + Math.round(((bytes.length - headerEnd) * (i + 1)) / n);
    // The generator's quoted fields may hold LF: cut only where the quotes before are balanced.
    while (end < bytes.length) {
      end = bytes.indexOf(10, end) + 1;
      if (end === 0) end = bytes.length;
      let quotes = 0;
      for (let j = start; j < end; j++) if (bytes[j] === 0x22) quotes++;
      if (quotes % 2 === 0) break;
    }
    writeFileSync(
      join(partsDir, `part-${String(i).padStart(4, '0')}.csv`),
      Buffer.concat([header, bytes.subarray(start, end)]),
    );
    start = end;
  }
  writeFileSync(join(partsDir, 'done'), '');
  return partsDir;
}

const partsDir = split(fileCount);
const only = new Set(values.only.split(','));

const s3 = await startS3();
await s3.createBucket('bench');
await s3.putObject('bench', 'sales.csv', readFileSync(data.path));
const s3rverPid = childPid('s3rver-child');
const key = `sales-${data.bytes}.csv`;
const cheap = await startRangeServer(serveFile(dir, data.path, key));
const cheapS3 = { ...s3.settings, endpoint: cheap.base };
const aggregate = SALES_QUERY;

interface Variant {
  name: string;
  run: () => Promise<{ rows: unknown[] }>;
  /** The server process whose CPU the run costs, if any. */
  server?: number;
}
const all: Record<string, Variant> = {
  local: { name: 'local file', run: () => processDataset({ input: data.path, aggregate, workers }).result },
  s3rver: {
    name: 'S3 object (s3rver)',
    run: () => processDataset({ input: 's3://bench/sales.csv', s3: s3.settings, aggregate, workers }).result,
    server: s3rverPid,
  },
  http: {
    name: 'HTTP object (range-server)',
    run: () => processDataset({ input: `${cheap.base}/bench/${key}`, aggregate, workers }).result,
    server: cheap.pid,
  },
  s3cheap: {
    name: 'S3 object (range-server)',
    run: () => processDataset({ input: `s3://bench/${key}`, s3: cheapS3, aggregate, workers }).result,
    server: cheap.pid,
  },
  files: {
    name: `${fileCount} local files`,
    run: () => processDataset({ input: join(partsDir, 'part-*.csv'), aggregate, workers }).result,
  },
};
const variants = Object.entries(all)
  .filter(([key]) => only.has(key))
  .map(([, v]) => v);
const samples = new Map<string, { ms: number[]; cpu: number[]; server: number[] }>(
  variants.map((v) => [v.name, { ms: [], cpu: [], server: [] }]),
);
let reference: string | null = null;
const loads: number[] = [];
for (let round = 0; round < runs; round++) {
  const order = round % 2 === 0 ? variants : [...variants].reverse();
  for (const v of order) {
    const serverBefore = v.server === undefined ? 0 : processCpu(v.server);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const { rows } = await v.run();
    const ms = performance.now() - started;
    const { user, system } = process.cpuUsage(cpuBefore);
    const s = samples.get(v.name)!;
    s.ms.push(ms);
    s.cpu.push((user + system) / 1e6);
    if (v.server !== undefined) s.server.push(processCpu(v.server) - serverBefore);
    const text = JSON.stringify(rows);
    reference ??= text;
    if (text !== reference) throw new Error(`${v.name} gave other rows than the first variant`);
  }
  loads.push(loadavg()[0]!);
}
cheap.stop();
await s3.stop();
console.log(
  `${describeMachine(machine())}; ${data.bytes.toLocaleString('en-US')} bytes, ${workers} workers, ${runs} interleaved runs; load average (1 min) after each round: ${loads.map((l) => l.toFixed(2)).join(' ')}`,
);
const base = median(samples.values().next().value!.ms);
const baseCpu = median(samples.values().next().value!.cpu);
const mb = data.bytes / 1e6;
console.log(`(ratios against ${variants[0]!.name}; CPU: this process, all threads; server: the server process)`);
for (const v of variants) {
  const s = samples.get(v.name)!;
  const m = median(s.ms);
  const cpu = median(s.cpu);
  const server = s.server.length > 0 ? `  server CPU ${median(s.server).toFixed(2)} s` : '';
  console.log(
    `${v.name.padEnd(27)} median ${(m / 1000).toFixed(2)} s  ${(mb / (m / 1000)).toFixed(0).padStart(4)} MB/s  ${(m / base).toFixed(2)}x` +
      `  engine CPU ${cpu.toFixed(2)} s (${(((cpu - baseCpu) / mb) * 1000).toFixed(2)} ms/MB over the first)${server}`,
  );
}
