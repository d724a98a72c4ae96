/**
 * Reading objects from a real S3-compatible server (s3rver on loopback): the identity, byte
 * ranges, the read-ahead reader and the whole-object stream each give exactly the bytes of the
 * local file, for many ranges; globs expand across listing pages, sorted by key.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ChunkmillError } from '../../src/errors.ts';
import { listObjects, listPrefix } from '../../src/remote/object-list.ts';
import { readObjectRange } from '../../src/remote/object-range.ts';
import { ObjectReader } from '../../src/remote/object-reader.ts';
import { statObject } from '../../src/remote/object-stat.ts';
import { openObjectStream } from '../../src/remote/object-stream.ts';
import { startHttpObjects, type HttpObjects } from '../helpers/http-objects.ts';
import { startS3, type TestS3 } from '../helpers/s3.ts';
import { tempDir } from '../helpers/tmp.ts';

let s3: TestS3;
/** 1 MiB + 123 bytes: pieces of 64 KiB end nowhere near the object's end. */
const data = randomBytes((1 << 20) + 123);
const URL = 's3://data/dir/one object.bin';

beforeAll(async () => {
  s3 = await startS3();
  await s3.createBucket('data');
  await s3.putObject('data', 'dir/one object.bin', data);
  await s3.putObject('data', 'empty.csv', '');
});
afterAll(() => s3?.stop());

/** Deterministic ranges: edges, pieces' edges, and random ones. */
function ranges(size: number, count: number): [number, number][] {
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const out: [number, number][] = [
    [0, 1],
    [0, size],
    [size - 1, size],
    [65535, 65537],
    [1 << 20, size],
  ];
  while (out.length < count) {
    const a = rand(size);
    out.push([a, a + 1 + rand(size - a)]);
  }
  return out;
}

describe('s3 objects on s3rver', () => {
  test('statObject: size, ETag, ranges', async () => {
    const info = await statObject(URL, s3.settings);
    expect(info).toMatchObject({ url: URL, size: data.length, ranges: true });
    expect(info.etag).toMatch(/^"[0-9a-f]+"$/);
    expect(JSON.parse(JSON.stringify(info))).toEqual(info); // plain JSON: it travels through Redis
    expect(await statObject('s3://data/empty.csv', s3.settings)).toMatchObject({ size: 0, ranges: true });
  });

  test('readObjectRange gives the bytes of the file for many ranges', async () => {
    const info = await statObject(URL, s3.settings);
    for (const [a, b] of ranges(data.length, 40)) {
      const got = await readObjectRange(info, a, b, s3.settings);
      expect(got.equals(data.subarray(a, b)), `[${a}, ${b})`).toBe(true);
    }
    // past the end: up to the end; empty: no request
    expect((await readObjectRange(info, data.length - 5, data.length + 100, s3.settings)).length).toBe(5);
    expect((await readObjectRange(info, 10, 10, s3.settings)).length).toBe(0);
  });

  test('ObjectReader reads [from, to) and past it, in odd-sized reads, for many ranges', async () => {
    const info = await statObject(URL, s3.settings);
    for (const [from, to] of ranges(data.length, 25)) {
      const reader = new ObjectReader(info, from, to, { pieceSize: 64 << 10, inFlight: 3, settings: s3.settings });
      // read the range and up to 70 KiB past it, as a parser finishing its last record does
      const want = data.subarray(from, Math.min(data.length, to + (70 << 10)));
      const got = Buffer.alloc(want.length);
      let pos = from;
      let step = 1;
      while (pos - from < want.length) {
        const n = await reader.read(got, pos - from, Math.min(step, want.length - (pos - from)), pos);
        expect(n).toBeGreaterThan(0);
        pos += n;
        step = (step * 7 + 13) % 100_000;
      }
      reader.close();
      expect(got.equals(want), `[${from}, ${to})`).toBe(true);
    }
  });

  test('ObjectReader answers 0 at the end of the object, and serves a position it skipped to', async () => {
    const info = await statObject(URL, s3.settings);
    const reader = new ObjectReader(info, 0, data.length, { pieceSize: 100_000, settings: s3.settings });
    const buf = Buffer.alloc(10);
    expect(await reader.read(buf, 0, 10, data.length)).toBe(0);
    expect(await reader.read(buf, 0, 10, 500_000)).toBe(10);
    expect(buf.equals(data.subarray(500_000, 500_010))).toBe(true);
    expect(await reader.read(buf, 0, 10, 5)).toBe(10); // backwards: starts over
    expect(buf.equals(data.subarray(5, 15))).toBe(true);
    reader.close();
    await expect(reader.read(buf, 0, 10, 15)).rejects.toThrow(/after close/);
  });

  test('an object stored with a Content-Encoding is refused, not decoded into other bytes', async () => {
    await s3.putObject('data', 'encoded.csv', 'not really gzip', { 'content-encoding': 'gzip' });
    await expect(statObject('s3://data/encoded.csv', s3.settings)).rejects.toMatchObject({
      code: 'ERR_RANGE_UNSUPPORTED',
      message: expect.stringContaining('Content-Encoding: gzip'),
    });
  });

  test('openObjectStream gives the whole object', async () => {
    const info = await statObject(URL, s3.settings);
    for (const source of [info, URL]) {
      const parts: Buffer[] = [];
      for await (const part of await openObjectStream(source, s3.settings)) parts.push(part as Buffer);
      expect(Buffer.concat(parts).equals(data)).toBe(true);
    }
  });
});

describe('listing', () => {
  beforeAll(async () => {
    await s3.createBucket('logs');
    const keys = [
      '2026-01-02.csv.gz',
      '2026-01-01.csv.gz',
      '2026-01-10.csv.gz',
      '2026-02-01.csv',
      'other/2026-x.csv.gz',
    ];
    for (let i = 0; i < 12; i++) keys.push(`2025-${String(i).padStart(2, '0')}.csv.gz`);
    for (const k of keys) await s3.putObject('logs', `exports/${k}`, `key ${k}\n`);
  });

  test('a glob expands across pages (2 keys a page), sorted by key, with identities', async () => {
    const found = await listObjects('s3://logs/exports/2026-*.csv.gz', s3.settings, { pageSize: 2 });
    expect(found.map((o) => o.url)).toEqual([
      's3://logs/exports/2026-01-01.csv.gz',
      's3://logs/exports/2026-01-02.csv.gz',
      's3://logs/exports/2026-01-10.csv.gz',
    ]);
    expect(found[0]).toMatchObject({ size: 'key 2026-01-01.csv.gz\n'.length, ranges: true });
    // the listing's ETag is the one a read checks against
    expect(found[0]!.etag).toBe((await statObject(found[0]!.url, s3.settings)).etag);
    const all = await listObjects('s3://logs/exports/*.csv.gz', s3.settings, { pageSize: 5 });
    expect(all.length).toBe(15); // * stays within a segment: not other/
    expect(await listObjects('s3://logs/exports/**/*.csv.gz', s3.settings, { pageSize: 3 })).toHaveLength(16);
  });

  test('a pattern without wildcards names one key; a prefix lists everything under it', async () => {
    expect(await listObjects('s3://logs/exports/2026-02-01.csv', s3.settings)).toHaveLength(1);
    expect(await listPrefix('s3://logs/exports/other/', s3.settings)).toHaveLength(1);
    expect(await listPrefix('s3://logs/nothing/', s3.settings)).toEqual([]);
  });

  test('a pattern matching nothing is ERR_OBJECT_NOT_FOUND naming it', async () => {
    const e = await listObjects('s3://logs/exports/1999-*.csv', s3.settings).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ChunkmillError);
    expect(e).toMatchObject({ code: 'ERR_OBJECT_NOT_FOUND', file: 's3://logs/exports/1999-*.csv' });
    expect((e as Error).message).toContain('s3://logs/exports/1999-*.csv');
  });
});

describe('signatures (checked by the test server as S3 does; s3rver checks none)', () => {
  const { dir } = tempDir('chunkmill-sig-');
  const keys = ['plain.csv', 'with space+plus (1)!.csv', "odd/ü é,;=&$@'*~.csv", 'deep/a/b/c%41.csv'];
  let server: HttpObjects;
  beforeAll(async () => {
    for (const k of keys) {
      mkdirSync(dirname(join(dir, 'bkt', k)), { recursive: true });
      writeFileSync(join(dir, 'bkt', k), `key ${k}\n`);
    }
    server = await startHttpObjects(dir, { s3Credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'sig-secret' } });
  });
  afterAll(() => server?.stop());

  test('keys with spaces, +, unicode and reserved characters sign right, with Range and If-Match', async () => {
    const settings = {
      endpoint: server.base,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'sig-secret', sessionToken: 'tok/en+=' },
      retry: { tries: 1 },
    };
    for (const k of keys) {
      const info = await statObject(`s3://bkt/${k}`, settings);
      expect((await readObjectRange(info, 0, info.size, settings)).toString(), k).toBe(`key ${k}\n`);
    }
    // a listing: its query (a prefix with odd characters, continuation tokens in base64) is signed too
    const listed = await listObjects('s3://bkt/**/*.csv', settings, { pageSize: 1 });
    expect(listed.map((o) => o.url)).toEqual(keys.map((k) => `s3://bkt/${k}`).sort());
    expect(await listObjects("s3://bkt/odd/ü é,;=&$@'*", settings, { pageSize: 1 })).toHaveLength(1);
    const wrong = { ...settings, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'not-it' } };
    await expect(statObject('s3://bkt/plain.csv', wrong)).rejects.toMatchObject({
      code: 'ERR_OBJECT_AUTH',
      message: expect.stringContaining('SignatureDoesNotMatch'),
    });
  });
});
