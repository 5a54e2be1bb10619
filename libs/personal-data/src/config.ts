import { timingSafeEqual } from 'node:crypto';
import { AES_KEY_BYTES } from './aead';
import { InvalidKeyMaterialError } from './errors';
import { MIN_HMAC_KEY_BYTES } from './keyed-hash';

export const HMAC_KEY_ENV = 'LEDGER_HMAC_KEY';
export const MASTER_KEY_ENV = 'LEDGER_MASTER_KEY';

export interface PersonalDataKeys {
  /** Server key for holder keys (HMAC-SHA-256), ≥ 32 bytes. */
  hmacKey: Buffer;
  /** Key that wraps the per-person data keys (AES-256-GCM), exactly 32 bytes. */
  masterKey: Buffer;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function decode(env: Record<string, string | undefined>, name: string): Buffer {
  const raw = env[name]?.trim();
  if (!raw) throw new InvalidKeyMaterialError(name, 'required (base64, e.g. `openssl rand -base64 32`)');
  const bytes = BASE64.test(raw) ? Buffer.from(raw, 'base64') : undefined;
  // Buffer.from skips invalid characters silently; round-tripping catches a truncated or mangled secret.
  if (!bytes || bytes.toString('base64').replace(/=+$/, '') !== raw.replace(/=+$/, '')) {
    throw new InvalidKeyMaterialError(name, 'must-be-base64');
  }
  return bytes;
}

/**
 * Reads LEDGER_HMAC_KEY and LEDGER_MASTER_KEY (standard base64). Errors name the variable and
 * the rule only. The two keys must differ: they protect different things, and one leaked or
 * rotated secret must not compromise or force rotation of both.
 */
export function loadPersonalDataKeys(env: Record<string, string | undefined> = process.env): PersonalDataKeys {
  const hmacKey = decode(env, HMAC_KEY_ENV);
  const masterKey = decode(env, MASTER_KEY_ENV);
  if (hmacKey.length < MIN_HMAC_KEY_BYTES) throw new InvalidKeyMaterialError(HMAC_KEY_ENV, `at-least-${MIN_HMAC_KEY_BYTES}-bytes`);
  if (masterKey.length !== AES_KEY_BYTES) throw new InvalidKeyMaterialError(MASTER_KEY_ENV, `exactly-${AES_KEY_BYTES}-bytes`);
  if (hmacKey.length === masterKey.length && timingSafeEqual(hmacKey, masterKey)) {
    throw new InvalidKeyMaterialError(MASTER_KEY_ENV, `must-differ-from-${HMAC_KEY_ENV}`);
  }
  return { hmacKey, masterKey };
}
