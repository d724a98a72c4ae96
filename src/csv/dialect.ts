/**
 * A CSV dialect as the scanner sees it: the delimiter and quote as bytes.
 */

import { byteEncoding, type InputEncoding, type TextEncoding } from './encoding.js';

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
export function dialectOf(chars: { delimiter: string; quote: string; encoding?: InputEncoding | undefined }): Dialect {
  const dialect: Dialect = { delimiter: chars.delimiter.charCodeAt(0), quote: chars.quote.charCodeAt(0) };
  const encoding = chars.encoding === undefined ? 'utf8' : byteEncoding(chars.encoding);
  if (encoding !== 'utf8') dialect.encoding = encoding;
  return dialect;
}
