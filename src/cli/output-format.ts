/**
 * The result format an --output path names by its extension, for every command: `-o res.json`
 * is JSON whether convert, aggregate or stats writes it. A flag that names the format (--to,
 * --format) wins over the extension, as it always has for convert.
 */
import { extname } from 'node:path';

export type FileFormat = 'csv' | 'json' | 'ndjson';

const BY_EXTENSION: Record<string, FileFormat> = {
  '.csv': 'csv',
  '.json': 'json',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
};

/** The format `path`'s extension names (case-insensitive), or undefined. */
export function formatByExtension(path: string): FileFormat | undefined {
  return BY_EXTENSION[extname(path).toLowerCase()];
}
