/**
 * A job's memory budget for its groups: what the coordinator's merged group table and the result
 * rows built from it may take (the `memoryBudget` option). One job of many distinct groups could
 * otherwise grow the heap to V8's limit and end the whole process with it (a server and every
 * other job in it); over its budget a job fails at once with ERR_MEMORY_BUDGET instead, and its
 * groups are dropped. Spilling groups to disk instead of failing is not done (yet).
 *
 * The rule, from this process's V8 heap limit (v8.getHeapStatistics().heap_size_limit, which
 * --max-old-space-size sets):
 *   - the default budget is a quarter of it;
 *   - a job may ask for more, up to half of it (a larger memoryBudget, from code, a queued job or
 *     a client over HTTP alike, is held to that half), so no job's groups can take the heap;
 *   - this process's running aggregates together may hold half of it too: with an engine's
 *     concurrency, two jobs at their budget cannot take the heap between them either.
 *
 * What is counted is an estimate, kept as groups are added (per new group, nothing per row): each
 * group's key strings, its slots in the columns and the index, its exact sums, and its result row
 * (built at the end beside the table: counted from the start, so the result always fits). The
 * constants are Node 20's (x64, no pointer compression), measured with merge.ts's merger on
 * partials as workers send them (structured clones), heapUsed + arrayBuffers after a full GC,
 * bytes per group at 1,000,000 groups in 10 chunks; the estimate against what was measured:
 *
 *   groupBy            measures           table + rows, measured    estimated
 *   1 key              count              75 + 28 + 80  = 183       216
 *   2 keys             count              145 + 28 + 80 = 253       284
 *   2 keys             count, sum         414 + 48 + 96 = 558       616
 *   2 keys             count, sum, mean   682 + 68 + 152 = 902      988
 *   3 keys             count, min, max    214 + 67 + 120 = 401      488
 *
 * (keys: a 7-digit id, "ok", "x0".."x99"). An exact sum is most of a summed group: ~270 bytes,
 * its object, two lists and the room a list takes at its first value. A key of characters past
 * U+00FF is held in two bytes a character and counted as one: such keys are underestimated.
 */
import { getHeapStatistics } from 'node:v8';
import type { MeasureSpec } from '../../api/measures.js';
import { ChunkmillError } from '../../errors.js';

/** The default budget's share of the heap limit. */
const DEFAULT_SHARE = 1 / 4;
/** The most one job may ask for, and what this process's aggregates hold together at most. */
const CAP_SHARE = 1 / 2;

/** The budget a job runs with, as the plan carries it to the workers (plain data). */
export interface MemoryBudget {
  bytes: number;
  /** Where it comes from, for the message: "set by memoryBudget (at most ...)", "the default, ...". */
  why: string;
  /** The budget is as high as this process lets a job go: only a larger heap raises it. */
  atCap: boolean;
  /** What raises it, for the hint, when that is not the job's memoryBudget: the engine's limit. */
  raise?: string;
}

/**
 * The budget for a job that asked for `requested` bytes (undefined: the default). `engineLimit`:
 * the engine's memoryBudget option (`chunkmill serve --memory-budget`), both the default of its
 * jobs and the most one of them gets, so a client cannot take a server's memory with one job;
 * where the heap's own rule gives less, that rule holds.
 */
export function resolveBudget(
  requested: number | undefined,
  heapLimit = getHeapStatistics().heap_size_limit,
  engineLimit?: number,
): MemoryBudget {
  const budget = heapBudget(requested, heapLimit);
  if (engineLimit === undefined || engineLimit >= budget.bytes) return budget;
  const limit = humanBytes(engineLimit);
  return {
    bytes: engineLimit,
    why:
      requested === undefined
        ? `the engine's memoryBudget option, ${limit}`
        : `memoryBudget asked for ${humanBytes(requested)}; this engine gives a job at most ${limit}, its memoryBudget option`,
    atCap: true,
    raise: "raise the engine's memoryBudget (chunkmill serve or engine --memory-budget)",
  };
}

/** The budget by this process's heap alone: see the top of this file. */
function heapBudget(requested: number | undefined, heapLimit: number): MemoryBudget {
  const cap = Math.floor(heapLimit * CAP_SHARE);
  const heap = `the ${humanBytes(heapLimit)} heap limit`;
  if (requested === undefined)
    return {
      bytes: Math.floor(heapLimit * DEFAULT_SHARE),
      why: `the default, a quarter of ${heap}; memoryBudget raises it to at most ${humanBytes(cap)}`,
      atCap: false,
    };
  if (requested >= cap)
    return {
      bytes: cap,
      why: `memoryBudget asked for ${humanBytes(requested)}; a job gets at most half of ${heap}`,
      atCap: true,
    };
  return { bytes: requested, why: `set by memoryBudget; at most ${humanBytes(cap)}, half of ${heap}`, atCap: false };
}

/**
 * The bytes a new group is estimated to take (see the table above), from its key strings.
 * Chunking does not change it: the index of group ids is counted whether or not a job has more
 * than one chunk to build it for.
 */
export class GroupCost {
  private readonly fixed: number;

  constructor(
    kinds: readonly MeasureSpec['kind'][],
    private readonly width: number,
  ) {
    const summed = kinds.filter((k) => k === 'sum' || k === 'mean').length;
    const valued = kinds.filter((k) => k !== 'count').length;
    const fields = width + kinds.length;
    // The table: 12 bytes per key and measure slot (8, and the room an array grows by), the
    // columns' typed arrays twice over (their room doubles), an index entry (~40), an exact sum.
    // A stddev or variance adds two more typed arrays per measure (Welford's mean and M2).
    const deviations = kinds.some((k) => k === 'stddev' || k === 'variance') ? 2 * 16 * kinds.length : 0;
    const table = 12 * width + 40 + 12 * kinds.length + 2 * (8 + 16 * kinds.length) + 272 * summed + deviations;
    // The row: the object and its slot (80 up to 4 fields; 3 more per property array), and a
    // number object per value a measure can give (a count is a small integer: none).
    const row = 80 + (fields > 4 ? 16 + 24 * Math.ceil((fields - 4) / 3) : 0) + 16 * valued;
    this.fixed = table + row;
  }

  /** The bytes of the group whose key is keys[from, from + width). */
  of(keys: readonly string[], from: number): number {
    let bytes = this.fixed;
    let json = 1; // ["a","b"]: brackets, and per part its quotes and a comma
    for (let k = 0; k < this.width; k++) {
      const length = keys[from + k]!.length;
      bytes += stringBytes(length);
      json += length + 3;
    }
    // Several columns: the index keys a group by the JSON of its key, a string of its own.
    return this.width > 1 ? bytes + stringBytes(json) : bytes;
  }
}

/** A one-byte string's heap size: a 16-byte header, then its characters, in 8-byte steps. */
function stringBytes(length: number): number {
  return (length + 23) & ~7;
}

/** What this isolate's running aggregates hold together (their estimates), in bytes. */
let heldHere = 0;

/**
 * One merger's running estimate against its budget, and its share of what this process's
 * aggregates hold together. release() gives the share back: the merger calls it when its groups
 * go (result built, job failed or abandoned).
 */
export class BudgetMeter {
  /** Bytes estimated so far. */
  used = 0;

  constructor(
    readonly budget: MemoryBudget,
    private readonly heapLimit = getHeapStatistics().heap_size_limit,
  ) {}

  /** Adds a group's bytes; the error to fail the job with when they pass a limit, else null. */
  charge(bytes: number, groups: number, chunkIndex: number): ChunkmillError | null {
    this.used += bytes;
    heldHere += bytes;
    if (this.used > this.budget.bytes) return overBudget(this.budget, groups, chunkIndex, false);
    const cap = Math.floor(this.heapLimit * CAP_SHARE);
    if (heldHere <= cap) return null;
    // Not this job's budget but the process's: no option of the job raises it.
    return new ChunkmillError({
      code: 'ERR_MEMORY_BUDGET',
      chunkIndex,
      message: `Over this process's memory budget at chunk ${chunkIndex}: the groups of its running jobs together need more than ${humanBytes(cap)}, half of its ${humanBytes(this.heapLimit)} heap limit (this job's ${groups.toLocaleString('en-US')} groups about ${humanBytes(this.used)})`,
      hint: "run the job when fewer jobs run, or fewer jobs at once (an engine's concurrency), or give node a larger --max-old-space-size",
    });
  }

  release(): void {
    heldHere -= this.used;
    this.used = 0;
  }
}

/**
 * ERR_MEMORY_BUDGET for a job whose groups passed its budget at a chunk; `alone`: the chunk's own
 * groups did (a worker's check), not the job's merged ones.
 */
export function overBudget(budget: MemoryBudget, groups: number, chunkIndex: number, alone: boolean): ChunkmillError {
  const count = groups.toLocaleString('en-US');
  const what = alone ? `that chunk alone has ${count} groups, which need` : `${count} groups need`;
  return new ChunkmillError({
    code: 'ERR_MEMORY_BUDGET',
    option: 'memoryBudget',
    chunkIndex,
    message: `Over the memory budget at chunk ${chunkIndex}: ${what} more than ${humanBytes(budget.bytes)}, the job's budget (${budget.why})`,
    hint: `group by fewer or coarser columns, or ${budget.raise ?? (budget.atCap ? 'give node a larger --max-old-space-size' : 'raise memoryBudget')}`,
  });
}

/** 64 MiB, 1.5 GiB, 300 KiB: binary units, one decimal where it says something. */
export function humanBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = unit === 0 || value >= 100 || Number.isInteger(value) ? Math.round(value) : Math.round(value * 10) / 10;
  return `${shown} ${units[unit]}`;
}
