import { fromCompact, open, seal, toCompact } from './aead';
import type { DataKeyVault, DestroyKeyRequest } from './data-key-vault';
import {
  DataKeyNotFoundError,
  InvalidPersonalIdentifierError,
  PersonalDataErasedError,
  PersonalDataIntegrityError,
  type PersonalDataField,
} from './errors';
import { assertHmacKey, constantTimeEqualHex, keyedHash } from './keyed-hash';
import { assertPersonId } from './person-id';
import { validateTaiwanId, type TaiwanIdKind } from './taiwan-id';

export interface PersonalDataProtectorOptions {
  vault: DataKeyVault;
  /** Server HMAC key, at least 32 bytes (LEDGER_HMAC_KEY). */
  hmacKey: Buffer;
}

export interface PersonalDataInput {
  /** National ID or old/new resident-certificate number, any case, surrounding spaces allowed. */
  nationalId: string;
  name: string;
}

/** What events may carry: a matching key and two ciphertexts, none of them readable without keys. */
export interface ProtectedPersonalData {
  /** HMAC of the normalised identifier: equal for the same person, stable across erasure. */
  holderKey: string;
  nationalIdCiphertext: string;
  nameCiphertext: string;
}

const HOLDER_KEY_PURPOSE = 'national-id';
const MAX_NAME_CHARS = 200;
// Control characters and bidi overrides let a "name" spoof how audit screens and exports render it.
// Other format characters (ZWJ/ZWNJ) stay allowed: some scripts of foreign residents' names need them.
const FORBIDDEN_IN_NAME = /[\p{Cc}\p{Zl}\p{Zp}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/**
 * Turns national IDs and names into what the event log may hold. The holder key lets 政風 and
 * the reconciliation match queries about the same person without decrypting; the ciphertexts are
 * under a per-person data key in the vault, so erase() destroys them everywhere at once
 * (crypto-shredding) while events, their hashes and the holder key remain. The HMAC key sits in a
 * private field so that logging the protector cannot print it.
 */
export class PersonalDataProtector {
  readonly #vault: DataKeyVault;
  readonly #hmacKey: Buffer;

  constructor(options: PersonalDataProtectorOptions) {
    assertHmacKey(options.hmacKey, 'LEDGER_HMAC_KEY');
    this.#vault = options.vault;
    this.#hmacKey = Buffer.from(options.hmacKey);
  }

  async protect(personId: string, input: PersonalDataInput): Promise<ProtectedPersonalData> {
    assertPersonId(personId);
    // Validate everything before touching the vault, so bad input never creates an orphan key.
    const { normalized } = this.#validateId(input?.nationalId);
    const name = normalizeName(input?.name);
    const key = await this.#vault.getOrCreateKey(personId);
    return {
      holderKey: keyedHash(this.#hmacKey, HOLDER_KEY_PURPOSE, normalized),
      nationalIdCiphertext: encrypt(key, personId, 'nationalId', normalized),
      nameCiphertext: encrypt(key, personId, 'name', name),
    };
  }

  async reveal(personId: string, ciphertext: string, field: PersonalDataField): Promise<string> {
    assertPersonId(personId);
    if (field !== 'nationalId' && field !== 'name') throw new RangeError('field must be nationalId or name');
    const sealed = fromCompact(ciphertext);
    if (!sealed) throw new PersonalDataIntegrityError(personId, field, 'malformed');
    const key = await this.#vault.getKey(personId);
    if (!key) {
      if (await this.#vault.isDestroyed(personId)) throw new PersonalDataErasedError(personId);
      throw new DataKeyNotFoundError(personId);
    }
    const plaintext = open(key, sealed, aad(personId, field));
    if (!plaintext) throw new PersonalDataIntegrityError(personId, field, 'authentication-failed');
    return plaintext.toString('utf8');
  }

  /** The holder key to search events by; throws InvalidPersonalIdentifierError for an invalid number. */
  lookupKey(nationalId: string): string {
    return keyedHash(this.#hmacKey, HOLDER_KEY_PURPOSE, this.#validateId(nationalId).normalized);
  }

  /** Whether `nationalId` is the one behind `holderKey`, compared in constant time. */
  matches(holderKey: string, nationalId: string): boolean {
    return constantTimeEqualHex(holderKey, this.lookupKey(nationalId));
  }

  /** Crypto-shredding: destroys the person's data key; every ciphertext made for them becomes unreadable. */
  async erase(personId: string, request: DestroyKeyRequest): Promise<void> {
    assertPersonId(personId);
    await this.#vault.destroyKey(personId, request);
  }

  #validateId(nationalId: unknown): { kind: TaiwanIdKind; normalized: string } {
    const result = validateTaiwanId(nationalId);
    if (!result.ok) throw new InvalidPersonalIdentifierError('nationalId', result.reason);
    return result;
  }
}

function normalizeName(name: unknown): string {
  if (typeof name !== 'string') throw new InvalidPersonalIdentifierError('name', 'not-a-string');
  // NFC so that one name typed with composed or decomposed characters decrypts to one string.
  const normalized = name.normalize('NFC').trim();
  if (normalized.length === 0) throw new InvalidPersonalIdentifierError('name', 'empty');
  if ([...normalized].length > MAX_NAME_CHARS) throw new InvalidPersonalIdentifierError('name', `at-most-${MAX_NAME_CHARS}-chars`);
  if (FORBIDDEN_IN_NAME.test(normalized)) throw new InvalidPersonalIdentifierError('name', 'no-control-or-bidi-characters');
  return normalized;
}

/**
 * AAD binds each ciphertext to its person and field: a ciphertext pasted into another person's
 * event, or a name ciphertext presented as a national ID, fails authentication instead of
 * decrypting to something plausible.
 */
function aad(personId: string, field: PersonalDataField): Buffer {
  return Buffer.from(`webir-ledger/personal-data/v1\u0000${personId}\u0000${field}`, 'utf8');
}

function encrypt(key: Buffer, personId: string, field: PersonalDataField, plaintext: string): string {
  return toCompact(seal(key, Buffer.from(plaintext, 'utf8'), aad(personId, field)));
}
