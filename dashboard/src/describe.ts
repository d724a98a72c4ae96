/** What a job is, in a line, and where it stands: shared by the list and the job page. */
import * as fmt from './format.js';
import type { JobRecord, JobSpec } from './types.js';

/** "count, sum(amount) by region", "task top-products", "transform clean → out.csv". */
export function whatItDoes(spec: JobSpec): string {
  if (spec.aggregate !== undefined) {
    const measures = Object.entries(spec.aggregate.measures).map(([name, m]) =>
      m.kind === 'count' ? name : `${m.kind}(${m.column ?? '?'})`,
    );
    const groupBy = spec.aggregate.groupBy ?? [];
    return `${measures.join(', ')}${groupBy.length > 0 ? ` by ${groupBy.join(', ')}` : ''}`;
  }
  if (spec.task !== undefined) return `task ${spec.task}`;
  if (spec.transform !== undefined) return `transform ${spec.transform} → ${spec.output?.path ?? '?'}`;
  return 'job';
}

/** Percent done: from the bytes for a file, 100 once it succeeded, null when not known (a stream). */
export function percentDone(job: JobRecord): number | null {
  if (job.state === 'succeeded') return 100;
  const p = job.progress;
  if (p === null) return job.state === 'queued' ? 0 : null;
  if (p.bytesTotal === null || p.bytesTotal === 0) return p.bytesTotal === 0 ? 100 : null;
  return (100 * p.bytesDone) / p.bytesTotal;
}

export interface Figures {
  rows: string;
  speed: string;
  eta: string;
}

export function figures(job: JobRecord): Figures {
  const p = job.progress;
  const running = job.state === 'running';
  return {
    rows: fmt.count(job.result?.stats?.rows ?? p?.rowsDone),
    speed: running ? fmt.rate(p?.bytesPerSec) : job.result?.stats ? fmt.rate(speedOf(job)) : '–',
    eta: running ? (p?.etaMs === null || p?.etaMs === undefined ? '…' : fmt.duration(p.etaMs)) : '–',
  };
}

function speedOf(job: JobRecord): number | null {
  const s = job.result?.stats;
  return s && s.elapsedMs > 0 ? (s.bytes * 1000) / s.elapsedMs : null;
}
