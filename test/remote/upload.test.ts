/**
 * Writing objects to s3rver: 20 MiB through a multipart upload (three parts of 8 MiB) reads back
 * identical; a small body goes as one PutObject; an upload aborted, or whose source fails, leaves
 * no object; deleteObject removes one.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createObjectUpload, deleteObject } from '../../src/remote/object-upload.ts';
import { startS3, type TestS3 } from '../helpers/s3.ts';

let s3: TestS3;
beforeAll(async () => {
  s3 = await startS3();
  await s3.createBucket('out');
});
afterAll(() => s3?.stop());

/** `data` in writes of odd sizes, as an encoder's output comes. */
function pieces(data: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0, step = 1000; at < data.length; at += step, step = (step * 3 + 7) % 1_000_000)
        yield data.subarray(at, at + step);
    })(),
  );
}

test('20 MiB through a multipart upload reads back identical', async () => {
  const data = randomBytes(20 << 20);
  const upload = createObjectUpload('s3://out/big.bin', s3.settings);
  await pipeline(pieces(data), upload);
  expect(upload.parts).toBe(3); // 8 + 8 + 4 MiB
  const back = await s3.getObject('out', 'big.bin');
  expect(back?.length).toBe(data.length);
  expect(back?.equals(data)).toBe(true);
});

test('a small body is one PutObject; an empty one makes an empty object', async () => {
  const small = createObjectUpload('s3://out/small.csv', s3.settings);
  await pipeline(Readable.from([Buffer.from('a,b\n1,2\n')]), small);
  expect(small.parts).toBe(0);
  expect((await s3.getObject('out', 'small.csv'))?.toString()).toBe('a,b\n1,2\n');
  await pipeline(Readable.from([]), createObjectUpload('s3://out/empty.csv', s3.settings));
  expect((await s3.getObject('out', 'empty.csv'))?.length).toBe(0);
});

test('abort() after parts were sent leaves no object', async () => {
  const upload = createObjectUpload('s3://out/aborted.bin', s3.settings, { partSize: 5 << 20 });
  const chunk = randomBytes(1 << 20);
  for (let i = 0; i < 12; i++) if (!upload.write(chunk)) await new Promise((r) => upload.once('drain', r));
  await upload.abort();
  expect(upload.destroyed).toBe(true);
  expect(await s3.getObject('out', 'aborted.bin')).toBe(null);
});

test('a source that fails midway leaves no object, and the error is the source’s', async () => {
  const source = Readable.from(
    (async function* () {
      for (let i = 0; i < 14; i++) yield randomBytes(1 << 20);
      throw new Error('the encoder failed');
    })(),
  );
  await expect(pipeline(source, createObjectUpload('s3://out/failed.bin', s3.settings))).rejects.toThrow(
    'the encoder failed',
  );
  expect(await s3.getObject('out', 'failed.bin')).toBe(null);
});

test('a failing server: the upload rejects with a coded error and leaves no object', async () => {
  const settings = { ...s3.settings, retry: { tries: 1 } };
  await expect(
    pipeline(pieces(randomBytes(6 << 20)), createObjectUpload('s3://nobucket/x.bin', settings, { partSize: 5 << 20 })),
  ).rejects.toMatchObject({ code: 'ERR_OBJECT_NOT_FOUND', file: 's3://nobucket/x.bin' });
});

test('deleteObject removes an object; a missing one is no error', async () => {
  await s3.putObject('out', 'gone.csv', 'x\n');
  await deleteObject('s3://out/gone.csv', s3.settings);
  expect(await s3.getObject('out', 'gone.csv')).toBe(null);
  await deleteObject('s3://out/gone.csv', s3.settings);
});

test('an http URL cannot be written', () => {
  expect(() => createObjectUpload('https://example.com/x.csv')).toThrow(
    expect.objectContaining({ code: 'ERR_OBJECT_URL' }),
  );
});
