/**
 * The scanner's fast path on the thread's block: the WebAssembly record loop (wasm/scan.ts,
 * wasm-scan.ts) finds each record from the SIMD masks of the delimiters, LFs and quotes and
 * writes its fields into its own slots; this loop hands the records to the sink. Unlike plainRun
 * (plain-run.ts) it also takes records with quoted fields, where the quotes are well formed; a
 * record it cannot take exactly (a bare quote, a closing quote followed by other data, a record
 * that runs to the end of the valid bytes) it leaves to scanRecords' state machine, which stays
 * the reference for every rule and error.
 *
 * One call into WebAssembly per record instead of a JavaScript step per field: `npx tsx
 * bench/micro.ts --only scan-sales-count` 829/796 -> 1,114/1,084 MB/s (two interleaved pairs,
 * 2-core AMD EPYC), the serial group-by 0.91x its time.
 */
import type { FieldSlots, RecordSink } from './field-slots.js';
import { RUN_DONE, RUN_REACHED_STOP, RUN_STOPPED, RUN_TOO_LARGE } from './plain-run.js';
import type { ScanResult } from './scan-result.js';
import { NEXT_DONE, NEXT_TOO_LARGE, type WasmScan } from './wasm-scan.js';

/**
 * Records from `pos` (a record start) up to the first at or after `ownedEnd`, through `wasm`, which
 * reads the block's valid bytes up to `limit`. Same returns as plainRun; RUN_REACHED_STOP means
 * out.pos is a record the state machine must take. Updates out.lines/out.rows and out.pos.
 * The sink sees `wasm`'s slots of `slots.capacity` fields, not `slots`.
 */
export function plainRunWasm(
  buf: Uint8Array,
  wasm: WasmScan,
  pos: number,
  limit: number,
  ownedEnd: number,
  delimiter: number,
  quote: number,
  maxRecordSize: number,
  slots: FieldSlots,
  sink: RecordSink,
  out: ScanResult,
): number {
  const own = wasm.slotsOf(slots.capacity);
  wasm.begin(pos, limit, ownedEnd, maxRecordSize, slots.capacity, delimiter, quote);
  const next = wasm.next;
  const state = wasm.state;
  const lines = out.lines;
  let rows = out.rows;
  let fields = next();
  while (fields > 0) {
    if (!sink.record(buf, own, fields, state[0]!)) {
      out.errorLines = out.lines = lines + state[1]!;
      out.rows = rows;
      out.pos = state[0]!;
      return RUN_STOPPED;
    }
    rows++;
    fields = next();
  }
  out.lines = lines + state[1]!;
  out.rows = rows;
  out.pos = state[0]!;
  if (fields === NEXT_DONE) return RUN_DONE;
  return fields === NEXT_TOO_LARGE ? RUN_TOO_LARGE : RUN_REACHED_STOP;
}
