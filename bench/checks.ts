/**
 * The bench's self-check, turning measurements into table rows:
 *
 *   - every engine configuration must return the generator's row count, and rows identical to
 *     the serial path's on the same file (groups, order, bit-identical sums): else MISMATCH;
 *   - every peer (and DuckDB) must give the serial path's answer on the same file (rows, per-group
 *     counts, sums to the cent): else WRONG, shown in the table with what differs;
 *   - a WRONG from a reference peer (an RFC 4180 parser: fast-csv, csv-parse) is a problem too:
 *     a bug shared by every engine configuration would show only there.
 * Problems make the bench exit non-zero.
 */
import type { ConfigResult } from './child.ts';
import { peerByName } from './peers.ts';
import { compareAnswers } from './queries.ts';
import { toRow, type Check, type Row } from './report.ts';

export interface Measured {
  result: ConfigResult;
  /** What it ran on, e.g. "sales 200 MB" or "sales 50 MB prefix". */
  data: string;
}

/** Checks and turns measurements into table rows; appends to `problems`. */
export function checkAndRow(all: Measured[], problems: string[]): Row[] {
  // "vs 1 worker" compares rows of the same pool state: cold-pool rows with the cold 1-worker row.
  const scaling = (r: ConfigResult) => `${r.dataset.kind}${r.id.endsWith('-cold') ? ' cold' : ''}`;
  const oneWorker = new Map<string, number>();
  for (const { result: r, data } of all) {
    if (r.type === 'engine' && r.workers === 1 && !data.includes('prefix'))
      oneWorker.set(scaling(r), r.dataset.bytes / 1e3 / r.medianMs);
  }
  return all.map(({ result: r, data }) => {
    const serial = all.find(
      (m) => m.result.type === 'engine' && m.result.workers === 0 && m.result.dataset.path === r.dataset.path,
    )?.result;
    let check: Check = 'unchecked';
    let detail: string | null = null;
    if (r.type === 'engine') {
      check = 'ok';
      if (r.rows !== r.dataset.rows) detail = `${r.rows} rows, but the generator wrote ${r.dataset.rows}`;
      else if (serial !== undefined && r.exactHash !== serial.exactHash)
        detail = 'result rows differ from the serial path on the same file';
      if (detail !== null) {
        check = 'MISMATCH';
        problems.push(`${r.label} on ${data}: ${detail}`);
      }
    } else if (serial?.answer != null && r.answer !== null) {
      detail = compareAnswers(r.answer, serial.answer);
      check = detail === null ? 'ok' : 'WRONG';
      const peer = r.type === 'peer' ? peerByName(r.id.replace(/^peer-/, '').replace(/@\d+$/, '')) : null;
      if (detail !== null && peer?.reference) {
        problems.push(
          `the engine disagrees with ${r.label}, an RFC 4180 reference parser, on ${data}: ${detail}. Check the engine (or the peer).`,
        );
      }
    }
    // The DuckDB row on the same file with as many threads as this row has workers (serial: 1).
    const threads = r.type === 'engine' ? Math.max(1, r.workers) : null;
    const duckdb = all.find(
      (m) => m.result.id === `peer-duckdb@${threads}` && m.result.dataset.path === r.dataset.path,
    )?.result;
    return toRow(r, data, oneWorker.get(scaling(r)) ?? null, check, detail, duckdb?.medianMs ?? null);
  });
}
