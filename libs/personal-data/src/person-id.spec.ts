import { assertPersonId, newPersonId } from './person-id';
import { containsTaiwanId } from './taiwan-id';

describe('newPersonId: opaque, and in creation order for the vault indexes', () => {
  it('is person_ + a UUIDv7 in hex (RFC 9562): the creation millisecond, version 7, variant 10, then random bits', () => {
    const at = Date.parse('2025-03-05T01:30:00.123Z');
    const id = newPersonId(at);
    expect(id).toMatch(/^person_[0-9a-f]{12}7[0-9a-f]{3}[89ab][0-9a-f]{15}$/);
    expect(parseInt(id.slice(7, 19), 16)).toBe(at);
    expect(() => assertPersonId(id)).not.toThrow();
  });

  it('later ids sort after earlier ones, the same millisecond still differs, and none carries an ID-shaped run', () => {
    const ids = Array.from({ length: 2_000 }, (_, i) => newPersonId(1_700_000_000_000 + Math.floor(i / 4)));
    expect(new Set(ids).size).toBe(ids.length);
    // The millisecond of each id: its own, or a few later when its hex read as an ID; never earlier.
    const ms = ids.map((id) => parseInt(id.slice(7, 19), 16));
    ms.forEach((m, i) => expect(m - (1_700_000_000_000 + Math.floor(i / 4))).toBeGreaterThanOrEqual(0));
    ms.forEach((m, i) => expect(m - (1_700_000_000_000 + Math.floor(i / 4))).toBeLessThan(5));
    const sorted = [...ids].sort();
    expect(sorted.map((id) => parseInt(id.slice(7, 19), 16))).toEqual([...ms].sort((a, b) => a - b));
    for (const id of ids) expect(containsTaiwanId(id)).toBe(false);
  });

  it('ends, with a valid id, when the millisecond itself reads as an ID (a clock standing still in a test)', () => {
    const idShaped = 0xa12345678900; // hex a12345678900 holds A123456789
    expect(containsTaiwanId(idShaped.toString(16))).toBe(true);
    const id = newPersonId(idShaped);
    expect(() => assertPersonId(id)).not.toThrow();
    expect(containsTaiwanId(id)).toBe(false);
  });
});
