/**
 * GET /metrics, in the Prometheus text format (prom-client, one registry per server), every name
 * prefixed `chunkmill_`:
 *
 *   chunkmill_jobs{state}                        gauge: jobs in the store per state
 *   chunkmill_processed_bytes_total              counter: input bytes done by running and ended jobs
 *   chunkmill_processed_rows_total               counter: rows done, likewise
 *   chunkmill_throughput_bytes_per_second        gauge: the running jobs' rates, summed
 *   chunkmill_queue_wait_seconds                 histogram: from a job's due time to its first start
 *   chunkmill_sse_clients                        gauge: open event streams
 *   chunkmill_http_requests_total{method,route,status}  counter
 * with a cluster (`cluster` option) also, as the engine sees it at the scrape:
 *   chunkmill_cluster_redis_up                   gauge: 1 while the connection to Redis is up, else 0
 *   chunkmill_cluster_workers{version}           gauge: live cluster workers per chunkmill version
 *   chunkmill_cluster_items_in_flight            gauge: items sent to the workers and not answered yet
 * and prom-client's process metrics (CPU, memory, event-loop lag) with the same prefix.
 *
 * The work counters count this server's engine's work: at each scrape from the stored progress
 * of its running jobs (so they move while a long job runs), and when a run ends from its final
 * progress. Like every Prometheus counter they start again at 0 with the process; a resumed job
 * counts the chunks its checkpoint gave it too. An API-only replica (no engine) counts no work:
 * the engines that run the jobs are elsewhere; its job gauges and request counts are the store's
 * and its own as usual.
 */
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Engine, JobRecord, Queue } from '../index.js';

export class Metrics {
  readonly registry = new Registry();
  private readonly jobs: Gauge<'state'>;
  private readonly bytes: Counter;
  private readonly rows: Counter;
  private readonly throughput: Gauge;
  private readonly wait: Histogram;
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  /** Null without an engine: no running job is this server's. */
  private readonly engineId: string | null;
  /** Progress already counted, per running job of this engine. */
  private readonly counted = new Map<string, { bytes: number; rows: number }>();

  constructor(
    private readonly queue: Queue,
    engine: Engine | null,
    sseClients: () => number,
  ) {
    const registers = [this.registry];
    const prefix = 'chunkmill_';
    this.jobs = new Gauge({
      name: `${prefix}jobs`,
      help: 'Jobs in the store, by state',
      labelNames: ['state'],
      registers,
    });
    this.bytes = new Counter({ name: `${prefix}processed_bytes_total`, help: 'Input bytes processed', registers });
    this.rows = new Counter({ name: `${prefix}processed_rows_total`, help: 'Rows processed', registers });
    this.throughput = new Gauge({
      name: `${prefix}throughput_bytes_per_second`,
      help: 'Bytes per second of the running jobs, summed',
      registers,
    });
    this.wait = new Histogram({
      name: `${prefix}queue_wait_seconds`,
      help: "Seconds from a job's due time to its first start",
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 60, 300, 1800],
      registers,
    });
    this.requests = new Counter({
      name: `${prefix}http_requests_total`,
      help: 'HTTP requests answered',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    new Gauge({
      name: `${prefix}sse_clients`,
      help: 'Open event streams',
      registers,
      collect() {
        this.set(sseClients());
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix });
    this.engineId = engine?.id ?? null;
    if (engine === null) return;
    if (engine.clusterStatus() !== null) clusterMetrics(engine, registers, prefix);
    // A run's last stretch (all of it, for a run shorter than the scrape interval) when it ends.
    engine.on('ended', (id) => {
      void this.queue
        .get(id)
        .then((job) => {
          if (job !== null) this.count(job);
          this.counted.delete(id);
        })
        .catch(() => this.counted.delete(id));
    });
    engine.on('claimed', ({ job, recovered }) => {
      if (!recovered && job.attempts === 1 && job.startedAt !== null)
        this.wait.observe(Math.max(0, job.startedAt - Math.max(job.createdAt, job.runAt)) / 1000);
    });
  }

  /** Counts every answered request (SSE streams once they end). */
  install(app: FastifyInstance): void {
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      this.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    });
  }

  /** The text a scrape gets, read fresh from the store. */
  async render(): Promise<string> {
    const counts = await this.queue.counts();
    for (const [state, n] of Object.entries(counts)) this.jobs.set({ state }, n);
    let rate = 0;
    for (let cursor: string | undefined, page = 0; page < 10; page++) {
      const { jobs, next } = await this.queue.list({ state: 'running', limit: 100, cursor });
      for (const job of jobs) {
        if (this.engineId !== null && job.owner === this.engineId) this.count(job);
        rate += job.progress?.bytesPerSec ?? 0;
      }
      if (next === null) break;
      cursor = next;
    }
    this.throughput.set(rate);
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private count(job: JobRecord): void {
    const p = job.progress;
    if (p === null) return;
    const before = this.counted.get(job.id) ?? { bytes: 0, rows: 0 };
    if (p.bytesDone > before.bytes) this.bytes.inc(p.bytesDone - before.bytes);
    if (p.rowsDone > before.rows) this.rows.inc(p.rowsDone - before.rows);
    this.counted.set(job.id, { bytes: Math.max(p.bytesDone, before.bytes), rows: Math.max(p.rowsDone, before.rows) });
  }
}

function clusterMetrics(engine: Engine, registers: Registry[], prefix: string): void {
  const status = () => engine.clusterStatus();
  new Gauge({
    name: `${prefix}cluster_redis_up`,
    help: "1 while the cluster's Redis is connected, else 0",
    registers,
    collect() {
      this.set(status()?.connected ? 1 : 0);
    },
  });
  new Gauge({
    name: `${prefix}cluster_workers`,
    help: 'Live cluster workers, by chunkmill version',
    labelNames: ['version'],
    registers,
    collect() {
      this.reset(); // a version whose last worker left is gone, not stuck at its last count
      for (const w of status()?.workers ?? []) this.inc({ version: w.version });
    },
  });
  new Gauge({
    name: `${prefix}cluster_items_in_flight`,
    help: 'Items sent to the cluster workers and not answered yet',
    registers,
    collect() {
      this.set(status()?.itemsInFlight ?? 0);
    },
  });
}
