/**
 * A/B of two builds of the engine in one process, runs interleaved (A B B A ...), so that drift
 * on a shared machine hits both alike: the way each hot-path change here was measured.
 *
 *   cp -r dist /tmp/dist-before            # the baseline build
 *   ...change src/, npm run build...
 *   npx tsx bench/ab.ts --a /tmp/dist-before --b dist --job groupBy --workers 2 --runs 10
 *
 * Each build runs its own worker code (a pool per job, started from that build's dist/), so a
 * run includes the pool start and cold JIT a process's first job pays; --warm lets a build that
 * keeps a job's pool idle (closeIdlePools) run each job on the pool the one before left. --workers 0 runs processSerial
 * (the whole file on this thread: the hot loop alone, least noise). --process runs each build's
 * CLI as a fresh process instead (`node DIST/cli/main.js ...`: process start, pool start and cold
 * JIT included, as a user runs it). Prints per-build medians, B's time over A's, and checks that
 * both builds give the same answer (for convert and transform in-process: the same output bytes).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultDataDir, ensureDataset, type Kind } from './data.ts';
import { SALES_QUERY } from './queries.ts';
import { median, parseSize } from './util.ts';

/** transform(-csv): a user transform returning an object per row (fixtures/tasks/select.mjs) to NDJSON (CSV). */
/** median, distinct: the exact measures by carrier on flights (the group-measures task). */
type Job =
  | 'groupBy'
  | 'convert'
  | 'convert-csv'
  | 'stats'
  | 'wide'
  | 'transform'
  | 'transform-csv'
  | 'median'
  | 'distinct';
const JOBS: Job[] = [
  'groupBy',
  'convert',
  'convert-csv',
  'stats',
  'wide',
  'transform',
  'transform-csv',
  'median',
  'distinct',
];
const EXACT = { median: ['--median', 'dep_delay'], distinct: ['--distinct', 'tailnum'] } as const;
const USER_TRANSFORM = new URL('../fixtures/tasks/select.mjs', import.meta.url).href;

const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string', default: 'dist' },
    job: { type: 'string', default: 'groupBy' },
    workers: { type: 'string', default: '2' },
    runs: { type: 'string', default: '10' },
    size: { type: 'string', default: '100MB' },
    file: { type: 'string' },
    warm: { type: 'boolean', default: false },
    process: { type: 'boolean', default: false },
  },
});
if (values.a === undefined || !JOBS.includes(values.job as Job)) {
  console.error(
    `usage: npx tsx bench/ab.ts --a DIST_A [--b dist] [--job ${JOBS.join('|')}] [--workers N|0] [--runs N] [--size 100MB | --file PATH] [--warm] [--process]`,
  );
  process.exit(2);
}
const job = values.job as Job;
if (job.startsWith('transform') && values.process)
  throw new Error(`--job ${job} runs in-process only (no CLI command)`);
const workers = Number(values.workers);
const kind: Kind =
  job === 'stats' || job === 'median' || job === 'distinct' ? 'flights' : job === 'wide' ? 'wide' : 'sales';
const input =
  values.file ?? (await ensureDataset(defaultDataDir(), kind, parseSize(values.size), 42, console.log)).path;

// biome-ignore lint/suspicious/noExplicitAny: two builds' public APIs, loaded by path
type Engine = any;
const load = async (dir: string): Promise<Engine> => import(pathToFileURL(resolve(dir, 'index.js')).href);
const builds: [string, Engine][] = values.process
  ? [
      ['A', values.a],
      ['B', values.b],
    ]
  : [
      ['A', await load(values.a)],
      ['B', await load(values.b)],
    ];

const HOOK = new URL('./usage-hook.mjs', import.meta.url).pathname;
/** CPU time of the last CLI process (every thread), from usage-hook.mjs. */
let childCpuMs = 0;

/** The job as a CLI command of build `dir`; its stdout (or the output's size) is the answer. */
function cli(dir: string, name: string): string {
  const w = ['-w', String(Math.max(1, workers))];
  const out = `${input}.ab-${name}.out`;
  const usage = `${input}.ab-${name}.usage.json`;
  const args: Record<Job, string[]> = {
    groupBy: ['aggregate', input, '-g', 'region', '-c', '--sum', 'amount', ...w, '--format', 'json'],
    wide: [
      'aggregate',
      input,
      '-g',
      'c0',
      '-c',
      ...Array.from({ length: 19 }, (_, c) => ['--sum', `c${c + 1}`]).flat(),
      ...w,
      '--format',
      'json',
    ],
    stats: ['stats', input, ...w, '--format', 'json'],
    median: ['aggregate', input, '-g', 'carrier', ...EXACT.median, ...w, '--format', 'json'],
    distinct: ['aggregate', input, '-g', 'carrier', ...EXACT.distinct, ...w, '--format', 'json'],
    convert: ['convert', input, '--to', 'ndjson', ...w, '-o', out],
    transform: [], // no CLI command runs a user transform: in-process only
    'transform-csv': [],
    'convert-csv': ['convert', input, '--to', 'csv', ...w, '-o', out],
  };
  try {
    const stdout = execFileSync(process.execPath, ['--import', HOOK, resolve(dir, 'cli/main.js'), ...args[job]], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
      env: { ...process.env, CHUNKMILL_BENCH_USAGE: usage },
    });
    childCpuMs = (JSON.parse(readFileSync(usage, 'utf8')) as { cpuMs: number }).cpuMs;
    return job.startsWith('convert') ? String(statSync(out).size) : stdout;
  } finally {
    rmSync(out, { force: true });
    rmSync(usage, { force: true });
  }
}

const wideMeasures: Record<string, unknown> = {};
async function once(engine: Engine, name: string): Promise<string> {
  if (values.process) return cli(engine, name);
  // A build that keeps a job's pool idle for the next job (exec/job-pools.ts) ends it first: every
  // run starts its own threads, as in a build that destroys its pool with its job.
  const run = async (options: Record<string, unknown>) => {
    if (workers === 0) return engine.processSerial(options);
    if (!values.warm) await engine.closeIdlePools?.();
    return engine.processDataset({ ...options, workers }).result;
  };
  if (job === 'groupBy') return JSON.stringify((await run({ input, aggregate: SALES_QUERY })).rows);
  if (job === 'wide') {
    if (Object.keys(wideMeasures).length === 0) {
      wideMeasures.rows = engine.count();
      for (let c = 1; c < 20; c++) wideMeasures[`sum_c${c}`] = engine.sum(`c${c}`);
    }
    return JSON.stringify((await run({ input, aggregate: { groupBy: ['c0'], measures: wideMeasures } })).rows);
  }
  if (job === 'stats') return JSON.stringify((await run({ input, task: engine.statsTask, params: {} })).value);
  if (job === 'median' || job === 'distinct') {
    const [flag, column] = EXACT[job];
    const measure = { name: 'm', kind: flag === '--median' ? 'quantile' : 'distinct', column, q: 0.5 };
    const params = { groupBy: ['carrier'], measures: [measure] };
    return JSON.stringify((await run({ input, task: engine.groupMeasuresTask, params })).value);
  }
  const to = job.endsWith('-csv') ? 'csv' : 'ndjson';
  const path = `${input}.ab-${name}.${to}`;
  const transform = job.startsWith('transform') ? USER_TRANSFORM : engine.selectTransform;
  try {
    await run({ input, transform, params: { to }, output: { path, format: to } });
    // The output's bytes are the answer: both builds must write the very same file.
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } finally {
    rmSync(path, { force: true });
  }
}

const times: Record<string, number[]> = { A: [], B: [] };
const cpu: Record<string, number[]> = { A: [], B: [] };
const answers: Record<string, string> = {};
const runs = Number(values.runs);
for (const [name, engine] of builds) answers[name] = await once(engine, name); // warm-up, and the answers
if (answers.A !== answers.B) {
  console.error('A and B give different answers');
  process.exitCode = 1;
}
for (let i = 0; i < runs; i++) {
  const order = i % 2 === 0 ? builds : [...builds].reverse();
  for (const [name, engine] of order) {
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    await once(engine, name);
    times[name]!.push(performance.now() - started);
    const used = process.cpuUsage(cpuBefore);
    cpu[name]!.push(values.process ? childCpuMs : (used.user + used.system) / 1000);
  }
}
const a = median(times.A!);
const b = median(times.B!);
const mb = statSync(input).size / 1e6;
console.log(
  `${job}, ${workers === 0 ? 'serial' : `${workers} workers`}, ${mb.toFixed(0)} MB, ${runs} runs each: A ${a.toFixed(0)} ms (${(mb / (a / 1000)).toFixed(0)} MB/s), B ${b.toFixed(0)} ms (${(mb / (b / 1000)).toFixed(0)} MB/s), B/A ${(b / a).toFixed(3)}; CPU (all threads) A ${median(cpu.A!).toFixed(0)} ms, B ${median(cpu.B!).toFixed(0)} ms, B/A ${(median(cpu.B!) / median(cpu.A!)).toFixed(3)}`,
);
