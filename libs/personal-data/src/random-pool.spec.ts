import { freshRandomBytes } from './random-pool';

describe('random bytes drawn from a pool', () => {
  it('hands out each byte once: draws of every size across refills never repeat', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      for (const size of [12, 16, 32]) {
        const bytes = freshRandomBytes(size);
        expect(bytes).toHaveLength(size);
        const hex = bytes.toString('hex');
        expect(seen.has(hex)).toBe(false);
        seen.add(hex);
      }
    }
  });

  it('gives buffers of their own (changing one changes no later draw) and passes large sizes through', () => {
    const a = freshRandomBytes(32);
    a.fill(0);
    expect(freshRandomBytes(32).equals(Buffer.alloc(32))).toBe(false);
    expect(freshRandomBytes(1000)).toHaveLength(1000);
    expect(freshRandomBytes(0)).toHaveLength(0);
    expect(() => freshRandomBytes(-1)).toThrow(RangeError);
  });
});
