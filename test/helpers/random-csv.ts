/**
 * Seeded random CSV text for property tests: quoted fields holding the delimiter, doubled quotes,
 * LF, CRLF and lone CR; multi-byte UTF-8 (2, 3 and 4 bytes); empty fields; LF or CRLF record
 * ends; blank lines; optionally bare quotes inside unquoted fields (`5'11"`), which break the
 * quote parity that parallel boundary resolution relies on.
 *
 * Only text that RFC 4180 parsers agree on: a quote, CR or LF inside a field always makes it
 * quoted, except bare quotes, which never start a field (fast-csv would take a field whose first
 * non-space character is a quote as quoted).
 */
import { rng } from '../../support/generate.ts';

export { rng };

export const HEADER = ['k', 'v', 't'] as const;

const KEYS = ['a', 'b,c', 'q"q', 'line\nbreak', 'cr\r\nlf', '東京', 'Zürich', '😀', '', 'x y', 'é,"€"', 'lone\rcr'];
const TEXT_PIECES = ['a', 'b', 'z', ' ', ',', '"', '""', '\n', '\r\n', '\r', 'é', '€', '😀', '𝄞', ';', '12'];
const BARE = ['5\'11"', 'a"b', 'x""y', 'q"', 'it"s ok'];

export interface RandomCsvOptions {
  rows: number;
  /** Put bare quotes in some unquoted fields. */
  bareQuotes?: boolean;
}

export interface RandomCsv {
  text: string;
  /** The records as written (without the header), for sanity checks of the generator. */
  records: string[][];
}

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)]!;
}

function needsQuotes(field: string): boolean {
  return /[",\r\n]/.test(field);
}

function quote(field: string): string {
  return '"' + field.replaceAll('"', '""') + '"';
}

export function randomCsv(random: () => number, { rows, bareQuotes = false }: RandomCsvOptions): RandomCsv {
  const records: string[][] = [];
  const lineEnd = () => (random() < 0.5 ? '\n' : '\r\n');
  let text = random() < 0.1 ? lineEnd() : ''; // a blank line before the header
  text += HEADER.join(',') + lineEnd();
  for (let r = 0; r < rows; r++) {
    const k = pick(random, KEYS);
    const v = random() < 0.25 ? '' : String(Math.floor(random() * 1999) - 999);
    let t = '';
    let bare = false;
    if (bareQuotes && random() < 0.15) {
      t = pick(random, BARE);
      bare = true;
    } else {
      const n = Math.floor(random() * 8);
      for (let i = 0; i < n; i++) t += pick(random, TEXT_PIECES);
    }
    const fields = [k, v, t];
    records.push(fields);
    const written = fields.map((f, i) => {
      if (i === 2 && bare) return f;
      return needsQuotes(f) || random() < 0.1 ? quote(f) : f;
    });
    const last = r === rows - 1;
    text += written.join(',');
    if (!last || random() < 0.8) text += lineEnd();
    if (!last && random() < 0.05) text += lineEnd(); // a blank line between records
  }
  return { text, records };
}
