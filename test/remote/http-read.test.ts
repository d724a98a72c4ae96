/**
 * HTTP objects from a real server (Node's http on loopback): one with Range support reads like
 * S3; one that ignores Range is seen as such by statObject, refused by every ranged read
 * (ERR_RANGE_UNSUPPORTED, never its 200 taken as the range), and read whole as a stream.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readObjectRange } from '../../src/remote/object-range.ts';
import { ObjectReader, readObjectInto } from '../../src/remote/object-reader.ts';
import { statObject } from '../../src/remote/object-stat.ts';
import { openObjectStream } from '../../src/remote/object-stream.ts';
import { startHttpObjects, type HttpObjects } from '../helpers/http-objects.ts';
import { tempDir } from '../helpers/tmp.ts';

const { dir } = tempDir('chunkmill-http-');
const data = randomBytes(300_001);
let ranged: HttpObjects;
let plain: HttpObjects;

beforeAll(async () => {
  writeFileSync(join(dir, 'data.bin'), data);
  writeFileSync(join(dir, 'one.bin'), 'x');
  ranged = await startHttpObjects(dir);
  plain = await startHttpObjects(dir, { ranges: false });
});
afterAll(async () => {
  await ranged?.stop();
  await plain?.stop();
});

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

describe('a server with Range support', () => {
  test('statObject sees the size, the ETag and that ranges work', async () => {
    const info = await statObject(ranged.url('data.bin'));
    expect(info).toMatchObject({ size: data.length, ranges: true });
    expect(info.etag).not.toBe(null);
    expect(info.lastModified).not.toBe(null);
    expect(await statObject(ranged.url('one.bin'))).toMatchObject({ size: 1, ranges: true });
  });

  test('ranges and the reader give the bytes of the file', async () => {
    const info = await statObject(ranged.url('data.bin'));
    for (const [a, b] of [
      [0, 1],
      [0, data.length],
      [1, 2],
      [12345, 200_000],
      [data.length - 1, data.length],
    ] as const) {
      expect((await readObjectRange(info, a, b)).equals(data.subarray(a, b))).toBe(true);
    }
    const reader = new ObjectReader(info, 1000, 250_000, { pieceSize: 32 << 10, inFlight: 2 });
    const got = Buffer.alloc(data.length - 1000);
    for (let pos = 1000; pos < data.length; ) pos += await reader.read(got, pos - 1000, 9999, pos);
    reader.close();
    expect(got.equals(data.subarray(1000))).toBe(true);
  });

  test('the reader keeps at most inFlight requests ahead', async () => {
    const info = await statObject(ranged.url('data.bin'));
    const reader = new ObjectReader(info, 0, data.length, { pieceSize: 10_000, inFlight: 3 });
    const before = ranged.log.length;
    const buf = Buffer.alloc(10);
    await reader.read(buf, 0, 10, 0);
    // the first piece and two ahead; nothing more until the reader moves on
    await new Promise((r) => setTimeout(r, 100));
    expect(ranged.log.length - before).toBe(3);
    reader.close();
  });
});

describe('a range read into a given buffer (readObjectInto)', () => {
  test('writes each piece at its place, in pieces of pieceSize, at most inFlight at once', async () => {
    const info = await statObject(ranged.url('data.bin'));
    const target = Buffer.alloc(250_000 - 1000 + 7, 0xee);
    const before = ranged.log.length;
    expect(await readObjectInto(info, 1000, 250_000, target, { pieceSize: 32 << 10, inFlight: 3 })).toBe(249_000);
    expect(target.subarray(0, 249_000).equals(data.subarray(1000, 250_000))).toBe(true);
    expect(target.subarray(249_000).every((b) => b === 0xee)).toBe(true); // nothing past the range
    expect(ranged.log.length - before).toBe(Math.ceil(249_000 / (32 << 10)));
    // A range a byte over n pieces is n pieces of about equal size, not n and a byte.
    const last = ranged.log.length;
    await readObjectInto(info, 0, 2 * 50_000 + 1, target, { pieceSize: 50_000 });
    expect(ranged.log.slice(last)).toEqual(['GET /data.bin 0-50000', 'GET /data.bin 50001-100000']);
  });

  test('past the end of the object it reads what there is and says how much', async () => {
    const info = await statObject(ranged.url('data.bin'));
    const target = Buffer.alloc(5000);
    expect(await readObjectInto(info, data.length - 100, data.length + 4900, target)).toBe(100);
    expect(target.subarray(0, 100).equals(data.subarray(data.length - 100))).toBe(true);
  });

  test('a body cut off midway is read again into the same place', async () => {
    const info = await statObject(ranged.url('data.bin'));
    const target = Buffer.alloc(data.length);
    ranged.cutBody(2);
    expect(await readObjectInto(info, 0, data.length, target, { pieceSize: 100_000, inFlight: 2 })).toBe(data.length);
    expect(target.equals(data)).toBe(true);
  });
});

describe('redirects and streams', () => {
  test('a redirect is followed, for the identity and for ranges', async () => {
    ranged.redirect('/moved.bin', '/data.bin');
    const info = await statObject(ranged.url('moved.bin'));
    expect(info).toMatchObject({ url: ranged.url('moved.bin'), size: data.length, ranges: true });
    expect((await readObjectRange(info, 5, 50)).equals(data.subarray(5, 50))).toBe(true);
  });

  test('a redirect to another origin is refused, never followed (no SSRF through a redirect)', async () => {
    ranged.redirect('/away.bin', plain.url('data.bin'));
    const before = plain.log.length;
    const e = await statObject(ranged.url('away.bin')).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'ERR_OBJECT_FORBIDDEN', file: ranged.url('away.bin') });
    expect((e as Error).message).toContain('redirects to another host');
    expect(plain.log.length).toBe(before); // the other server was never asked
  });

  test('a stream whose connection breaks midway fails with ERR_OBJECT_UNAVAILABLE naming the URL', async () => {
    const info = await statObject(ranged.url('data.bin'));
    ranged.cutBody(1);
    const e = await readAll(await openObjectStream(info)).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'ERR_OBJECT_UNAVAILABLE', file: ranged.url('data.bin') });
    expect((e as Error).message).toMatch(/broke off after \d+ bytes/);
  });
});

describe('a server that ignores Range', () => {
  test('statObject says ranges: false', async () => {
    expect(await statObject(plain.url('data.bin'))).toMatchObject({ size: data.length, ranges: false });
  });

  test('a ranged read is ERR_RANGE_UNSUPPORTED, not the whole object taken as the range', async () => {
    const info = await statObject(ranged.url('data.bin')); // planned against the ranged server...
    const lying = { ...info, url: plain.url('data.bin') }; // ...read from one that ignores Range
    await expect(readObjectRange(lying, 10, 20)).rejects.toMatchObject({
      code: 'ERR_RANGE_UNSUPPORTED',
      file: plain.url('data.bin'),
    });
    const plainInfo = await statObject(plain.url('data.bin'));
    expect(() => new ObjectReader(plainInfo, 0, 10)).toThrow(
      expect.objectContaining({ code: 'ERR_RANGE_UNSUPPORTED' }),
    );
  });

  test('the whole object reads as a stream', async () => {
    const info = await statObject(plain.url('data.bin'));
    expect((await readAll(await openObjectStream(info))).equals(data)).toBe(true);
  });
});
