import { createHash } from 'node:crypto';
import { addMonthsToMonth, lastDayOf, monthEnd, monthlyCheckDueDate, monthsOfQuarter, monthStart, quarterlySubmissionDueDate, quarterOf, taipeiMonthOf } from '../core/calendar';
import { canonicalEntryIds, drawSample, sampleSize, SampleInput } from './sampling';

const sha256 = (data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest());
const ids = (n: number) => Array.from({ length: n }, (_, i) => `SWD001.2025_03.${String(i + 1).padStart(6, '0')}`);
const LOG = createHash('sha256').update('WebIR log SWD001 2025-03').digest('hex');
/** The published example: the checkpoint shown in the README. */
const input = (entryIds: string[]): SampleInput => ({
  agencyCode: 'SWD001',
  month: '2025-03',
  checkpoint: { origin: 'webir-ledger', treeSize: 1204, rootHash: 'q2SWaVQ9Ssn3bLWq1qa2gK0Y1b0M0nSE8F4Z3pXhB8o=' },
  logDigests: [LOG],
  entryIds,
});

describe('要點 十二(一): sample size', () => {
  it.each([
    [0, 0], // an empty month: nothing to sample, recorded as N = 0
    [1, 1],
    [9, 9], // below 10: every query is checked
    [10, 10], // exactly 10: 3 % is 0.3, the floor of 10 applies
    [11, 10],
    [333, 10], // 3 % = 9.99 → 10
    [334, 11], // 3 % = 10.02 → 11: where 3 % crosses 10
    [1000, 30],
    [1001, 31],
    [100_000, 3000],
    [1_000_001, 30_001],
  ])('given a month of %i logged queries, the sample is %i', (n, k) => expect(sampleSize(n)).toBe(k));

  it('要點 十二(一): never fewer than 3 % nor fewer than 10 (or all), for every N up to 5,000', () => {
    for (let n = 0; n <= 5000; n++) {
      const k = sampleSize(n);
      expect(k).toBeLessThanOrEqual(n);
      expect(k * 100).toBeGreaterThanOrEqual(3 * n);
      if (n >= 10) expect(k).toBeGreaterThanOrEqual(10);
      else expect(k).toBe(n);
      // minimal: one fewer would break the rule
      if (n >= 10 && k > 10) expect((k - 1) * 100).toBeLessThan(3 * n);
    }
  });

  it('a negative or fractional count is refused', () => {
    expect(() => sampleSize(-1)).toThrow('population');
    expect(() => sampleSize(2.5)).toThrow('population');
  });
});

describe('要點 十二(一): months and quarters in Asia/Taipei', () => {
  it('a month is cut at Taipei midnight, not UTC midnight', () => {
    expect(taipeiMonthOf('2025-03-31T15:59:59.999Z')).toBe('2025-03'); // 23:59:59.999 +08:00
    expect(taipeiMonthOf('2025-03-31T16:00:00.000Z')).toBe('2025-04'); // 00:00 +08:00 on 04-01
    expect(taipeiMonthOf('2025-02-28T16:00:00.000Z')).toBe('2025-03');
    expect(monthStart('2025-03')).toBe('2025-02-28T16:00:00.000Z');
    expect(monthEnd('2025-03')).toBe('2025-03-31T16:00:00.000Z');
    expect(monthEnd('2025-12')).toBe('2025-12-31T16:00:00.000Z');
  });

  it('month arithmetic, last days and quarters', () => {
    expect(addMonthsToMonth('2025-12', 1)).toBe('2026-01');
    expect(addMonthsToMonth('2025-01', -1)).toBe('2024-12');
    expect(lastDayOf('2024-02')).toBe('2024-02-29');
    expect(monthsOfQuarter('2025-Q4')).toEqual(['2025-10', '2025-11', '2025-12']);
    expect(quarterOf('2025-06')).toBe('2025-Q2');
  });

  it('要點 十二(一): month M is due by the end of M+1; a quarter by the end of the month after it (project defaults)', () => {
    expect(monthlyCheckDueDate('2025-01')).toBe('2025-02-28');
    expect(monthlyCheckDueDate('2025-12')).toBe('2026-01-31');
    expect(quarterlySubmissionDueDate('2025-Q1')).toBe('2025-04-30');
    expect(quarterlySubmissionDueDate('2025-Q4')).toBe('2026-01-31');
  });

  it('malformed months and quarters are refused naming the field', () => {
    expect(() => monthStart('2025-13')).toThrow('month');
    expect(() => monthsOfQuarter('2025-Q5')).toThrow('quarter');
  });
});

describe('要點 十二(一): the draw, reproduced from the published seed', () => {
  // Known answers computed by an independent implementation (Python hashlib, README "Recomputing a sample").
  it('N = 25: the seed, the population digest and the ten positions drawn', () => {
    const draw = drawSample(input(ids(25)), sha256);
    expect(LOG).toBe('4f2ca0865aa8d0706711d98850d93508894ee9e9f77e237f190ec9f1639899b0');
    expect(draw.seed).toBe('f2c28698f72ed7674dc709da48876826bc0006bf00238e6147e4510b8544a9d6');
    expect(draw.populationDigest).toBe('66f2a32c3117932cea5fbca01593baacc97993bb3d4fecf7fb921ff92cf1df19');
    expect(draw.indices).toEqual([0, 20, 22, 15, 23, 4, 1, 12, 24, 16]);
    expect(draw.sample[1]).toBe('SWD001.2025_03.000021');
    expect(draw.seedMaterial).toBe(
      'webir-ledger monthly sample v1\nagency SWD001\nmonth 2025-03\ncheckpoint webir-ledger 1204 q2SWaVQ9Ssn3bLWq1qa2gK0Y1b0M0nSE8F4Z3pXhB8o=\n' +
        `log ${LOG}\npopulation 25 66f2a32c3117932cea5fbca01593baacc97993bb3d4fecf7fb921ff92cf1df19\n`,
    );
  });

  it('N = 334: eleven positions; N = 7: all seven in a drawn order; N = 0: none', () => {
    expect(drawSample(input(ids(334)), sha256)).toMatchObject({ sampleSize: 11, seed: 'dd86abb02f9faca2e3106fdad4da85943c2ee16ba7d74c8daacf9667d9be06ea', indices: [319, 164, 205, 200, 138, 310, 75, 159, 290, 176, 6] });
    expect(drawSample(input(ids(7)), sha256)).toMatchObject({ sampleSize: 7, indices: [3, 0, 6, 5, 2, 4, 1] });
    expect(drawSample(input([]), sha256)).toMatchObject({
      population: 0,
      sampleSize: 0,
      sample: [],
      populationDigest: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      seed: '89cd8b38cb11d4fcd48ac7cad1fa8ad9a699db601314f01b48df524a9fd81483',
    });
  });

  it('the order the entries arrive in does not matter; duplicates count once', () => {
    const shuffled = ids(25).reverse();
    expect(drawSample(input([...shuffled, shuffled[3]]), sha256)).toEqual(drawSample(input(ids(25)), sha256));
    expect(canonicalEntryIds(['b', 'a', 'B', 'a'])).toEqual(['B', 'a', 'b']);
  });

  it('another checkpoint, another log digest, another agency or one entry more gives another sample', () => {
    const base = drawSample(input(ids(1000)), sha256);
    const variants = [
      { ...input(ids(1000)), checkpoint: { ...input([]).checkpoint, treeSize: 1205 } },
      { ...input(ids(1000)), logDigests: ['0'.repeat(64)] },
      { ...input(ids(1000)), agencyCode: 'SWD002' },
      input(ids(1001)),
    ];
    for (const v of variants) {
      const other = drawSample(v, sha256);
      expect(other.seed).not.toBe(base.seed);
      expect(other.indices).not.toEqual(base.indices);
    }
  });

  it('positions are distinct and within the population; 100,000 queries give 3,000', () => {
    const draw = drawSample(input(ids(100_000)), sha256);
    expect(draw.sampleSize).toBe(3000);
    expect(new Set(draw.indices).size).toBe(3000);
    expect(draw.indices.every((i) => Number.isInteger(i) && i >= 0 && i < 100_000)).toBe(true);
  });

  it('without bias: over many seeds every position of a small month is drawn about equally often', () => {
    const counts = new Array(40).fill(0);
    for (let s = 0; s < 600; s++) {
      const draw = drawSample({ ...input(ids(40)), checkpoint: { origin: 'o', treeSize: s, rootHash: 'x' } }, sha256);
      for (const i of draw.indices) counts[i]++;
    }
    // 600 draws × 10 of 40 → 150 expected per position; a biased draw would drift far from it.
    expect(Math.min(...counts)).toBeGreaterThan(100);
    expect(Math.max(...counts)).toBeLessThan(200);
  });

  it('a malformed log digest is refused naming it', () => expect(() => drawSample({ ...input([]), logDigests: ['zz'] }, sha256)).toThrow('logDigests.0'));
});
