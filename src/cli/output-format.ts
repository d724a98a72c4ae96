/**
 * The result format an --output path names by its extension, for every command: `-o res.json`
 * is JSON whether convert, aggregate or stats writes it. A flag that names the format (--to,
 * --format) wins over the extension, as it always has for convert.
 */
import { extname } from 'node:path';

export type FileFormat = 'csv' | 'json' | 'ndjson';
/** convert's formats: also TSV and Parquet (the result tables of aggregate and stats are not written as those). */
export type ConvertFormat = FileFormat | 'tsv' | 'parquet';

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

const CONVERT_EXTENSIONS: Record<string, ConvertFormat> = { ...BY_EXTENSION, '.tsv': 'tsv', '.parquet': 'parquet' };

/** The convert format `path`'s extension names (case-insensitive), or undefined. */
export function convertFormatByExtension(path: string): ConvertFormat | undefined {
  return CONVERT_EXTENSIONS[extname(path).toLowerCase()];
}
