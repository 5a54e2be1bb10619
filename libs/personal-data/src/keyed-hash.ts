import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidKeyMaterialError } from './errors';

/** Below this an HMAC key gives less than the 256-bit strength the holder keys are sized for. */
export const MIN_HMAC_KEY_BYTES = 32;

/** Purposes in use. A new purpose gives unrelated hashes for the same value, so matching stays within one. */
export type KeyedHashPurpose = 'national-id' | (string & {});

const PURPOSE = /^[a-z][a-z0-9-]{0,63}$/;
const DOMAIN = 'webir-ledger/keyed-hash/v1/';

export function assertHmacKey(key: unknown, setting = 'HMAC key'): asserts key is Buffer {
  if (!Buffer.isBuffer(key)) throw new InvalidKeyMaterialError(setting, 'not-a-buffer');
  if (key.length < MIN_HMAC_KEY_BYTES) throw new InvalidKeyMaterialError(setting, `at-least-${MIN_HMAC_KEY_BYTES}-bytes`);
}

/**
 * HMAC-SHA-256 of `value` under `key`, bound to `purpose`, as 64 lowercase hex characters.
 * The purpose is part of the MAC input, separated by a NUL it may not contain, so the hash of
 * a national ID can never collide with, or be replayed as, the hash of some other field that
 * happens to hold the same text. Callers pass values already normalised.
 */
export function keyedHash(key: Buffer, purpose: KeyedHashPurpose, value: string): string {
  assertHmacKey(key);
  if (!PURPOSE.test(purpose)) throw new RangeError('keyed-hash purpose must be lowercase kebab-case, at most 64 characters');
  return createHmac('sha256', key).update(`${DOMAIN}${purpose}\u0000`, 'utf8').update(value, 'utf8').digest('hex');
}

/**
 * Compares two hex digests without an early exit, so response timing does not tell a caller
 * probing holder keys how many leading characters it got right.
 */
export function constantTimeEqualHex(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  // Unequal lengths are not secret (digests have a fixed length), so an early return here is safe.
  if (left.length !== right.length) return false;
  return timingSafeEqual(left, right);
}
