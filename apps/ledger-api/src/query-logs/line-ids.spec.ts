import { createHash } from 'node:crypto';
import { LineIds } from './query-log-importer';

const digest = (n: number) => createHash('sha256').update(`line ${n}`).digest();

describe('the duplicate-line table of the WebIR log import (要點 九(二) DUPLICATE_LINE)', () => {
  it('names the first line of every repeated content, across the table growing many times', () => {
    const ids = new LineIds();
    // 5,000 distinct contents on lines 2..5001: the table starts at 1,024 slots and doubles thrice.
    for (let n = 0; n < 5_000; n++) expect(ids.firstOrAdd(digest(n), n + 2)).toBeUndefined();
    // Each content again, later in the file: the earlier line is found, whatever slot it moved to.
    for (let n = 0; n < 5_000; n += 7) expect(ids.firstOrAdd(digest(n), 10_000 + n)).toBe(n + 2);
    // A repeat is not recorded as a new first occurrence.
    expect(ids.firstOrAdd(digest(14), 20_000)).toBe(16);
    expect(ids.firstOrAdd(digest(5_000), 20_001)).toBeUndefined();
  });

  it('tells apart digests that share their first 32 bits', () => {
    const ids = new LineIds();
    const a = Buffer.alloc(32, 1);
    const b = Buffer.from(a);
    b[8] = 2;
    expect(ids.firstOrAdd(a, 2)).toBeUndefined();
    expect(ids.firstOrAdd(b, 3)).toBeUndefined();
    expect(ids.firstOrAdd(b, 4)).toBe(3);
    expect(ids.firstOrAdd(a, 5)).toBe(2);
  });
});
