/**
 * Seeded synthetic datasets. The same seed and size give the same bytes, so benchmark figures
 * and test expectations are reproducible; nothing generated is committed.
 *
 *   sales: 7 columns like an order export; ~1 in 20 notes is quoted with commas, doubled quotes
 *          and embedded newlines (LF or CRLF), and region names include multi-byte UTF-8.
 *   wide:  a numeric matrix, 20 columns.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** mulberry32: tiny, fast, good enough for test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const REGIONS = ['north', 'south', 'east', 'west', 'São Paulo', 'Zürich', '東京', 'centre'];
const PRODUCTS = [
  'widget',
  'gadget',
  'gizmo',
  'doohickey',
  'sprocket',
  'flange',
  'grommet',
  'bracket',
  'valve',
  'spring',
];
const NOTES = [
  '"fragile, handle with care"',
  '"customer said ""rush"" delivery"',
  '"line one\nline two"',
  '"gift, wrapped\r\nwith card"',
  '"returns: see ""policy"", p.2"',
];

export interface GenerateOptions {
  rows?: number;
  bytes?: number;
  seed?: number;
  /** Called with the bytes written so far, about every MiB. */
  onProgress?: (bytes: number) => void;
}

export function salesHeader(): string {
  return 'order_id,date,region,product,quantity,amount,note\n';
}

/** One sales row; `i` is the order id. */
export function salesRow(i: number, random: () => number): string {
  const day = 1 + Math.floor(random() * 28);
  const month = 1 + Math.floor(random() * 12);
  const region = REGIONS[Math.floor(random() * REGIONS.length)]!;
  const product = PRODUCTS[Math.floor(random() * PRODUCTS.length)]!;
  const quantity = 1 + Math.floor(random() * 20);
  const amount = (Math.floor(random() * 1_000_000) / 100).toFixed(2);
  const r = random();
  const note = r < 0.05 ? NOTES[Math.floor(random() * NOTES.length)]! : r < 0.1 ? '' : 'ok';
  return `${i},2024-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day},${region},${product},${quantity},${amount},${note}\n`;
}

export function wideHeader(): string {
  return Array.from({ length: 20 }, (_, c) => `c${c}`).join(',') + '\n';
}

export function wideRow(i: number, random: () => number): string {
  let line = String(i % 1000);
  for (let c = 1; c < 20; c++) line += ',' + (random() * 1000 - 500).toFixed(3);
  return line + '\n';
}

/** Writes `rows` rows (or until `bytes`) of a dataset to `path`; resolves with the counts. */
export async function generate(
  path: string,
  kind: 'sales' | 'wide',
  { rows = Infinity, bytes = Infinity, seed = 42, onProgress }: GenerateOptions,
): Promise<{ rows: number; bytes: number }> {
  const random = rng(seed);
  const row = kind === 'sales' ? salesRow : wideRow;
  const out = createWriteStream(path);
  let text = kind === 'sales' ? salesHeader() : wideHeader();
  // Count bytes, not UTF-16 units (region names are multi-byte), so the file never exceeds `bytes`.
  // Rows depend only on the seed and their index: a smaller `bytes` gives a prefix of a larger file.
  let written = Buffer.byteLength(text);
  let n = 0;
  while (n < rows) {
    const line = row(n + 1, random);
    const size = Buffer.byteLength(line);
    if (written + size > bytes) break;
    text += line;
    written += size;
    n++;
    if (text.length > 1 << 20) {
      if (!out.write(text)) await once(out, 'drain');
      text = '';
      onProgress?.(written);
    }
  }
  out.end(text);
  await once(out, 'finish');
  return { rows: n, bytes: written };
}
