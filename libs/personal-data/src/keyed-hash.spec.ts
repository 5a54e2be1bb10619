import { createHmac, randomBytes } from 'node:crypto';
import { InvalidKeyMaterialError } from './errors';
import { constantTimeEqualHex, keyedHash } from './keyed-hash';

describe('keyedHash', () => {
  const key = Buffer.alloc(32, 7);

  it('is HMAC-SHA-256 over the domain-separated purpose and value, in hex', () => {
    const expected = createHmac('sha256', key).update('webir-ledger/keyed-hash/v1/national-id\u0000A123456789').digest('hex');
    expect(keyedHash(key, 'national-id', 'A123456789')).toBe(expected);
    expect(keyedHash(key, 'national-id', 'A123456789')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is deterministic for one key and changes with the key', () => {
    const a = keyedHash(key, 'national-id', 'A123456789');
    expect(keyedHash(Buffer.from(key), 'national-id', 'A123456789')).toBe(a);
    expect(keyedHash(randomBytes(32), 'national-id', 'A123456789')).not.toBe(a);
  });

  it('separates purposes, including ones that would concatenate to the same text', () => {
    expect(keyedHash(key, 'national-id', 'A123456789')).not.toBe(keyedHash(key, 'name', 'A123456789'));
    expect(keyedHash(key, 'a', 'bc')).not.toBe(keyedHash(key, 'ab', 'c'));
  });

  it('refuses keys shorter than 32 bytes and non-buffers without echoing them', () => {
    const short = Buffer.from('short-secret-key');
    expect(() => keyedHash(short, 'national-id', 'x')).toThrow(InvalidKeyMaterialError);
    expect(() => keyedHash('0'.repeat(64) as unknown as Buffer, 'national-id', 'x')).toThrow(InvalidKeyMaterialError);
    try {
      keyedHash(short, 'national-id', 'x');
    } catch (error) {
      expect((error as Error).message).not.toContain('short-secret-key');
    }
  });

  it('refuses purposes that could break the domain separation', () => {
    expect(() => keyedHash(key, 'national-id\u0000x', 'v')).toThrow(RangeError);
    expect(() => keyedHash(key, 'National-ID', 'v')).toThrow(RangeError);
    expect(() => keyedHash(key, '', 'v')).toThrow(RangeError);
  });
});

describe('constantTimeEqualHex', () => {
  it('is true only for identical digests', () => {
    const h = keyedHash(Buffer.alloc(32, 1), 'national-id', 'A123456789');
    expect(constantTimeEqualHex(h, String(h))).toBe(true);
    expect(constantTimeEqualHex(h, h.slice(0, -1) + (h.endsWith('0') ? '1' : '0'))).toBe(false);
    expect(constantTimeEqualHex(h, h.slice(0, -2))).toBe(false);
    expect(constantTimeEqualHex('', '')).toBe(true);
  });
});
