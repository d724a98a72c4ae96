/**
 * Binary input ("this does not look like CSV") is ERR_NOT_CSV, found while planning from the
 * first 64 KiB: a NUL byte (which CSV text never holds; binary files and UTF-16 text nearly always
 * do within a few bytes), or a gzip/zip signature (gzip data in a file not named *.gz). The error names the byte and its line, with a
 * hint for UTF-16 without a byte order mark and for archives (UTF-16 with one is read: input/utf16.ts). Policy: a NUL byte further in is data (the hot path does not look
 * for it).
 */
import { gzipSync } from 'node:zlib';
import { expect, test } from 'vitest';
import { count, processDataset, sum } from 'chunkmill';
import { rejectionOf } from '../helpers/errors.ts';
import { record, settle } from '../helpers/events.ts';
import { expectErrorEverywhere, runMatrix } from '../helpers/matrix.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const TIMEOUT = { timeout: 120_000 };
const aggregate = { groupBy: ['k'], measures: { n: count() } };

test('a NUL byte in the data: ERR_NOT_CSV with its line and byte, before any work starts', TIMEOUT, async () => {
  // 'k,v\n' 0-3 (1) | 'a,1\n' 4-7 (2) | 'b' 8, NUL at 9 (3)
  const input = tmp.file('nul.csv', 'k,v\na,1\nb\0,2\n');
  const error = await expectErrorEverywhere({ input, aggregate }, { code: 'ERR_NOT_CSV', line: 3, byteOffset: 9 });
  expect(error.message).toMatch(/^This does not look like CSV text: a NUL byte at byte 9 .*\(.*nul\.csv:3, byte 9\)$/);
  const job = processDataset({ input, aggregate, workers: 2, chunkSize: 3 });
  const events = record(job);
  await rejectionOf(job.result);
  await settle();
  expect(events.map((e) => e.name)).toEqual(['error']); // found while planning: no start
});

test('a NUL byte in the header, and without a header', TIMEOUT, async () => {
  const input = tmp.file('nul-header.csv', 'k\0,v\na,1\n');
  await expectErrorEverywhere({ input, aggregate }, { code: 'ERR_NOT_CSV', line: 1, byteOffset: 1 });
  await expectErrorEverywhere(
    { input, csv: { header: false }, aggregate: { measures: { n: count() } } },
    { code: 'ERR_NOT_CSV', line: 1, byteOffset: 1 },
  );
});

test(
  'UTF-16 text: read by its byte order mark; without one ERR_NOT_CSV naming UTF-16 and the encoding to give',
  TIMEOUT,
  async () => {
    const withBom = tmp.file('utf16-bom.csv', Buffer.from('\ufeffk,v\na,1\n', 'utf16le'));
    const bigEndian = tmp.file('utf16-be.csv', Buffer.from('\ufeffk,v\na,1\n', 'utf16le').swap16());
    for (const input of [withBom, bigEndian])
      expect((await processDataset({ input, aggregate, workers: 2 }).result).rows).toStrictEqual([{ k: 'a', n: 1 }]);
    const noBom = tmp.file('utf16-no-bom.csv', Buffer.from('k,v\na,1\n', 'utf16le'));
    const error = await expectErrorEverywhere(
      { input: noBom, aggregate },
      { code: 'ERR_NOT_CSV', line: 1, byteOffset: 1 },
    );
    expect(error.message).toContain('UTF-16LE text without a byte order mark');
    expect(error.hint).toContain('encoding: "utf-16le"');
    const noBomBe = tmp.file('utf16-no-bom-be.csv', Buffer.from('k,v\na,1\n', 'utf16le').swap16());
    const be = await expectErrorEverywhere(
      { input: noBomBe, aggregate },
      { code: 'ERR_NOT_CSV', line: 1, byteOffset: 0 },
    );
    expect(be.hint).toContain('encoding: "utf-16be"');
  },
);

test(
  'gzip data in a file not named .gz, and a zip archive: ERR_NOT_CSV at byte 0, named as such',
  TIMEOUT,
  async () => {
    // (A *.gz name or gzip: true reads it decompressed.)
    const gz = tmp.file('data-gz.csv', gzipSync('k,v\na,1\n'));
    const error = await expectErrorEverywhere(
      { input: gz, aggregate },
      { code: 'ERR_NOT_CSV', line: 1, byteOffset: 0 },
    );
    expect(error.message).toContain('gzip');
    expect(error.hint).toContain('gzip: true');
    // A local file header without NUL bytes in its first bytes still is no CSV file.
    const zip = tmp.file('data.zip', Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from('k,v\na,1\n')]));
    expect(
      (await expectErrorEverywhere({ input: zip, aggregate }, { code: 'ERR_NOT_CSV', line: 1, byteOffset: 0 })).message,
    ).toContain('zip');
  },
);

test('a PNG image: the first NUL byte, after its line break', TIMEOUT, async () => {
  // 89 'PNG' 0d 0a 1a 0a (LF at 5 and 7), then the IHDR length 00 00 00 0d: NUL at 8, line 3.
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
  await expectErrorEverywhere(
    { input: tmp.file('image.png', png), aggregate },
    { code: 'ERR_NOT_CSV', line: 3, byteOffset: 8 },
  );
});

test('policy: a NUL byte past the first 64 KiB is data', TIMEOUT, async () => {
  let text = 'k,v\n';
  while (text.length < 70_000) text += 'a,1\n';
  text += 'x\0y,2\n';
  const input = tmp.file('late-nul.csv', text);
  const { rows } = await runMatrix(
    { input, aggregate: { groupBy: ['k'], measures: { n: count(), s: sum('v') } } },
    { chunkSizes: [4096, 1 << 16], workers: [1, 2] },
  );
  expect(rows).toStrictEqual([
    { k: 'a', n: (70_000 - 4) / 4, s: (70_000 - 4) / 4 },
    { k: 'x\0y', n: 1, s: 2 },
  ]);
});
