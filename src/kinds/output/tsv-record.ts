/**
 * Writing a CSV record's fields straight from the input bytes as a TSV line: the built-in select
 * transform's fast path for `--to tsv`, the bytes of csv-line.ts's tsvLine(row.toArray()) for
 * every field that is UTF-8. A field is quoted (its quotes doubled) where it holds a tab, a quote,
 * LF or CR; every other byte is copied. A doubled quote of a quoted input field (quoted flag 2)
 * counts as one quote character.
 */
import { invalidUtf8At } from '../../csv/fields.js';
import type { FieldSlots } from '../../csv/scanner.js';
import type { RecordPlan } from './record-bytes.js';

const QUOTE = 0x22;
/** 0 copy; 1 a byte that makes the field quoted (tab, `"`, LF, CR); 2 >= 0x80 (checked to be UTF-8). */
const TSV_CLASS = Uint8Array.from({ length: 256 }, (_, b) =>
  b >= 0x80 ? 2 : b === 0x09 || b === QUOTE || b === 0x0a || b === 0x0d ? 1 : 0,
);

/** One record at out[at] (recordBound() room); the new end, or -1 - k if value k is not UTF-8. */
export function writeTsvRecord(
  out: Uint8Array,
  at: number,
  buf: Uint8Array,
  slots: FieldSlots,
  plan: RecordPlan,
): number {
  const { fields, quote } = plan;
  let n = at;
  for (let k = 0; k < fields.length; k++) {
    const f = fields[k]!;
    if (k > 0) out[n++] = 0x09;
    n = writeTsvField(out, n, buf, slots.starts[f]!, slots.ends[f]!, slots.quoted[f] === 2, quote);
    if (n < 0) return -1 - k;
  }
  out[n++] = 0x0a;
  return n;
}

function writeTsvField(
  out: Uint8Array,
  at: number,
  buf: Uint8Array,
  s: number,
  e: number,
  doubled: boolean,
  quote: number,
): number {
  let special = false;
  let checked = false;
  for (let i = s; i < e; i++) {
    const kind = TSV_CLASS[buf[i]!]!;
    if (kind === 1) special = true;
    else if (kind === 2 && !checked) {
      if (invalidUtf8At(buf, i, e) >= 0) return -1;
      checked = true;
    }
  }
  let n = at;
  if (special) out[n++] = QUOTE;
  for (let i = s; i < e; i++) {
    const b = buf[i]!;
    out[n++] = b;
    if (b === QUOTE) out[n++] = QUOTE;
    if (doubled && b === quote) i++; // the second quote of a doubled pair
  }
  if (special) out[n++] = QUOTE;
  return n;
}
