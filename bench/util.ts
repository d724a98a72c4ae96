/**
 * Small helpers shared by the bench scripts: sizes, the machine description, statistics.
 * Units: MB = 10^6 bytes and MB/s = 10^6 bytes per second (what disks and other CSV benchmarks
 * quote); MiB only where a power of two is meant (chunk and block sizes).
 */
import { availableParallelism, cpus, loadavg, platform, release, totalmem } from 'node:os';

const UNITS: Record<string, number> = {
  '': 1,
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  K: 1 << 10,
  KIB: 1 << 10,
  M: 1 << 20,
  MIB: 1 << 20,
  G: 1 << 30,
  GIB: 1 << 30,
};

/** "200MB" -> 200e6, "8MiB" -> 8388608, "1.5GB" -> 1.5e9, "4096" -> 4096. */
export function parseSize(text: string, option = 'size'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? UNITS[m[2]!.toUpperCase()] : undefined;
  if (!m || unit === undefined)
    throw new Error(`--${option}: expected a size like 200MB, 1GB or 8MiB, got ${JSON.stringify(text)}`);
  const bytes = Math.round(Number(m[1]) * unit);
  if (!(bytes > 0)) throw new Error(`--${option}: must be > 0, got ${JSON.stringify(text)}`);
  return bytes;
}

/** 200_000_000 -> "200 MB"; 1_073_741_824 -> "1.07 GB". */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ['GB', 1e9],
    ['MB', 1e6],
    ['KB', 1e3],
  ] as const) {
    const value = +(bytes / size).toPrecision(3);
    if (value >= 1) return `${value} ${unit}`;
  }
  return `${bytes} B`;
}

/** A number with thin thousands separators and `digits` significant digits at most. */
export function formatNumber(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return 'n/a';
  const rounded = Math.abs(value) >= 10 ** digits ? Math.round(value) : +value.toPrecision(digits);
  return rounded.toLocaleString('en-US', { maximumFractionDigits: 6 });
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface Machine {
  cpu: string;
  /** Logical CPUs the OS reports. */
  cores: number;
  /** What Node thinks it may use (cgroup limits included): the default --max-workers. */
  availableParallelism: number;
  memoryGB: number;
  os: string;
  node: string;
  v8: string;
  date: string;
  /** 1-minute load average when the bench started: > 0.5 means something else was running. */
  loadAverage: number;
}

export function machine(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    availableParallelism: availableParallelism(),
    memoryGB: +(totalmem() / 2 ** 30).toFixed(1),
    os: `${platform()} ${release()}`,
    node: process.version,
    v8: process.versions.v8,
    date: new Date().toISOString(),
    loadAverage: +loadavg()[0]!.toFixed(2),
  };
}

export function describeMachine(m: Machine): string {
  return `${m.cpu}, ${m.cores} cores (${m.availableParallelism} available), ${m.memoryGB} GiB, ${m.os}, Node ${m.node}, ${m.date.slice(0, 10)}, load ${m.loadAverage} at start`;
}

/** Worker counts 1, 2, 4, 8, ... up to max, and max itself. */
export function workerCounts(max: number): number[] {
  const counts: number[] = [];
  for (let w = 1; w < max; w *= 2) counts.push(w);
  counts.push(max);
  return counts;
}
