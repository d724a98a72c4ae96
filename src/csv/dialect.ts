/**
 * A CSV dialect as the scanner sees it: the delimiter and quote as bytes.
 */

import type { TextEncoding } from './encoding.js';

export interface Dialect {
  /** Delimiter byte (ASCII). */
  delimiter: number;
  /** Quote byte (ASCII). */
  quote: number;
  /**
   * A single-byte encoding of the text (the encoding option), for what reads the header's names;
   * absent: UTF-8. The scanner itself never reads it: such encodings keep ASCII where it is.
   */
  encoding?: Exclude<TextEncoding, 'utf8'>;
}

/** The dialect of one-character delimiter and quote options (checked ASCII by validate). */
export function dialectOf(chars: { delimiter: string; quote: string; encoding?: TextEncoding | undefined }): Dialect {
  const dialect: Dialect = { delimiter: chars.delimiter.charCodeAt(0), quote: chars.quote.charCodeAt(0) };
  if (chars.encoding !== undefined && chars.encoding !== 'utf8') dialect.encoding = chars.encoding;
  return dialect;
}
