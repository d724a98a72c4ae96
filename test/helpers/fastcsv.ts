/** @fast-csv/parse, the independent reference parser (docs/architecture.md, Dependencies), as records. */
import { parseString } from '@fast-csv/parse';

/**
 * Every record of `text` as an array of field strings. Blank lines (which fast-csv returns as
 * empty rows) are dropped: in CSV they are no records.
 */
export function fastCsvRecords(text: string, delimiter = ','): Promise<string[][]> {
  return new Promise((resolve, reject) => {
    const rows: string[][] = [];
    parseString<string[], string[]>(text, { delimiter, headers: false })
      .on('error', reject)
      .on('data', (row: string[]) => {
        if (row.length > 0) rows.push(row);
      })
      .on('end', () => resolve(rows));
  });
}
