/**
 * The byte-keyed group table (src/tasks/group-table.ts) and the sink's group count: one group per
 * distinct key, including the empty key, which a global aggregate uses for every row.
 */
import { describe, expect, test } from 'vitest';
import { GroupTable } from '../../src/kinds/aggregate/group-table.ts';
import { AggregateSink } from '../../src/kinds/aggregate/sink.ts';
import { compileAggregate } from '../../src/kinds/aggregate/plan.ts';
import { count, sum } from '../../src/api/measures.ts';
import { FieldSlots } from '../../src/csv/scanner.ts';

const bytes = (s: string) => Buffer.from(s);

describe('GroupTable', () => {
  test('the empty key is one group, however often it is seen', () => {
    const table = new GroupTable();
    const empty = bytes('');
    expect(table.findOrAdd(empty, 0, 0)).toBe(0);
    expect(table.findOrAdd(empty, 0, 0)).toBe(0);
    expect(table.size).toBe(1);
  });

  test('distinct byte keys get distinct indexes in order of first appearance, across rehashes', () => {
    const table = new GroupTable();
    const keys = Array.from({ length: 5000 }, (_, i) => bytes(`key-${i}-é`));
    keys.forEach((k, i) => {
      expect(table.findOrAdd(k, 0, k.length)).toBe(i);
    });
    keys.forEach((k, i) => {
      expect(table.findOrAdd(k, 0, k.length)).toBe(i);
    });
    expect(table.size).toBe(5000);
  });

  test('a key is its bytes, wherever they sit in the buffer', () => {
    const table = new GroupTable();
    const buf = bytes('xxnorthyy,north,nort');
    expect(table.findOrAdd(buf, 2, 7)).toBe(0);
    expect(table.findOrAdd(buf, 10, 15)).toBe(0);
    expect(table.findOrAdd(buf, 16, 20)).toBe(1); // a prefix is another key
  });
  test('short keys (as words) and long keys (as bytes) are told apart at every length', () => {
    const table = new GroupTable();
    // Every key from 0 to 12 bytes over a small alphabet with NUL, so words and lengths collide
    // in every way they could: "a" and "a\0", "abcd" and "abcdabcd", same ends with another middle.
    const keys: Buffer[] = [];
    const alphabet = ['a', 'b', '\0'];
    for (let length = 0; length <= 12; length++)
      for (let v = 0; v < 40; v++) {
        let s = '';
        for (let i = 0, x = v * 7919 + length; i < length; i++, x = Math.floor(x / 3) + i * 5) s += alphabet[x % 3];
        keys.push(bytes(s));
      }
    keys.push(bytes('abcdXXXXefgh'), bytes('abcdYYYYefgh'), bytes('2024-06-17'), bytes('2024-07-17'));
    const expected = new Map<string, number>();
    for (const k of keys) {
      const id = k.toString('latin1');
      if (!expected.has(id)) expected.set(id, expected.size);
      const at = Buffer.concat([bytes('zz'), k, bytes('zz')]); // the key inside a larger buffer
      expect(table.findOrAdd(at, 2, 2 + k.length)).toBe(expected.get(id));
    }
    for (const k of keys) expect(table.findOrAdd(k, 0, k.length)).toBe(expected.get(k.toString('latin1')));
    expect(table.size).toBe(expected.size);
  });
});

describe('AggregateSink', () => {
  const columns = ['region', 'amount'];
  const policies = { onBadRow: 'error', onBadNumber: 'error', quote: '"' } as const;
  function feed(sink: AggregateSink, lines: string[]) {
    for (const line of lines) {
      const buf = bytes(line);
      const slots = new FieldSlots(3);
      const comma = buf.indexOf(',');
      slots.starts[0] = 0;
      slots.ends[0] = comma;
      slots.starts[1] = comma + 1;
      slots.ends[1] = buf.length;
      expect(sink.record(buf, slots, 2, 0)).toBe(true);
    }
  }

  test('a global aggregate keeps one group for all rows', () => {
    const sink = new AggregateSink(compileAggregate({ measures: { n: count(), s: sum('amount') } }, columns, policies));
    feed(sink, ['a,1', 'b,2', 'c,3']);
    const partial = sink.partial();
    expect(partial.rows).toEqual(new Float64Array([3]));
    expect(partial.keys).toEqual([]);
  });

  test('rows with an empty group key share one group', () => {
    const sink = new AggregateSink(
      compileAggregate({ groupBy: ['region'], measures: { n: count() } }, columns, policies),
    );
    feed(sink, [',1', 'x,2', ',3']);
    const partial = sink.partial();
    expect(partial.keys).toEqual(['', 'x']);
    expect(partial.rows).toEqual(new Float64Array([2, 1]));
  });
});
