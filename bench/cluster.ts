/**
 * `npm run bench:cluster`: the cluster path (BullMQ on a local redis-server, `chunkmill worker`
 * processes) against the local pool, in one process, runs interleaved (local, 1, 2, 3 worker
 * processes, local, ...) so drift on a shared machine hits all alike; figures are medians.
 *
 *   group-by       the 200 MB sales group-by: local 2 threads vs 1, 2, 3 processes x 2 threads
 *                  (this machine has 2 cores: the point is the overhead, not a speed-up)
 *   many groups    ~27 000 groups per chunk (on the records file): large partials travel back
 *   round trips    one-record chunks: what a chunk costs through Redis, per second and in commands
 *   records        a stream input and a transform, whose records travel through Redis
 *   recovery       a worker SIGKILLed mid-chunk with the default lock (10 s): time to the rerun
 *
 * The reference is a warm local pool of 2 threads, kept across jobs, as a worker's pool is: the
 * difference to it is the cost of the path through Redis. processDataset's own pool (made for the
 * job, cold) is shown too: it is what a one-off local job gets (cluster-configs.ts).
 *
 * Every cluster result is checked against the local one (rows bit-identical); a mismatch makes
 * the bench exit 1. `npm run build` first: workers and jobs run dist/. The tables are printed and
 * written to bench/results/cluster.md.
 *
 *   npm run bench:cluster -- [--size 200MB] [--records-size 20MB] [--runs 5] [--no-recovery]
 */
import { createReadStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { count, processDataset, sum, type AggregateResult, type TransformResult } from 'chunkmill';
import { aggregateConfig, closeWarmPool, config, type Config, type Where } from './cluster-configs.ts';
import { TASKS_DIR } from '../support/worker-process.ts';
import {
  costSince,
  redisCost,
  startFleet,
  stopFleet,
  workersCpuMs,
  type Fleet,
  type RedisCost,
} from './cluster-fleet.ts';
import { defaultDataDir, ensureDataset, ensureTinyDataset } from './data.ts';
import { SALES_QUERY } from './queries.ts';
import { describeMachine, formatNumber, machine, median, parseSize } from './util.ts';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '200MB' },
    'records-size': { type: 'string', default: '20MB' },
    runs: { type: 'string', default: '5' },
    'no-recovery': { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const log = (line: string) => console.log(line);
const lines: string[] = [];
const out = (line: string) => {
  lines.push(line);
  log(line);
};
const problems: string[] = [];

interface Measured {
  label: string;
  medianMs: number;
  samplesMs: number[];
  /** CPU time a job took, median: this process, plus the workers and Redis for a cluster. */
  cpuMs: number;
  chunks: number;
  /**
   * Per chunk, for cluster configurations (both phases' items, heartbeats included): Redis's work,
   * and the coordinator's CPU (this process: its main thread, idle worker threads aside).
   */
  perChunk: { commands: number; bytes: number; redisCpuUs: number; coordinatorCpuUs: number } | null;
}

/** Runs every configuration `runs` times, interleaved; checks they agree with the first. */
async function interleaved(name: string, configs: Config[]): Promise<Measured[]> {
  const samples = configs.map(() => [] as number[]);
  const costs = configs.map(() => [] as RedisCost[]);
  const cpus = configs.map(() => [] as number[]);
  const totals = configs.map(() => [] as number[]);
  const chunks = configs.map(() => 0);
  let reference: string | null = null;
  for (let r = 0; r < runs; r++) {
    for (const [i, c] of configs.entries()) {
      const before = c.fleet ? await redisCost(c.fleet.redis) : null;
      const workersBefore = c.fleet ? workersCpuMs(c.fleet) : 0;
      const cpu = process.cpuUsage();
      const t = performance.now();
      const { exact, chunks: n } = await c.run();
      samples[i]!.push(performance.now() - t);
      const used = process.cpuUsage(cpu);
      cpus[i]!.push(used.user + used.system);
      let total = (used.user + used.system) / 1e3;
      if (c.fleet && before) {
        const cost = costSince(before, await redisCost(c.fleet.redis));
        costs[i]!.push(cost);
        total += workersCpuMs(c.fleet) - workersBefore + cost.cpuMs;
      }
      totals[i]!.push(total);
      chunks[i] = n;
      reference ??= exact;
      if (exact !== reference) problems.push(`${name}: ${c.label} gave another result than ${configs[0]!.label}`);
    }
  }
  return configs.map((c, i) => {
    const cost = costs[i]!;
    const perChunk =
      cost.length === 0
        ? null
        : {
            commands: median(cost.map((x) => x.commands)) / chunks[i]!,
            bytes: median(cost.map((x) => x.bytesIn + x.bytesOut)) / chunks[i]!,
            redisCpuUs: (median(cost.map((x) => x.cpuMs)) * 1e3) / chunks[i]!,
            coordinatorCpuUs: median(cpus[i]!) / chunks[i]!,
          };
    return {
      label: c.label,
      medianMs: median(samples[i]!),
      samplesMs: samples[i]!,
      cpuMs: median(totals[i]!),
      chunks: chunks[i]!,
      perChunk,
    };
  });
}

function table(title: string, bytes: number | null, rows: Measured[]): void {
  const local = rows[0]!.medianMs;
  out(`\n### ${title}\n`);
  out(
    '| configuration | median ms | MB/s | vs row 1 | CPU ms (all processes) | vs row 1 | chunks | per chunk: Redis commands (scripts included) | Redis bytes | Redis CPU | coordinator CPU |',
  );
  out('|--|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const m of rows) {
    const mbps = bytes === null ? 'n/a' : formatNumber(bytes / 1e3 / m.medianMs);
    const ratio = m === rows[0] ? '1.00x' : `${(m.medianMs / local).toFixed(2)}x`;
    const cpu = `${formatNumber(m.cpuMs)} | ${m === rows[0] ? '1.00x' : `${(m.cpuMs / rows[0]!.cpuMs).toFixed(2)}x`}`;
    const c = m.perChunk;
    const costs = c
      ? `${formatNumber(c.commands)} | ${formatNumber(c.bytes)} | ${formatNumber(c.redisCpuUs)} us | ${formatNumber(c.coordinatorCpuUs)} us`
      : ' | | | ';
    out(`| ${m.label} | ${m.medianMs.toFixed(0)} | ${mbps} | ${ratio} | ${cpu} | ${m.chunks} | ${costs} |`);
  }
}

const m = machine();
log(`chunkmill bench:cluster on ${describeMachine(m)}; ${runs} interleaved runs, medians`);
const dir = defaultDataDir();
const data = await ensureDataset(dir, 'sales', parseSize(values.size), 42, log);
const records = await ensureDataset(dir, 'sales', parseSize(values['records-size'], 'records-size'), 42, log);
const fleets = [await startFleet(1, 2), await startFleet(2, 2), await startFleet(3, 2)];
// Ctrl-C: the redis-servers and workers are child processes; they must not outlive the bench.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => void Promise.all(fleets.map(stopFleet)).finally(() => process.exit(130)));
const [one] = fleets as [Fleet];
try {
  out(`## chunkmill cluster bench\n\n${describeMachine(m)}. Redis ${await redisVersion(one)} on loopback.`);
  out(`Command: \`npm run bench:cluster${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\``);

  const groupBy = await interleaved('group-by', [
    aggregateConfig('warm', data.path, SALES_QUERY),
    aggregateConfig('processDataset', data.path, SALES_QUERY),
    ...fleets.map((f) => aggregateConfig(f, data.path, SALES_QUERY)),
    // Larger chunks: the per-chunk cost of the path through Redis spread over 4x the bytes.
    aggregateConfig('warm', data.path, SALES_QUERY, 32 << 20),
    aggregateConfig(one, data.path, SALES_QUERY, 32 << 20),
  ]);
  table(`Group-by on ${formatNumber(data.bytes / 1e6)} MB (8 groups; 8 MiB chunks unless said)`, data.bytes, groupBy);

  const many = { groupBy: ['date', 'region', 'product'], measures: { n: count(), total: sum('amount') } };
  const manyGroups = await interleaved('many groups', [
    aggregateConfig('warm', records.path, many),
    aggregateConfig(one, records.path, many),
  ]);
  table(`Many groups on ${formatNumber(records.bytes / 1e6)} MB (~27 000 groups per chunk)`, records.bytes, manyGroups);

  const tiny = ensureTinyDataset(dir, 2_000);
  const roundTrips = await interleaved('round trips', [
    aggregateConfig('warm', tiny.path, SALES_QUERY, tiny.recordBytes),
    aggregateConfig(one, tiny.path, SALES_QUERY, tiny.recordBytes),
  ]);
  table(`Round trips: ${tiny.rows} one-record chunks (two items each: summary, parse)`, null, roundTrips);
  for (const r of roundTrips)
    out(`- ${r.label}: ${formatNumber((r.chunks * 2) / (r.medianMs / 1e3))} chunk requests per second`);

  const transformOut = `${dir}/bench-cluster-transform.ndjson`;
  const transform = (where: Where) =>
    config<TransformResult>(
      'transform to NDJSON',
      where,
      () => ({
        input: records.path,
        transform: new URL('select.mjs', `file://${TASKS_DIR}`),
        output: { path: transformOut, format: 'ndjson' as const },
      }),
      (r) => [r.rowsOut, r.bytesWritten],
    );
  const stream = (where: Where) =>
    config<AggregateResult>(
      'stream input',
      where,
      () => ({ input: createReadStream(records.path), aggregate: SALES_QUERY }),
      (r) => r.rows,
    );
  table(
    `Records through Redis: a transform (2 MiB chunks) on ${formatNumber(records.bytes / 1e6)} MB`,
    records.bytes,
    await interleaved('transform', [transform('warm'), transform('processDataset'), transform(one)]),
  );
  rmSync(transformOut, { force: true });
  table(
    `Records through Redis: a stream input (8 MiB chunks) of ${formatNumber(records.bytes / 1e6)} MB`,
    records.bytes,
    await interleaved('stream', [stream('warm'), stream('processDataset'), stream(one)]),
  );

  if (!values['no-recovery']) await recovery(records.path);
} finally {
  await Promise.all(fleets.map(stopFleet));
  await closeWarmPool();
}

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/cluster.md', import.meta.url), lines.join('\n') + '\n');
log('\nwritten: bench/results/cluster.md');
if (problems.length > 0) {
  for (const p of problems) console.error(`MISMATCH: ${p}`);
  process.exit(1);
}

/** A worker SIGKILLed in a chunk, with the default lock settings: time until the chunk runs again. */
async function recovery(input: string): Promise<void> {
  const lockDuration = 10_000;
  const fleet = await startFleet(2, 1, lockDuration);
  try {
    const [victim] = fleet.workers as [Fleet['workers'][number]];
    const job = processDataset({
      input,
      task: new URL('slow-sum.mjs', `file://${TASKS_DIR}`),
      params: { column: 'amount', msPerChunk: 300, idle: true },
      chunkSize: 2 << 20,
      cluster: { redis: fleet.redis.url },
    });
    let rerunAt = 0;
    job.on('warning', (w) => {
      if (rerunAt === 0 && /stopped answering/.test(w.message)) rerunAt = performance.now();
    });
    await victim.waitFor(/parse chunk \d+ of job \w+ taken/, 60_000);
    await new Promise((r) => setTimeout(r, 100));
    victim.child.kill('SIGKILL');
    const killedAt = performance.now();
    const { stats } = await job.result;
    if (rerunAt === 0) problems.push('recovery: no chunk was run again after the SIGKILL');
    out(`\n### Recovery after SIGKILL of a worker mid-chunk\n`);
    out(
      `lockDuration ${lockDuration} ms (stalled check every ${lockDuration / 2} ms), 2 processes x 1 thread, ${stats.chunks} chunks of 300 ms: ` +
        `the killed worker's chunk ran again ${formatNumber((rerunAt - killedAt) / 1e3)} s after the kill; the job took ${formatNumber(stats.elapsedMs / 1e3)} s.`,
    );
  } finally {
    await stopFleet(fleet);
  }
}

async function redisVersion(fleet: Fleet): Promise<string> {
  return /redis_version:(\S+)/.exec(await fleet.redis.client.info('server'))![1]!;
}
