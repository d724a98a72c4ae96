/**
 * One configuration, measured in a fresh process (started by spawn.ts through boot.mjs):
 *
 *   - tinybench runs it `warmup` times untimed (JIT, page cache; for the engine also the first
 *     start of worker threads), then `iterations` times timed; the bench quotes the median;
 *   - peak RSS is this process's resourceUsage().maxRSS, worker threads included. A fresh
 *     process per configuration is what makes that figure per configuration: maxRSS only grows,
 *     so in one shared process every configuration would inherit the peak of the ones before;
 *   - the main thread's event-loop delay (perf_hooks.monitorEventLoopDelay) is recorded during
 *     the timed runs only, as the delay beyond the 10 ms sampling interval: near 0 when the work
 *     is off the main thread, about a whole run when the main thread does the work (serial, and
 *     peers that parse synchronously).
 *
 * Every iteration's answer must equal the first one's, else the configuration fails.
 */
import { createHash } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Bench } from 'tinybench';
import type { Dataset } from './data.ts';
import { runEngine, type EngineMode } from './engine.ts';
import { peerByName, type PeerName } from './peers.ts';
import type { Answer } from './queries.ts';
import { median } from './util.ts';
import { replyToParent } from './reply.ts';

export type ConfigSpec = {
  id: string;
  label: string;
  dataset: Dataset;
  iterations: number;
  warmup: number;
} & (
  | { type: 'engine'; workers: number; chunkSize?: number; mode?: EngineMode; coldPool?: boolean }
  | { type: 'peer'; peer: PeerName; threads?: number }
);
export type EngineSpec = Extract<ConfigSpec, { type: 'engine' }>;

export interface ConfigResult {
  id: string;
  label: string;
  type: 'engine' | 'peer' | 'external';
  dataset: Dataset;
  /** Worker threads asked for (engine pools), DuckDB's threads; 0 for serial and the other peers. */
  workers: number;
  /** Worker threads the engine used: fewer than asked when the file has fewer chunks. */
  workersUsed: number;
  samplesMs: number[];
  medianMs: number;
  /** Peak resident set size of the process, MiB; null when not measured. */
  peakRssMiB: number | null;
  /** RSS when the process had loaded everything and not yet run: Node's own baseline. */
  startRssMiB: number | null;
  /** Main-thread event-loop delay during the timed runs beyond the 10 ms sampling interval, ms; null when not measured. */
  eldP99Ms: number | null;
  eldMaxMs: number | null;
  /** sha256 of the engine's serialised rows: engine configurations must all agree. */
  exactHash: string | null;
  answer: Answer | null;
  rows: number;
  progressEvents: number;
  note?: string;
}

const ELD_RESOLUTION_MS = 10; // Node's default; the smallest delay the histogram resolves well

async function measure(spec: ConfigSpec): Promise<ConfigResult> {
  const startRssMiB = process.memoryUsage.rss() / 2 ** 20;
  type Outcome = {
    exact: string | null;
    answer: Answer | null;
    rows: number;
    workersUsed: number;
    progressEvents: number;
  };
  let first: Outcome | null = null;
  const once = async () => {
    const out =
      spec.type === 'engine'
        ? await runEngine(spec.dataset, {
            workers: spec.workers,
            ...(spec.chunkSize !== undefined ? { chunkSize: spec.chunkSize } : {}),
            ...(spec.mode !== undefined ? { mode: spec.mode } : {}),
            ...(spec.coldPool === true ? { coldPool: true } : {}),
          })
        : await peerByName(spec.peer)
            .run(spec.dataset.path, spec.threads ?? 1)
            .then((answer) => ({ exact: null, answer, rows: answer.rows, workersUsed: 0, progressEvents: 0 }));
    const exact = out.exact === null ? null : createHash('sha256').update(out.exact).digest('hex');
    const now: Outcome = { ...out, exact };
    if (first === null) first = now;
    else if (now.exact !== first.exact || JSON.stringify(now.answer) !== JSON.stringify(first.answer)) {
      throw new Error(`${spec.label}: two runs on the same file gave different answers`);
    }
  };

  const eld = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
  const bench = new Bench({
    iterations: spec.iterations,
    time: 0, // exactly `iterations` timed runs: each is seconds long, a time budget adds nothing
    warmup: spec.warmup > 0,
    warmupIterations: spec.warmup,
    warmupTime: 0,
    retainSamples: true,
    throws: true,
  });
  bench.add(spec.label, once, {
    beforeAll: (mode) => {
      if (mode === 'run') eld.enable();
    },
    // Untimed: let the event loop turn, so a run that blocked it throughout (a synchronous parse)
    // is recorded as one long delay instead of leaving the histogram empty.
    afterEach: (mode) =>
      mode === 'run' ? new Promise<void>((resolve) => setTimeout(resolve, 2 * ELD_RESOLUTION_MS)) : undefined,
    afterAll: (mode) => {
      if (mode === 'run') eld.disable();
    },
  });
  const [task] = await bench.run();
  const result = task!.result;
  if (!('latency' in result)) throw new Error(`${spec.label}: tinybench ended in state ${result.state}`);
  const samplesMs = [...(result.latency.samples ?? [])];
  const done = first as Outcome | null;
  if (done === null) throw new Error(`${spec.label}: never ran`);
  // The engine uses at most one worker per chunk: say so rather than mislabel a small file's row.
  const fewer = spec.type === 'engine' && done.workersUsed < spec.workers;
  return {
    id: spec.id,
    label: fewer ? `${spec.label} (${done.workersUsed} used)` : spec.label,
    type: spec.type,
    dataset: spec.dataset,
    workers: spec.type === 'engine' ? spec.workers : (spec.threads ?? 0),
    samplesMs,
    medianMs: median(samplesMs),
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    startRssMiB,
    // The histogram records whole timer intervals: idle reads as the resolution, so subtract it.
    eldP99Ms: eld.count === 0 ? null : Math.max(0, eld.percentile(99) / 1e6 - ELD_RESOLUTION_MS),
    eldMaxMs: eld.count === 0 ? null : Math.max(0, eld.max / 1e6 - ELD_RESOLUTION_MS),
    exactHash: done.exact,
    answer: done.answer,
    rows: done.rows,
    workersUsed: done.workersUsed,
    progressEvents: done.progressEvents,
  };
}

const spec = JSON.parse(process.argv[2] ?? 'null') as ConfigSpec | null;
if (spec === null) {
  console.error('usage: node bench/boot.mjs bench/child.ts <config JSON> (started by bench/run.ts)');
  process.exit(2);
}
await replyToParent(() => measure(spec));
