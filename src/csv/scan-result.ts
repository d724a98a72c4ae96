/**
 * The scanner's answer (scanner.ts): a status that tells the driver what to do next (read more
 * bytes, stop, report an error) and where the scan got to.
 */

export const enum ScanStatus {
  /** Reached a record that starts at or after `ownedEnd`; `pos` is that record's start. */
  Done = 0,
  /** The buffer ends inside a record (and is not the end of the file); `pos` is its start. */
  NeedMore = 1,
  /** The end of the file, after the last record. */
  Eof = 2,
  /** The sink returned false; `pos` is the start of the record it stopped at. */
  Stopped = 3,
  /** End of file inside a quoted field; `errorAt` is the opening quote. */
  UnclosedQuote = 4,
  /** A byte other than delimiter/newline follows a closing quote; `errorAt` is that byte. */
  InvalidClosingQuote = 5,
  /** A record longer than `maxRecordSize`; `pos` and `errorAt` are its start. */
  RecordTooLarge = 6,
}

/** The scanner's answer, written into a reused object so the loop allocates nothing. */
export class ScanResult {
  status: ScanStatus = ScanStatus.Done;
  /** Next record start (or the start of the record the scan stopped at). */
  pos = 0;
  /** LF bytes consumed from the scan start up to `pos` (for errors: line numbers). */
  lines = 0;
  /** Records handed to the sink. */
  rows = 0;
  /** Byte of a syntax error (see status). */
  errorAt = -1;
  /** For errors: LF bytes from the scan start to the start of the faulty record. */
  errorLines = 0;
}
