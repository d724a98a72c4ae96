/** Column names from a header record, by the one policy every input kind follows. */
import { ChunkmillError, describeLocation, type ErrorLocation } from '../errors.js';

/**
 * The header's column names, by the one policy for every input: a name used twice is
 * ERR_CSV_HEADER (a column name must say which column it means); an empty name becomes its
 * 1-based position, as without a header, unless another column already has that name.
 * `where(i)` locates field i (its line and first byte) for the error.
 */
export function headerNames(
  fields: readonly string[],
  file: string,
  where: (index: number) => { line: number; byteOffset: number },
): string[] {
  const names: string[] = [];
  const firstIndex = new Map<string, number>();
  for (let i = 0; i < fields.length; i++) {
    const raw = fields[i]!;
    const name = raw === '' ? String(i + 1) : raw;
    const earlier = firstIndex.get(name);
    if (earlier !== undefined) {
      const at: ErrorLocation = { file, ...where(i), column: name, columnIndex: i + 1 };
      const what =
        raw === ''
          ? `Column ${i + 1} of the header has no name, and its number "${name}" (the name an unnamed column gets) is already the name of column ${earlier + 1}`
          : fields[earlier] === ''
            ? `Column ${earlier + 1} of the header has no name and is called "${name}" (its number), but column ${i + 1} is named "${name}" too`
            : `The header names two columns ${JSON.stringify(name)}: columns ${earlier + 1} and ${i + 1}`;
      throw new ChunkmillError({
        code: 'ERR_CSV_HEADER',
        ...at,
        message: what + describeLocation(at),
        hint: 'rename one of them, or read the file with csv: { header: false } and name columns by number ("1", "2", ...)',
      });
    }
    firstIndex.set(name, i);
    names.push(name);
  }
  return names;
}
