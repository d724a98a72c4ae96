/**
 * Each fault of an object read is a coded error naming the URL, never a secret, within seconds:
 * against s3rver (missing key and bucket, bad key id, a changed object) and against
 * a real HTTP server with fault modes (403, 401, 503 SlowDown storms, connection resets, bodies
 * cut off, a server that never answers, a file changed under a reader; as an S3 endpoint, the
 * AccessDenied and SignatureDoesNotMatch that s3rver never sends), and with nothing
 * listening, no such host, or TLS spoken to a plain HTTP port.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ChunkmillError } from '../../src/errors.ts';
import { readObjectRange } from '../../src/remote/object-range.ts';
import { ObjectReader } from '../../src/remote/object-reader.ts';
import { statObject } from '../../src/remote/object-stat.ts';
import { openObjectStream } from '../../src/remote/object-stream.ts';
import type { RemoteSettings } from '../../src/remote/request.ts';
import { startHttpObjects, type HttpObjects } from '../helpers/http-objects.ts';
import { startS3, type TestS3 } from '../helpers/s3.ts';
import { tempDir } from '../helpers/tmp.ts';

const SECRET = 'TOPSECRET-9f3b2c71e5';
const { dir } = tempDir('chunkmill-faults-');
let s3: TestS3;
let http: HttpObjects;
/** Fast retries: the bound is an option, so a storm of 503s takes milliseconds here. */
const fast: RemoteSettings = { retry: { tries: 4, baseDelayMs: 5, maxDelayMs: 20 }, timeoutMs: 2000 };

beforeAll(async () => {
  s3 = await startS3();
  await s3.createBucket('data');
  await s3.putObject('data', 'a.csv', 'a,b\n1,2\n');
  writeFileSync(join(dir, 'a.csv'), 'a,b\n1,2\n');
  writeFileSync(join(dir, 'big.bin'), randomBytes(200_000));
  http = await startHttpObjects(dir);
});
afterAll(async () => {
  await s3?.stop();
  await http?.stop();
});

/** The coded error a call fails with, checked to name `shown` and to hold no secret. */
async function failure(call: Promise<unknown>, shown: string): Promise<ChunkmillError> {
  const started = Date.now();
  const e = await call.then(
    () => {
      throw new Error('expected a failure');
    },
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ChunkmillError);
  const err = e as ChunkmillError;
  expect(err.file).toBe(shown);
  expect(err.message).toContain(shown);
  const everything = JSON.stringify(err.toData()) + String(err.stack);
  expect(everything).not.toContain(SECRET);
  expect(Date.now() - started).toBeLessThan(5000);
  return err;
}

describe('s3rver', () => {
  test('a missing key, a missing bucket: ERR_OBJECT_NOT_FOUND', async () => {
    const e = await failure(statObject('s3://data/nope.csv', s3.settings), 's3://data/nope.csv');
    expect(e.code).toBe('ERR_OBJECT_NOT_FOUND');
    expect(e.message).toContain('NoSuchKey');
    const b = await failure(statObject('s3://nobucket/a.csv', s3.settings), 's3://nobucket/a.csv');
    expect(b).toMatchObject({ code: 'ERR_OBJECT_NOT_FOUND', hint: 'check the bucket name' });
  });

  test('an unknown key id (InvalidAccessKeyId): ERR_OBJECT_AUTH, the secret never shown', async () => {
    const badId = { ...s3.settings, credentials: { accessKeyId: 'NOSUCHKEY', secretAccessKey: SECRET } };
    const e = await failure(statObject('s3://data/a.csv', badId), 's3://data/a.csv');
    expect(e.code).toBe('ERR_OBJECT_AUTH');
    expect(e.message).toContain('InvalidAccessKeyId');
  });

  test('a wrong secret (SignatureDoesNotMatch): ERR_OBJECT_AUTH, the secret never shown', async () => {
    // s3rver does not check SigV4 signatures at all: the same answer from the HTTP server as an
    // S3 endpoint, signed with the test secret.
    http.status('/data/signed.csv', 403, 'SignatureDoesNotMatch');
    const badSecret = {
      ...s3.settings,
      endpoint: http.base,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: SECRET },
      ...fast,
    };
    const f = await failure(statObject('s3://data/signed.csv', badSecret), 's3://data/signed.csv');
    expect(f.code).toBe('ERR_OBJECT_AUTH');
    expect(f.message).toContain('SignatureDoesNotMatch');
  });

  test('an object replaced after planning: ERR_FILE_CHANGED for a range, the reader and a stream', async () => {
    await s3.putObject('data', 'moving.csv', 'a,b\n1,2\n3,4\n');
    const info = await statObject('s3://data/moving.csv', s3.settings);
    expect((await readObjectRange(info, 0, 4, s3.settings)).toString()).toBe('a,b\n');
    await s3.putObject('data', 'moving.csv', 'a,b\n5,6\n7,8\n'); // same size, new ETag
    const e = await failure(readObjectRange(info, 0, 4, s3.settings), 's3://data/moving.csv');
    expect(e.code).toBe('ERR_FILE_CHANGED');
    const reader = new ObjectReader(info, 0, info.size, { settings: s3.settings });
    await expect(reader.read(Buffer.alloc(4), 0, 4, 0)).rejects.toMatchObject({ code: 'ERR_FILE_CHANGED' });
    reader.close();
    await expect(openObjectStream(info, s3.settings)).rejects.toMatchObject({ code: 'ERR_FILE_CHANGED' });
    await s3.putObject('data', 'moving.csv', 'a,b\n');
    await expect(readObjectRange(info, 0, 4, s3.settings)).rejects.toMatchObject({ code: 'ERR_FILE_CHANGED' });
  });
});

describe('HTTP faults', () => {
  test('403 and an S3 AccessDenied: ERR_OBJECT_FORBIDDEN; 401: ERR_OBJECT_AUTH', async () => {
    http.status('/secret.csv', 403);
    const e = await failure(statObject(http.url('secret.csv'), fast), http.url('secret.csv'));
    expect(e.code).toBe('ERR_OBJECT_FORBIDDEN');
    // the same server as an S3 endpoint (path style: /bucket/key), answering as S3 does
    http.status('/locked/a.csv', 403, 'AccessDenied');
    const asS3 = { ...s3.settings, endpoint: http.base, ...fast };
    const f = await failure(statObject('s3://locked/a.csv', asS3), 's3://locked/a.csv');
    expect(f.code).toBe('ERR_OBJECT_FORBIDDEN');
    expect(f.message).toContain('AccessDenied');
    http.status('/login.csv', 401);
    expect((await failure(statObject(http.url('login.csv'), fast), http.url('login.csv'))).code).toBe(
      'ERR_OBJECT_AUTH',
    );
  });

  test('a few 503 SlowDown answers are retried; a storm is ERR_OBJECT_UNAVAILABLE naming the last', async () => {
    http.slowDown(3);
    expect((await statObject(http.url('a.csv'), fast)).size).toBe(8);
    http.slowDown(100);
    const before = http.log.length;
    const e = await failure(statObject(http.url('a.csv'), fast), http.url('a.csv'));
    expect(e.code).toBe('ERR_OBJECT_UNAVAILABLE');
    expect(e.message).toContain('4 tries');
    expect(e.message).toContain('503 SlowDown');
    expect(http.log.length - before).toBe(4); // the bound: 4 tries, no more
    http.slowDown(0);
    // the same through the S3 path
    http.slowDown(2);
    const asS3 = { ...s3.settings, endpoint: http.base, ...fast };
    expect(await statObject('s3://bucket/a.csv', asS3).catch((x: ChunkmillError) => x.code)).toBe(
      'ERR_OBJECT_NOT_FOUND', // retried past the 503s to the real answer: no such file
    );
  });

  test('connection resets and bodies cut off are retried; the bytes are right', async () => {
    const info = await statObject(http.url('big.bin'), fast);
    const whole = await readObjectRange(info, 0, info.size, fast);
    http.reset(2);
    expect((await readObjectRange(info, 100, 150_000, fast)).equals(whole.subarray(100, 150_000))).toBe(true);
    http.cutBody(2);
    expect((await readObjectRange(info, 100, 150_000, fast)).equals(whole.subarray(100, 150_000))).toBe(true);
    http.reset(100);
    const e = await failure(readObjectRange(info, 0, 10, fast), http.url('big.bin'));
    expect(e).toMatchObject({ code: 'ERR_OBJECT_UNAVAILABLE' });
    expect(e.message).toContain('connection reset');
    http.reset(0);
  });

  test('a file changed under the server: If-Match fails (412), ERR_FILE_CHANGED', async () => {
    writeFileSync(join(dir, 'moving.csv'), 'a\n1\n');
    const info = await statObject(http.url('moving.csv'), fast);
    writeFileSync(join(dir, 'moving.csv'), 'a\n1\n2\n');
    const e = await failure(readObjectRange(info, 0, 2, fast), http.url('moving.csv'));
    expect(e.code).toBe('ERR_FILE_CHANGED');
  });

  test('secrets in the URL (user:password, a presigned query) never reach a message', async () => {
    const base = new URL(http.base);
    const url = `http://user:${SECRET}@${base.host}/missing.csv?X-Amz-Signature=${SECRET}`;
    const e = await failure(statObject(url, fast), `http://${base.host}/missing.csv?…`);
    expect(e.code).toBe('ERR_OBJECT_NOT_FOUND');
  });
});

describe('the network', () => {
  let silent: Server;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    silent = createServer((s) => {
      s.resume(); // reads what comes (and sees the end), never answers
      sockets.push(s);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  });
  afterAll(() => {
    for (const s of sockets) s.destroy();
    silent?.close();
  });

  test('nothing listening, no such host, TLS to a plain port: ERR_OBJECT_UNREACHABLE saying which', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const refused = await failure(statObject(`http://127.0.0.1:${port}/a.csv`, fast), `http://127.0.0.1:${port}/a.csv`);
    expect(refused.code).toBe('ERR_OBJECT_UNREACHABLE');
    expect(refused.message).toContain('connection refused');
    const dns = await failure(
      statObject('http://no-such-host.invalid/a.csv', fast),
      'http://no-such-host.invalid/a.csv',
    );
    expect(dns.code).toBe('ERR_OBJECT_UNREACHABLE');
    expect(dns.message).toContain('DNS');
    const tls = `https://${new URL(http.base).host}/a.csv`;
    const t = await failure(statObject(tls, fast), tls);
    expect(t.code).toBe('ERR_OBJECT_UNREACHABLE');
    expect(t.message).toContain('TLS');
    const s3Down = { ...s3.settings, endpoint: `http://127.0.0.1:${port}`, ...fast };
    expect((await failure(statObject('s3://data/a.csv', s3Down), 's3://data/a.csv')).code).toBe(
      'ERR_OBJECT_UNREACHABLE',
    );
  });

  test('ObjectReader.close() aborts the requests in flight at once', async () => {
    const port = (silent.address() as { port: number }).port;
    const info = { url: `http://127.0.0.1:${port}/a.csv`, size: 100, etag: null, lastModified: null, ranges: true };
    const reader = new ObjectReader(info, 0, 100, { pieceSize: 10, inFlight: 3 });
    const before = sockets.length;
    const pending = reader.read(Buffer.alloc(10), 0, 10, 0);
    while (sockets.length < before + 3) await new Promise((r) => setTimeout(r, 10)); // three requests out
    const started = Date.now();
    reader.close();
    await expect(pending).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1000); // not the 30 s time limit
    await new Promise((r) => setTimeout(r, 50));
    expect(sockets.slice(before).every((s) => s.destroyed || s.readableEnded)).toBe(true);
  });

  test('a server that never answers: each try times out, then ERR_OBJECT_UNAVAILABLE', async () => {
    const port = (silent.address() as { port: number }).port;
    const url = `http://127.0.0.1:${port}/a.csv`;
    const e = await failure(statObject(url, { retry: { tries: 2, baseDelayMs: 5 }, timeoutMs: 300 }), url);
    expect(e.code).toBe('ERR_OBJECT_UNAVAILABLE');
    expect(e.message).toContain('no answer within 300 ms');
  });
});
