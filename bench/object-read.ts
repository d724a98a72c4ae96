/**
 * How fast a worker reads an object from an S3-compatible server on loopback (s3rver, in its own
 * process) with ObjectReader, against readSync of the same bytes from a local file: the figures
 * behind ObjectReader's piece size and read-ahead (src/remote/object-reader.ts).
 *
 * Both are read as the range reader reads (src/input/read-range.ts): 1 MiB at a time, in order.
 * Runs alternate (local, then each reader setting, repeated) and the median is shown, so a busy
 * machine's noise falls on all of them alike. The object is written with createObjectUpload
 * (a multipart upload), whose rate is shown too.
 *
 *   npx tsx bench/object-read.ts [--mb 200] [--runs 3] [--settings 1x3,4x1,4x2,4x3,4x4,8x3,16x3]
 */
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { ObjectReader } from '../src/remote/object-reader.ts';
import { statObject } from '../src/remote/object-stat.ts';
import { createObjectUpload } from '../src/remote/object-upload.ts';
import { startS3 } from '../test/helpers/s3.ts';
import { median } from './util.ts';

const { values } = parseArgs({
  options: {
    mb: { type: 'string', default: '200' },
    runs: { type: 'string', default: '3' },
    /** Reader settings to compare, as MiB x inFlight: "4x3,8x3". */
    settings: { type: 'string', default: '1x3,4x1,4x2,4x3,4x4,8x3,16x3' },
  },
});
const size = Number(values.mb) * 1e6;
const runs = Number(values.runs);
const BLOCK = 1 << 20;
const MiB = 1 << 20;
const SETTINGS = values.settings.split(',').map((pair) => {
  const [mib, inFlight] = pair.split('x').map(Number);
  return [mib! * MiB, inFlight!] as const;
});

const dir = mkdtempSync(join(tmpdir(), 'chunkmill-bench-object-'));
const path = join(dir, 'data.bin');
// CSV-like bytes: content does not matter to a byte reader, but incompressible is honest.
const data = randomBytes(size);
writeFileSync(path, data);
const s3 = await startS3();
try {
  await s3.createBucket('bench');
  const url = 's3://bench/data.bin';
  const t = performance.now();
  await pipeline(
    Readable.from(
      (function* () {
        for (let at = 0; at < size; at += MiB) yield data.subarray(at, at + MiB);
      })(),
    ),
    createObjectUpload(url, s3.settings),
  );
  const uploadMs = performance.now() - t;
  const info = await statObject(url, s3.settings);
  if (info.size !== size) throw new Error(`uploaded ${info.size} bytes, not ${size}`);

  const buf = Buffer.allocUnsafe(BLOCK);
  const local = (): number => {
    const start = performance.now();
    const fd = openSync(path, 'r');
    for (let at = 0; at < size; ) at += readSync(fd, buf, 0, Math.min(BLOCK, size - at), at);
    closeSync(fd);
    return performance.now() - start;
  };
  /** CPU seconds this process (the reader's side, not s3rver's) spent per setting. */
  const cpu = new Map<string, number[]>();
  const remote = async (pieceSize: number, inFlight: number): Promise<number> => {
    const used = process.cpuUsage();
    const start = performance.now();
    const reader = new ObjectReader(info, 0, size, { pieceSize, inFlight, settings: s3.settings });
    for (let at = 0; at < size; ) {
      const n = await reader.read(buf, 0, Math.min(BLOCK, size - at), at);
      if (n === 0) throw new Error(`short read at ${at}`);
      at += n;
    }
    reader.close();
    const { user, system } = process.cpuUsage(used);
    const name = `ObjectReader ${pieceSize / MiB} MiB x ${inFlight}`;
    cpu.set(name, [...(cpu.get(name) ?? []), (user + system) / 1e6]);
    return performance.now() - start;
  };

  const times = new Map<string, number[]>();
  const note = (name: string, ms: number) => times.set(name, [...(times.get(name) ?? []), ms]);
  await remote(4 * MiB, 3); // warm: the connection pool, s3rver's first read of its file
  for (let r = 0; r < runs; r++) {
    note('local readSync', local());
    for (const [p, f] of SETTINGS) note(`ObjectReader ${p / MiB} MiB x ${f}`, await remote(p, f));
  }

  const mbps = (ms: number) => size / 1e6 / (ms / 1000);
  const base = median(times.get('local readSync')!);
  console.log(`${(size / 1e6).toFixed(0)} MB, ${runs} runs, median; CPU: ${cpus()[0]?.model} x ${cpus().length}`);
  console.log(`upload (multipart, 8 MiB parts x 2): ${mbps(uploadMs).toFixed(0)} MB/s`);
  for (const [name, ms] of times) {
    const m = median(ms);
    console.log(
      `${name.padEnd(26)} ${mbps(m).toFixed(0).padStart(6)} MB/s  ${(m / 1000).toFixed(2)} s  ${(m / base).toFixed(1)}x local` +
        (cpu.has(name) ? `  reader CPU ${median(cpu.get(name)!).toFixed(2)} s` : ''),
    );
  }
} finally {
  await s3.stop();
  rmSync(dir, { recursive: true, force: true });
}
