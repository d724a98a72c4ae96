/**
 * Column names from a header record, by the one policy every input kind follows: DuckDB's, so
 * that a file reads with the same column names in both.
 *
 * - An empty name becomes `column` and its 0-based position, zero-padded to the width of the
 *   last position (`column0` ... `column9`; with 11 to 100 columns `column00` ...).
 * - A name already taken gets `_1`, `_2`, ... (the count of earlier clashes on that name); if that
 *   name is taken too, the suffix is added again (`a,a_1,a` -> `a`, `a_1`, `a_1_1`), exactly as
 *   DuckDB's sniffer does.
 *
 * One difference: DuckDB compares names ignoring case (SQL names are case-insensitive) and so
 * renames `a,A` to `a`, `A_1`; chunkmill's column names are case-sensitive, so `a` and `A` name
 * two columns without ambiguity and are kept as they are.
 *
 * Each renamed column is remembered with the names (a WeakMap keyed by the array), so that the
 * job that opens its computation on them (kinds/computation.ts) either warns
 * (WARN_HEADER_RENAMED) or, under headerNames: 'error', refuses the file with ERR_CSV_HEADER
 * naming the column: one place for both input kinds, files and streams.
 */
import { ChunkmillError, describeLocation, type ErrorLocation } from '../errors.js';

/** What to do about an empty or repeated header name: rename it as DuckDB does (and warn), or fail. */
export type HeaderNamePolicy = 'rename' | 'error';

/** One renamed column: its 0-based index, its name in the file, the name it got, and where it is. */
export interface HeaderRename {
  index: number;
  from: string;
  to: string;
  /** The earlier column that had the name (for a repeated name), 0-based. */
  earlier: number | undefined;
  line: number;
  byteOffset: number;
}

const RENAMES = new WeakMap<readonly string[], { file: string; renames: HeaderRename[] }>();

/**
 * The header's column names, renamed where empty or repeated. `where(i)` locates field i (its
 * line and first byte) for the warning or the error.
 */
export function headerNames(
  fields: readonly string[],
  file: string,
  where: (index: number) => { line: number; byteOffset: number },
): string[] {
  const width = String(Math.max(fields.length - 1, 0)).length;
  const names = fields.map((raw, i) => (raw === '' ? `column${String(i).padStart(width, '0')}` : raw));
  // name -> clashes so far (DuckDB's name_collision_count), and the column that holds it.
  const clashes = new Map<string, number>();
  const holder = new Map<string, number>();
  const renames: HeaderRename[] = [];
  for (let i = 0; i < names.length; i++) {
    let name = names[i]!;
    const earlier = holder.get(name);
    while (clashes.has(name)) {
      const n = clashes.get(name)! + 1;
      clashes.set(name, n);
      name = `${name}_${n}`;
    }
    clashes.set(name, 0);
    holder.set(name, i);
    names[i] = name;
    if (name !== fields[i]) renames.push({ index: i, from: fields[i]!, to: name, earlier, ...where(i) });
  }
  if (renames.length > 0) RENAMES.set(names, { file, renames });
  return names;
}

/** The columns renamed when `columns` was made by headerNames (empty if none, or not made there). */
export function renamedColumns(columns: readonly string[]): readonly HeaderRename[] {
  return RENAMES.get(columns)?.renames ?? [];
}

/**
 * Applies the policy to `columns`: under 'error', the first renamed column is ERR_CSV_HEADER
 * (naming its position); under 'rename', the warning to give, or null when nothing was renamed.
 */
export function checkHeaderNames(
  columns: readonly string[],
  policy: HeaderNamePolicy,
): { code: 'WARN_HEADER_RENAMED'; message: string } | null {
  const found = RENAMES.get(columns);
  if (found === undefined) return null;
  const { file, renames } = found;
  if (policy === 'error') {
    const r = renames[0]!;
    const at: ErrorLocation = {
      file,
      line: r.line,
      byteOffset: r.byteOffset,
      column: r.from,
      columnIndex: r.index + 1,
    };
    const what =
      r.from === ''
        ? `Column ${r.index + 1} of the header has no name`
        : r.earlier !== undefined
          ? `The header names two columns ${JSON.stringify(r.from)}: columns ${r.earlier + 1} and ${r.index + 1}`
          : `Column ${r.index + 1} of the header is named ${JSON.stringify(r.from)}, the name an earlier column was given`;
    throw new ChunkmillError({
      code: 'ERR_CSV_HEADER',
      ...at,
      message: what + describeLocation(at),
      hint: 'rename the column in the file, or let chunkmill rename it as DuckDB does (headerNames: "rename", the default)',
    });
  }
  const list = renames.map((r) => `column ${r.index + 1} ${JSON.stringify(r.from)} -> ${JSON.stringify(r.to)}`);
  const shown = list.length > 5 ? [...list.slice(0, 5), `and ${list.length - 5} more`] : list;
  return {
    code: 'WARN_HEADER_RENAMED',
    message: `${file}: empty or repeated header names were renamed as DuckDB renames them: ${shown.join(', ')}`,
  };
}
