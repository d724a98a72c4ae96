/**
 * A CSV dialect as the scanner sees it: the delimiter and quote as bytes.
 */

export interface Dialect {
  /** Delimiter byte (ASCII). */
  delimiter: number;
  /** Quote byte (ASCII). */
  quote: number;
}

/** The dialect of one-character delimiter and quote options (checked ASCII by validate). */
export function dialectOf(chars: { delimiter: string; quote: string }): Dialect {
  return { delimiter: chars.delimiter.charCodeAt(0), quote: chars.quote.charCodeAt(0) };
}
