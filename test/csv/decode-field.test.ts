/**
 * decodeField's short-field paths (one String.fromCharCode call per field up to 12 bytes, a loop
 * up to 24, the native decoder beyond or for any byte >= 0x80) give the text Node's UTF-8 decoder
 * gives, for every length, with a multi-byte character at every position, and with doubled quotes.
 */
import { expect, test } from 'vitest';
import { decodeField } from '../../src/csv/fields.ts';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789 -.:;!?#$%&*+/<=>@[]^_{}~\t';

test('ASCII fields of every length 0..40, at every offset in the buffer', () => {
  for (let n = 0; n <= 40; n++) {
    const text = Array.from({ length: n }, (_, i) => ALPHABET[(i * 7 + n) % ALPHABET.length]).join('');
    for (const pad of [0, 1, 5]) {
      const buf = Buffer.from(`${'x'.repeat(pad)}${text}yz`);
      expect(decodeField(buf, pad, pad + n, 0, '"'), `length ${n}, offset ${pad}`).toBe(text);
    }
  }
});

test('a byte >= 0x80 at every position: the native decoder, the same text', () => {
  for (let n = 1; n <= 30; n++) {
    for (let at = 0; at < n; at++) {
      for (const ch of ['é', '東', '😀']) {
        const text = Array.from({ length: n }, (_, i) => (i === at ? ch : ALPHABET[i % ALPHABET.length])).join('');
        const buf = Buffer.from(`,${text},`);
        expect(decodeField(buf, 1, buf.length - 1, 0, '"'), `${JSON.stringify(text)}`).toBe(text);
      }
    }
  }
});

test('doubled quotes are undone on every path (flag 2), and kept as they are without it', () => {
  for (let n = 2; n <= 30; n++) {
    const raw = Array.from({ length: n }, (_, i) => (i % 5 === 1 ? '""' : ALPHABET[i % ALPHABET.length])).join('');
    for (const tail of ['', 'é']) {
      const buf = Buffer.from(raw + tail);
      expect(decodeField(buf, 0, buf.length, 2, '"')).toBe((raw + tail).replaceAll('""', '"'));
      expect(decodeField(buf, 0, buf.length, 1, '"')).toBe(raw + tail);
    }
  }
  // Another quote character doubles itself, not '"'.
  const buf = Buffer.from('it\'\'s "fine"');
  expect(decodeField(buf, 0, buf.length, 2, "'")).toBe('it\'s "fine"');
});
