/**
 * Single-byte encodings (the encoding option): Latin-1 (ISO 8859-1) and Windows-1252. Both keep
 * ASCII where it is, so the scanner finds delimiters, quotes and line ends in their bytes as in
 * UTF-8 and chunk boundaries stay exact; only the field bytes change meaning. A record's bytes
 * are turned into UTF-8 before any work reads them (kinds/transcoding-sink.ts): every byte
 * >= 0x80 is one character, so no byte is ever invalid, and group keys, --where comparisons,
 * output and errors then see the same UTF-8 as for a UTF-8 file.
 *
 * Windows-1252 differs from Latin-1 in 0x80-0x9F only (€, curly quotes, Š, ...); its five
 * unassigned bytes there are read as the C1 control of the same number, as the WHATWG decoder
 * (TextDecoder('windows-1252')) reads them.
 */
import { decodeField } from './fields.js';

export type TextEncoding = 'utf8' | 'latin1' | 'windows-1252';

/** The encoding option: UTF-16 too, which is turned into UTF-8 before any scan (input/utf16.ts). */
export type InputEncoding = TextEncoding | 'utf-16le' | 'utf-16be';

/** The encoding the scanner and the sinks read the bytes in: UTF-16 arrives as UTF-8. */
export function byteEncoding(encoding: InputEncoding): TextEncoding {
  return encoding === 'utf-16le' || encoding === 'utf-16be' ? 'utf8' : encoding;
}

/** Code points of Windows-1252 bytes 0x80-0x9F. */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8d, 0x017d,
  0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x9d,
  0x017e, 0x0178,
];

/** The code point of byte `b` (>= 0x80) in `encoding`. */
function codePoint(encoding: TextEncoding, b: number): number {
  return encoding === 'windows-1252' && b < 0xa0 ? CP1252_HIGH[b - 0x80]! : b;
}

/** A field's text (quotes removed, doubled quotes undone) in `encoding`; UTF-8 as decodeField reads it. */
export function decodeFieldAs(
  encoding: TextEncoding,
  buf: Buffer,
  start: number,
  end: number,
  quotedFlag: number,
  quoteChar: string,
): string {
  if (encoding === 'utf8') return decodeField(buf, start, end, quotedFlag, quoteChar);
  let text = '';
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    text += String.fromCharCode(b < 0x80 ? b : codePoint(encoding, b));
  }
  return quotedFlag === 2 ? text.split(quoteChar + quoteChar).join(quoteChar) : text;
}

/**
 * Writes buf[start, end) as UTF-8 into `out` at `at` (room: 3 bytes per input byte); `origin`
 * gets, per output byte, the input index it came from, and `position` per input byte (and `end`)
 * its output index. Returns the output end.
 */
export function transcodeSpan(
  encoding: Exclude<TextEncoding, 'utf8'>,
  buf: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  at: number,
  origin: Int32Array,
  position: Int32Array,
): number {
  let n = at;
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    position[i - start] = n;
    if (b < 0x80) {
      origin[n] = i;
      out[n++] = b;
      continue;
    }
    const c = codePoint(encoding, b);
    if (c < 0x800) {
      origin[n] = i;
      out[n++] = 0xc0 | (c >> 6);
      origin[n] = i;
      out[n++] = 0x80 | (c & 0x3f);
    } else {
      origin[n] = i;
      out[n++] = 0xe0 | (c >> 12);
      origin[n] = i;
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
      origin[n] = i;
      out[n++] = 0x80 | (c & 0x3f);
    }
  }
  position[end - start] = n;
  origin[n] = end;
  return n;
}
