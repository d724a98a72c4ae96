/**
 * The CRC-32 of a byte range of a file: what verify: 'content' compares between a worker's copy
 * and the coordinator's (schedule/content-check.ts). zlib's crc32 runs natively at several GB/s,
 * and a changed byte always changes it (a CRC detects every error of up to 32 bits): the point
 * is to catch another copy of a file, not an adversary, so a cryptographic hash would only cost.
 */
import { readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

/** 1 MiB: as the range reader's blocks (read-range.ts). */
const BLOCK = 1 << 20;

/** In a worker: the CRC-32 of [from, to) of `fd`, read in blocks into `buf`. */
export function rangeCrc(fd: number, from: number, to: number, buf: Buffer): number {
  let crc = 0;
  for (let at = from; at < to; ) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, to - at), at);
    if (n === 0) break;
    crc = crc32(buf.subarray(0, n), crc);
    at += n;
  }
  return crc;
}

/** On the coordinator: the same, with asynchronous reads (the event loop stays free between blocks). */
export async function rangeCrcAsync(file: FileHandle, from: number, to: number): Promise<number> {
  const buf = Buffer.allocUnsafe(Math.min(BLOCK, Math.max(1, to - from)));
  let crc = 0;
  for (let at = from; at < to; ) {
    const { bytesRead } = await file.read(buf, 0, Math.min(buf.length, to - at), at);
    if (bytesRead === 0) break;
    crc = crc32(buf.subarray(0, bytesRead), crc);
    at += bytesRead;
  }
  return crc;
}
