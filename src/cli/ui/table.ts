/**
 * The `table` format: a compact box, one line per row and a rule under the header only (as
 * DuckDB draws it), numbers right-aligned and rounded for reading, wide characters (東京) counted
 * as two columns (string-width).
 *
 * Drawn here rather than by cli-table3: it took 17 s of CPU for a 30,000-row result (aggregate
 * -g id -f table on 30,000 ids, this machine), where this takes well under a second; a table of
 * every group is what `aggregate -g id` prints on a terminal by default.
 *
 * Fitted to the terminal: a table wider than `width` has its widest columns cut (with …) down to
 * a floor; if even that does not fit, each row becomes a block of `name  value` lines (like
 * psql's expanded display), which fits any width. The csv, json and ndjson formats are never
 * rounded or cut: they are for programs.
 */
import stringWidth from 'string-width';

/** A bigint: an exact integer beyond 2^53 (a sum, min or max), written with all its digits. */
export type Cell = string | number | bigint | boolean | null;

/** A column is not cut below this many characters: enough to tell most values apart. */
const MIN_COLUMN = 8;
/** One space each side of a cell, and one border character per column plus one. */
const PADDING = 2;

/**
 * A number as a person reads it in a table: integers exactly, other values to 2 decimals (3
 * significant digits below 1), trailing zeros dropped. 5012.345678901234 reads 5012.35.
 */
export function roundForTable(v: number): string {
  if (Number.isInteger(v) || !Number.isFinite(v)) return String(v);
  const rounded = Math.abs(v) >= 1 ? Number(v.toFixed(2)) : Number(v.toPrecision(3));
  return String(rounded);
}

/**
 * Characters a terminal acts on rather than shows: C0 controls (ESC starts the sequences that
 * recolour, move the cursor, retitle the window or rewrite the screen), DEL and C1 controls
 * (0x9b is a one-byte CSI), and the bidirectional marks and overrides that reorder what is shown.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** An unsafe character as its escape: \x1b, \x00, \u202e. */
function escaped(ch: string): string {
  const code = ch.codePointAt(0)!;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * A cell's text on one line, as text: line breaks (which would break the box) shown as ↵, and
 * every other control character escaped, so a value (a job's name, a CSV field) never reaches
 * the terminal as a command.
 */
function cellText(v: Cell | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return roundForTable(v);
  if (typeof v === 'bigint') return String(v);
  return String(v)
    .replace(/\r?\n|\r/g, '↵')
    .replace(UNSAFE, escaped);
}

export interface TableLayout {
  /** The terminal's columns; undefined draws the table at its natural width. */
  width?: number;
  /** In the block layout, the column whose value titles each block (stats: the column name). */
  blockTitle?: number;
}

export function renderTable(columns: readonly string[], rows: readonly Cell[][], layout: TableLayout = {}): string {
  const { width } = layout;
  const numeric = columns.map(
    (_, i) =>
      rows.length > 0 && rows.every((r) => r[i] === null || typeof r[i] === 'number' || typeof r[i] === 'bigint'),
  );
  const head = columns.map((c) => cellText(c));
  const body = rows.map((r) => columns.map((_, i) => cellText(r[i])));
  // A number cut short would read as another number: numeric columns keep their widest value.
  const floors: number[] = head.map((_, i) => (numeric[i] ? 0 : MIN_COLUMN));
  const widths = head.map((h) => stringWidth(h));
  for (const r of body)
    r.forEach((c, i) => {
      const w = stringWidth(c);
      widths[i] = Math.max(widths[i]!, w);
      if (numeric[i]) floors[i] = Math.max(floors[i]!, w);
    });
  const fitted = width === undefined ? widths : narrowed(widths, floors, width);
  if (fitted === null) return renderBlocks(head, body, layout.blockTitle);
  const rule = (l: string, m: string, r: string) => l + fitted.map((w) => '─'.repeat(w + PADDING)).join(m) + r;
  // Numeric columns, header included, are right-aligned, as people read figures.
  const line = (cells: readonly string[]) =>
    '│' +
    cells
      .map((c, i) => {
        const text = cut(c, fitted[i]!);
        const pad = ' '.repeat(fitted[i]! - stringWidth(text));
        return ' ' + (numeric[i] ? pad + text : text + pad) + ' ';
      })
      .join('│') +
    '│';
  const out = [rule('┌', '┬', '┐'), line(head), rule('├', '┼', '┤')];
  for (const r of body) out.push(line(r));
  out.push(rule('└', '┴', '┘'));
  return out.join('\n') + '\n';
}

/**
 * Narrows the widest column that is above its floor, one character at a time, until the table
 * fits `width`; null when every column is at its floor and it still does not.
 */
function narrowed(widths: readonly number[], floors: readonly number[], width: number): number[] | null {
  const w = [...widths];
  let total = w.reduce((a, b) => a + b + PADDING, 0) + w.length + 1;
  while (total > width) {
    let widest = -1;
    for (let i = 0; i < w.length; i++) if (w[i]! > floors[i]! && (widest < 0 || w[i]! > w[widest]!)) widest = i;
    if (widest < 0) return null;
    w[widest]!--;
    total--;
  }
  return w;
}

/** `text` cut to `width` display columns, ending in … when cut. */
function cut(text: string, width: number): string {
  if (stringWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const ch of text) {
    const w = stringWidth(ch);
    if (used + w > width - 1) break;
    out += ch;
    used += w;
  }
  return out + '…';
}

/**
 * One block per row: a title line (`-[ row 3 ]-`, or the value of the `title` column), then
 * `name  value` per column, names padded to one width. Fits any terminal but the longest values.
 */
function renderBlocks(head: readonly string[], body: readonly string[][], title?: number): string {
  const shown = head.map((_, i) => i).filter((i) => i !== title);
  const pad = Math.max(...shown.map((i) => stringWidth(head[i]!)));
  const blocks = body.map((row, r) => {
    const lines = shown.map((i) => `  ${head[i]!}${' '.repeat(pad - stringWidth(head[i]!))}  ${row[i]!}`.trimEnd());
    return [title === undefined ? `-[ row ${r + 1} ]-` : `-[ ${row[title]!} ]-`, ...lines].join('\n');
  });
  return blocks.join('\n') + '\n';
}
