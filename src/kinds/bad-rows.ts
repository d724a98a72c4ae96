/**
 * The onBadRow policy, shared by every sink: a record whose field count differs from the header's
 * fails the job ('error'), is skipped and counted ('skip'), or is skipped, counted and written to
 * the rejects file with its line ('report').
 *
 * 'report' needs the record's line, which only the driver knows (it counts line breaks per
 * scan). So the sink stops the scan at such a record with `pending` set; the driver (read-range,
 * value-rows) locates it, takes it, and resumes the scan at the same record, which the sink then
 * counts as rejected and passes over. Bad rows are rare; the re-scan of one record costs nothing.
 */
import type { BadRowPolicy } from '../api/options.js';
import type { FieldSlots } from '../csv/scanner.js';
import type { ErrorData } from '../errors.js';

/** A record for the rejects file, before the driver adds its line. */
export interface PendingReject {
  found: number;
  fields: string[];
}

/** A rejected record with its chunk-local line (LF count from the chunk start). */
export interface Reject extends PendingReject {
  localLine: number;
}

/** Fields to store per record under 'report', so a record with extra fields is kept whole. */
export function slotsFor(width: number, policy: BadRowPolicy): number {
  return policy === 'report' ? width * 2 + 16 : width + 1;
}

export class BadRows {
  rejected = 0;
  pending: PendingReject | null = null;
  /** The record start last reported (stopped at): the resumed scan passes it over. */
  private reportedAt = -1;

  constructor(
    private readonly width: number,
    readonly policy: BadRowPolicy,
    private readonly quote: string,
  ) {}

  /**
   * A record of the wrong width: true to go on (skipped or reported before), false to stop the
   * scan (`error` set for 'error', `pending` for 'report').
   */
  check(
    buf: Buffer,
    slots: FieldSlots,
    fieldCount: number,
    recordStart: number,
    fail: (e: { offset: number; data: ErrorData }) => void,
  ): boolean {
    if (this.policy === 'skip' || (this.policy === 'report' && this.reportedAt === recordStart)) {
      this.reportedAt = -1;
      this.rejected++;
      return true;
    }
    if (this.policy === 'report') {
      this.reportedAt = recordStart;
      this.pending = { found: fieldCount, fields: fieldTexts(buf, slots, fieldCount, this.quote) };
      return false;
    }
    fail(fieldCountError(this.width, fieldCount, recordStart));
    return false;
  }
}

/** A record with the wrong number of fields, under onBadRow: 'error'. */
export function fieldCountError(
  expected: number,
  found: number,
  recordStart: number,
): { offset: number; data: ErrorData } {
  return {
    offset: recordStart,
    data: {
      code: 'ERR_CSV_FIELD_COUNT',
      message: `Expected ${expected} fields, found ${found}`,
      hint: 'onBadRow: "skip" skips such rows, "report" writes them to a rejects file',
    },
  };
}

/** The stored fields' text (lossy for bytes that are not UTF-8: this is a report, not data). */
function fieldTexts(buf: Buffer, slots: FieldSlots, fieldCount: number, quote: string): string[] {
  const n = Math.min(fieldCount, slots.capacity);
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const text = buf.toString('utf8', slots.starts[i]!, slots.ends[i]!);
    out[i] = slots.quoted[i] === 2 ? text.split(quote + quote).join(quote) : text;
  }
  if (fieldCount > n) out.push(`(${fieldCount - n} more fields)`);
  return out;
}
