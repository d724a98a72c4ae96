/**
 * Seeded synthetic datasets. The same seed and size give the same bytes, so benchmark figures
 * and test expectations are reproducible; nothing generated is committed.
 *
 *   sales: 7 columns like an order export; ~1 in 20 notes is quoted with commas, doubled quotes
 *          and embedded newlines (LF or CRLF), and region names include multi-byte UTF-8.
 *   wide:  a numeric matrix, 20 columns.
 *   flights: 19 columns shaped like a year of US domestic flights (nycflights13's layout):
 *          integers, signed delays, 2-decimal fields, codes, dates; ~2.5% of flights cancelled
 *          (their times and delays empty), some tail numbers missing. No quoted fields.
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

export function flightsHeader(): string {
  return 'year,month,day,dep_time,sched_dep_time,dep_delay,arr_time,sched_arr_time,arr_delay,carrier,flight,tailnum,origin,dest,air_time,distance,hour,minute,time_hour\n';
}

const CARRIERS = ['UA', 'B6', 'EV', 'DL', 'AA', 'MQ', 'US', '9E', 'WN', 'VX', 'FL', 'AS', 'F9', 'YV', 'HA', 'OO'];
const AIRPORTS = Array.from({ length: 100 }, (_, k) => {
  const a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  return a[k % 26]! + a[Math.floor(k / 26) % 26]! + a[(k * 7 + 3) % 26]!;
});
const pad2 = (n: number) => (n < 10 ? '0' : '') + n;
/** hhmm as flight data writes it (no leading zeros): 517 for 05:17. */
const clock = (minutes: number) => {
  const m = ((minutes % 1440) + 1440) % 1440;
  return Math.floor(m / 60) * 100 + (m % 60);
};

/** One flights row (it depends only on the random stream, not on its index). */
export function flightsRow(_i: number, random: () => number): string {
  const month = 1 + Math.floor(random() * 12);
  const day = 1 + Math.floor(random() * 28);
  const sched = 300 + Math.floor(random() * 1139); // minutes after midnight, 05:00 to 23:58
  const duration = 40 + Math.floor(random() * 500);
  const carrier = CARRIERS[Math.floor(random() * CARRIERS.length)]!;
  const flight = 1 + Math.floor(random() * 8500);
  const tailnum = random() < 0.01 ? '' : `N${100 + Math.floor(random() * 900)}${carrier}`;
  const origin = AIRPORTS[Math.floor(random() * 3)]!; // three origin airports, as in nycflights13
  const dest = AIRPORTS[3 + Math.floor(random() * (AIRPORTS.length - 3))]!;
  const distance = 80 + Math.floor(duration * 7.5);
  const cancelled = random() < 0.025;
  const delay = Math.floor(-15 + random() ** 3 * 300);
  const arrDelay = delay + Math.floor(random() * 40 - 20);
  const airTime = (duration * (0.8 + random() * 0.1)).toFixed(2);
  const hour = Math.floor(sched / 60);
  const stamp = `2013-${pad2(month)}-${pad2(day)} ${pad2(hour % 24)}:00:00`;
  const [dep, depDelay, arr, arrD, air] = cancelled
    ? ['', '', '', '', '']
    : [clock(sched + delay), delay, clock(sched + duration + arrDelay), arrDelay, airTime];
  return `2013,${month},${day},${dep},${clock(sched)},${depDelay},${arr},${clock(sched + duration)},${arrD},${carrier},${flight},${tailnum},${origin},${dest},${air},${distance},${hour},${sched % 60},${stamp}\n`;
}

const KINDS = {
  sales: { header: salesHeader, row: salesRow },
  wide: { header: wideHeader, row: wideRow },
  flights: { header: flightsHeader, row: flightsRow },
};

/** Writes `rows` rows (or until `bytes`) of a dataset to `path`; resolves with the counts. */
export async function generate(
  path: string,
  kind: keyof typeof KINDS,
  { rows = Infinity, bytes = Infinity, seed = 42, onProgress }: GenerateOptions,
): Promise<{ rows: number; bytes: number }> {
  const random = rng(seed);
  const { row, header } = KINDS[kind];
  const out = createWriteStream(path);
  let text = header();
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
