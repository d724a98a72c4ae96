/**
 * CSV dialect sniffing, after DuckDB's sniffer: parse a sample of the file under each candidate
 * delimiter and quote, keep the candidate whose rows have the most consistent field count (at
 * least two fields), then call the first row a header when its values do not fit the types of the
 * columns below it. Pure: the sample comes from sniff-flags.ts, which reads it once on the
 * coordinator before the job is planned.
 *
 * Where DuckDB would break a tie by taking the candidate with more columns, this refuses to
 * guess: two delimiters (or quotes) that read the sample equally well are an ambiguity the user
 * settles with a flag, since a wrong guess gives answers that look right. A header that cannot be
 * decided (every column text, or a lone row) is assumed, as DuckDB assumes it and as the CLI
 * always read a first line without --no-header.
 */

export const DELIMITERS = [',', ';', '\t', '|'] as const;
export const QUOTES = ['"', "'"] as const;

/** What the command line fixed; the sniffer decides the rest. */
export interface Given {
  delimiter?: string | undefined;
  quote?: string | undefined;
  header?: boolean | undefined;
  /** The decimal separator (--decimal): never a delimiter candidate, as `1,5` must stay one value. */
  decimal?: string | undefined;
}

/** given: from a flag; detected: from the sample; default/assumed: nothing in the sample decided it. */
export type How = 'given' | 'detected' | 'default' | 'assumed';

export interface Dialect {
  delimiter: string;
  quote: string;
  header: boolean;
  how: { delimiter: How; quote: How; header: How };
}

export type SniffResult =
  | { ok: true; dialect: Dialect }
  | { ok: false; what: 'delimiter' | 'quote'; candidates: { char: string; columns: number }[] };

interface Parsed {
  rows: string[][];
  /** The quote opened a field and then did not close it where a field ends. */
  broken: boolean;
  /** Some field was quoted: the quote is in use. */
  quoted: boolean;
}

/**
 * RFC 4180 records of `text` (a doubled quote inside quotes is one). `complete`: the sample is the
 * whole input; otherwise its last record may be cut short and is left out. Blank lines are skipped.
 */
export function parseSample(text: string, delimiter: string, quote: string, complete: boolean): Parsed {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let inQuotes = false;
  let afterQuote = false;
  let atFieldStart = true;
  let broken = false;
  let quoted = false;
  const endRow = () => {
    row.push(field);
    if (row.length > 1 || row[0] !== '') rows.push(row);
    row = [];
    field = '';
    atFieldStart = true;
    afterQuote = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inQuotes) {
      if (ch !== quote) field += ch;
      else if (text[i + 1] === quote) {
        field += quote;
        i++;
      } else {
        inQuotes = false;
        afterQuote = true;
      }
      continue;
    }
    if (ch === delimiter) {
      row.push(field);
      field = '';
      atFieldStart = true;
      afterQuote = false;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRow();
    } else if (atFieldStart && ch === quote) {
      inQuotes = true;
      quoted = true;
      atFieldStart = false;
    } else {
      // Text after a closing quote: this quote does not delimit fields here.
      if (afterQuote) broken = true;
      field += ch;
      atFieldStart = false;
    }
  }
  if (inQuotes && complete) broken = true;
  // A record cut off by the end of the sample would skew the count; the whole input's last one counts.
  if (complete && !inQuotes && (field !== '' || row.length > 0)) endRow();
  return { rows, broken, quoted };
}

interface Candidate {
  delimiter: string;
  quote: string;
  quoteHow: How;
  rows: string[][];
  columns: number;
  consistent: number;
  /** Both quotes are in use and read the sample equally well: an ambiguity if this one wins. */
  quoteTie?: Candidate[];
}

/** The most common field count (the larger on a tie) and how many rows have it. */
function modeOf(rows: readonly string[][]): { columns: number; consistent: number } {
  const counts = new Map<number, number>();
  for (const r of rows) counts.set(r.length, (counts.get(r.length) ?? 0) + 1);
  let columns = 0;
  let consistent = 0;
  for (const [c, n] of counts) {
    if (n > consistent || (n === consistent && c > columns)) {
      columns = c;
      consistent = n;
    }
  }
  return { columns, consistent };
}

/** The candidate for one delimiter: under the quote given, else the quote in use (`"` first), else `"`. */
function candidateFor(text: string, delimiter: string, given: Given, complete: boolean): Candidate {
  const make = (quote: string, quoteHow: How, p: Parsed): Candidate => ({
    delimiter,
    quote,
    quoteHow,
    rows: p.rows,
    ...modeOf(p.rows),
  });
  if (given.quote !== undefined) {
    return make(given.quote, 'given', parseSample(text, delimiter, given.quote, complete));
  }
  // A quote the sample lacks is not in use (no field quoted, none broken): only `"`, the default,
  // is parsed regardless. Each parse of the 64 KiB sample is ~5 ms of the CLI's start, cold.
  const parsed = QUOTES.filter((q, i) => i === 0 || text.includes(q)).map((q) => ({
    q,
    p: parseSample(text, delimiter, q, complete),
  }));
  const inUse = parsed.filter(({ p }) => p.quoted && !p.broken).map(({ q, p }) => make(q, 'detected', p));
  if (inUse.length > 1) {
    const best = Math.max(...inUse.map((c) => c.consistent));
    const top = inUse.filter((c) => c.consistent === best);
    return top.length > 1 ? { ...top[0]!, quoteTie: top } : top[0]!;
  }
  if (inUse.length === 1) return inUse[0]!;
  // No quote in use: the default, also where a `"` never closes: the engine reports that where it is.
  return make('"', 'default', parsed[0]!.p);
}

export function sniffDialect(sample: string, complete: boolean, given: Given = {}): SniffResult {
  const text = sample.charCodeAt(0) === 0xfeff ? sample.slice(1) : sample;
  // A delimiter the sample lacks splits no row (one column): it could never be chosen, so it is
  // not parsed (the CLI sniffs before every job: this is most of that time).
  const delimiters =
    given.delimiter !== undefined
      ? [given.delimiter]
      : DELIMITERS.filter((d) => d !== given.decimal && text.includes(d));
  const candidates: Candidate[] = [];
  for (const d of delimiters) candidates.push(candidateFor(text, d, given, complete));
  let chosen: Candidate | undefined;
  let delimiterHow: How = 'given';
  if (given.delimiter !== undefined) chosen = candidates[0];
  else {
    const split = candidates.filter((c) => c.columns >= 2);
    const best = Math.max(0, ...split.map((c) => c.consistent));
    const top = split.filter((c) => c.consistent === best);
    if (top.length > 1)
      return { ok: false, what: 'delimiter', candidates: top.map((c) => ({ char: c.delimiter, columns: c.columns })) };
    chosen = top[0];
    delimiterHow = 'detected';
  }
  if (chosen?.quoteTie !== undefined)
    return {
      ok: false,
      what: 'quote',
      candidates: chosen.quoteTie.map((q) => ({ char: q.quote, columns: q.columns })),
    };
  if (chosen === undefined) {
    // Nothing splits the sample (a one-column file): today's defaults.
    const quote = given.quote ?? '"';
    const header = given.header ?? true;
    return {
      ok: true,
      dialect: {
        delimiter: given.delimiter ?? ',',
        quote,
        header,
        how: {
          delimiter: given.delimiter !== undefined ? 'given' : 'default',
          quote: given.quote !== undefined ? 'given' : 'default',
          header: given.header !== undefined ? 'given' : 'assumed',
        },
      },
    };
  }
  const header = given.header !== undefined ? { header: given.header, how: 'given' as How } : detectHeader(chosen);
  return {
    ok: true,
    dialect: {
      delimiter: chosen.delimiter,
      quote: chosen.quote,
      header: header.header,
      how: { delimiter: delimiterHow, quote: chosen.quoteHow, header: header.how },
    },
  };
}

type Kind = 'number' | 'boolean' | 'date' | 'text';
const KIND_TESTS: [Kind, RegExp][] = [
  ['number', /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/],
  ['boolean', /^(true|false)$/i],
  ['date', /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[-+]\d{2}:?\d{2})?)?$/],
];

function kindOf(value: string): Kind {
  return KIND_TESTS.find(([, re]) => re.test(value))?.[0] ?? 'text';
}

/**
 * DuckDB's rule: the first row is a header when, in some column whose values below are all of one
 * type (number, boolean, date), its value is not of that type. When it fits every such column it
 * is data. With no such column (all text) nothing decides: assume a header.
 */
function detectHeader(c: Candidate): { header: boolean; how: How } {
  const [first, ...rest] = c.rows;
  const data = rest.filter((r) => r.length === c.columns);
  if (first === undefined || data.length === 0) return { header: true, how: 'assumed' };
  let fits = false;
  for (let j = 0; j < c.columns; j++) {
    const kinds = new Set(
      data
        .map((r) => r[j]!.trim())
        .filter((v) => v !== '')
        .map(kindOf),
    );
    if (kinds.size !== 1 || kinds.has('text')) continue;
    const value = (first[j] ?? '').trim();
    if (value === '') continue;
    if (!kinds.has(kindOf(value))) return { header: true, how: 'detected' };
    fits = true;
  }
  return fits ? { header: false, how: 'detected' } : { header: true, how: 'assumed' };
}
