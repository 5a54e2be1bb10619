import { createCipheriv, createDecipheriv } from 'node:crypto';
import { freshRandomBytes } from './random-pool';

/** AES-256-GCM with the sizes NIST SP 800-38D recommends: random 96-bit IVs and full 128-bit tags. */
export const AES_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface Sealed {
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

export function seal(key: Buffer, plaintext: Buffer, aad: Buffer): Sealed {
  const iv = freshRandomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), ciphertext };
}

/** Undefined when authentication fails: callers raise their own error so no library message leaks through. */
export function open(key: Buffer, sealed: Sealed, aad: Buffer): Buffer | undefined {
  if (sealed.iv.length !== IV_BYTES || sealed.tag.length !== TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
  } catch {
    return undefined;
  }
}

const COMPACT_VERSION = 'v1';
const B64URL = '[A-Za-z0-9_-]';
// Lengths are pinned because Buffer.from(…, 'base64url') silently skips junk instead of failing.
const COMPACT = new RegExp(`^${COMPACT_VERSION}\\.(${B64URL}{16})\\.(${B64URL}{22})\\.(${B64URL}*)$`);

/** `v1.<iv>.<tag>.<ciphertext>`, base64url without padding: safe in JSON, event payloads and CSV exports. */
export function toCompact(sealed: Sealed): string {
  return [COMPACT_VERSION, sealed.iv, sealed.tag, sealed.ciphertext].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

export function fromCompact(compact: unknown): Sealed | undefined {
  if (typeof compact !== 'string') return undefined;
  const m = COMPACT.exec(compact);
  if (!m) return undefined;
  const sealed = { iv: Buffer.from(m[1]!, 'base64url'), tag: Buffer.from(m[2]!, 'base64url'), ciphertext: Buffer.from(m[3]!, 'base64url') };
  // Reject non-canonical encodings so that one ciphertext has exactly one string form.
  return toCompact(sealed) === compact ? sealed : undefined;
}

/** Wrapped data key as stored: version byte, IV, tag, ciphertext. */
const WRAP_VERSION = 1;

export function packWrapped(sealed: Sealed): Buffer {
  return Buffer.concat([Buffer.from([WRAP_VERSION]), sealed.iv, sealed.tag, sealed.ciphertext]);
}

export function unpackWrapped(packed: Buffer): Sealed | undefined {
  if (packed.length !== 1 + IV_BYTES + TAG_BYTES + AES_KEY_BYTES || packed[0] !== WRAP_VERSION) return undefined;
  return {
    iv: packed.subarray(1, 1 + IV_BYTES),
    tag: packed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES),
    ciphertext: packed.subarray(1 + IV_BYTES + TAG_BYTES),
  };
}
