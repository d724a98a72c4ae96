/**
 * One configuration in a fresh process (started by spawn.ts through boot.mjs), timed one run at a
 * time on the parent's word, so that the parent can interleave the configurations of a group
 * (run.ts: every engine row and DuckDB's on a file, A B C, A B C ...): drift on a shared machine
 * then hits each alike, and their ratios mean something. Over IPC:
 *
 *   <- { ready }        once loaded
 *   -> { op: 'warm' }   <- { ms }: one untimed run (JIT, page cache; for the engine also the first
 *                       start of worker threads), in rounds as the timed ones, so that the first
 *                       timed run follows its warm-up as each later one follows a timed run
 *   -> { op: 'run' }    <- { ms }: one timed run
 *   -> { op: 'finish' } <- { result }: the ConfigResult, then the process exits
 *   <- { error }        a run failed (then exit code 1)
 *
 *   - peak RSS is this process's resourceUsage().maxRSS, worker threads included. A fresh
 *     process per configuration is what makes that figure per configuration: maxRSS only grows,
 *     so in one shared process every configuration would inherit the peak of the ones before;
 *   - the main thread's event-loop delay is recorded during the timed runs only (LoopDelay), as
 *     the delay beyond the 10 ms sampling interval: near 0 when the work is off the main thread,
 *     about a whole run when the main thread does the work (serial, and peers that parse
 *     synchronously);
 *   - a warm-pool row (workers, no coldPool) must find the pool its last run left, which the engine
 *     keeps idle for 5 s (job-pools.ts, IDLE_POOL_MS): when the parent's round took longer than
 *     KEPT_POOL_MS since this process's last run, an untimed run goes first (counted in `note`).
 *
 * Every run's answer must equal the first one's, else the configuration fails.
 */
import { createHash } from 'node:crypto';
import { createHistogram } from 'node:perf_hooks';
import type { Dataset } from './data.ts';
import { runEngine, type EngineMode } from './engine.ts';
import { peerByName, type PeerName } from './peers.ts';
import type { Answer } from './queries.ts';
import { median } from './util.ts';

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
  /** Something about how it was measured that the report should say (child.ts: untimed runs added). */
  note?: string;
}

const ELD_RESOLUTION_MS = 10; // as perf_hooks.monitorEventLoopDelay's default

/**
 * The event loop's delay, sampled while started: the time between ticks of a 10 ms interval timer
 * (as monitorEventLoopDelay records it). Not monitorEventLoopDelay itself: re-enabled after a
 * pause, its first sample spans the whole pause, and here the pauses are the other
 * configurations' runs.
 */
class LoopDelay {
  private readonly histogram = createHistogram();
  private timer: NodeJS.Timeout | null = null;
  private last = 0;

  start(): void {
    this.last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      this.histogram.record(Math.max(1, Math.round((now - this.last) * 1e6)));
      this.last = now;
    }, ELD_RESOLUTION_MS);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Milliseconds beyond the sampling interval (idle reads as the interval), or null with no sample. */
  beyond(percentile: number | 'max'): number | null {
    const h = this.histogram;
    if (h.count === 0) return null;
    return Math.max(0, (percentile === 'max' ? h.max : h.percentile(percentile)) / 1e6 - ELD_RESOLUTION_MS);
  }
}
/** Under job-pools.ts's IDLE_POOL_MS (5 s), with room for the parent's message and a slow start. */
const KEPT_POOL_MS = 4_000;

type Outcome = {
  exact: string | null;
  answer: Answer | null;
  rows: number;
  workersUsed: number;
  progressEvents: number;
};

/** One configuration's runs: `once` runs it and checks its answer against the first run's. */
class Config {
  private first: Outcome | null = null;
  private readonly samplesMs: number[] = [];
  private readonly eld = new LoopDelay();
  private readonly startRssMiB = process.memoryUsage.rss() / 2 ** 20;
  private lastEnd = -Infinity;
  private rewarmed = 0;

  constructor(private readonly spec: ConfigSpec) {}

  private get keepsPool(): boolean {
    return this.spec.type === 'engine' && this.spec.workers > 0 && this.spec.coldPool !== true;
  }

  /** One untimed run, in milliseconds. */
  async warmUp(): Promise<number> {
    const start = performance.now();
    await this.once();
    this.lastEnd = performance.now();
    return this.lastEnd - start;
  }

  /** One timed run, in milliseconds. */
  async timed(): Promise<number> {
    if (this.keepsPool && performance.now() - this.lastEnd > KEPT_POOL_MS) {
      await this.once(); // its pool may have ended: untimed, so the timed run finds one as its row says
      this.rewarmed++;
    }
    this.eld.start();
    const start = performance.now();
    await this.once();
    const ms = performance.now() - start;
    // Untimed: let the event loop turn, so a run that blocked it throughout (a synchronous parse)
    // is recorded as one long delay instead of leaving the histogram empty.
    await new Promise<void>((resolve) => setTimeout(resolve, 2 * ELD_RESOLUTION_MS));
    this.eld.stop();
    this.samplesMs.push(ms);
    this.lastEnd = performance.now();
    return ms;
  }

  private async once(): Promise<void> {
    const spec = this.spec;
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
    if (this.first === null) this.first = now;
    else if (now.exact !== this.first.exact || JSON.stringify(now.answer) !== JSON.stringify(this.first.answer)) {
      throw new Error(`${spec.label}: two runs on the same file gave different answers`);
    }
  }

  result(): ConfigResult {
    const { spec, eld, samplesMs } = this;
    const done = this.first;
    if (done === null || samplesMs.length === 0) throw new Error(`${spec.label}: never ran`);
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
      startRssMiB: this.startRssMiB,
      eldP99Ms: eld.beyond(99),
      eldMaxMs: eld.beyond('max'),
      exactHash: done.exact,
      answer: done.answer,
      rows: done.rows,
      workersUsed: done.workersUsed,
      progressEvents: done.progressEvents,
      ...(this.rewarmed > 0 && {
        note: `${this.rewarmed} timed run(s) followed an untimed one: the parent's round outlasted the kept pool`,
      }),
    };
  }
}

/** The messages a config process takes from its parent (spawn.ts, ConfigProcess). */
export type ConfigCommand = { op: 'warm' } | { op: 'run' } | { op: 'finish' };
/** What it sends back: one per command, and `ready` once loaded. */
export type ConfigMessage = { ready: true } | { ms: number } | { result: ConfigResult } | { error: string };

const spec = JSON.parse(process.argv[2] ?? 'null') as ConfigSpec | null;
if (spec === null || process.send === undefined) {
  console.error('usage: started by bench/spawn.ts (runConfig, ConfigProcess) with a config JSON and an IPC channel');
  process.exit(2);
}
const send = (m: ConfigMessage, then: () => void = () => {}) => process.send!(m, then);
const fail = (e: unknown) => {
  send({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) }, () => process.disconnect());
  process.exitCode = 1;
};
const config = new Config(spec);
process.on('message', (command: ConfigCommand) => {
  if (command.op === 'warm') config.warmUp().then((ms) => send({ ms }), fail);
  else if (command.op === 'run') config.timed().then((ms) => send({ ms }), fail);
  else {
    try {
      send({ result: config.result() }, () => process.disconnect());
    } catch (e) {
      fail(e);
    }
  }
});
send({ ready: true });
