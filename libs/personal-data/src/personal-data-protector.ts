import { fromCompact, open, seal, toCompact } from './aead';
import { isPersonIndex, type DataKeyVault, type DestroyKeyRequest, type PersonIndex } from './data-key-vault';
import {
  DataKeyNotFoundError,
  InvalidPersonalIdentifierError,
  PersonalDataErasedError,
  PersonalDataIntegrityError,
  type PersonalDataField,
} from './errors';
import { assertHmacKey, keyedHash } from './keyed-hash';
import { assertPersonId } from './person-id';
import { validateTaiwanId, type TaiwanIdKind } from './taiwan-id';

export interface PersonalDataProtectorOptions {
  vault: DataKeyVault;
  /** The blind index of people; defaults to the vault when it keeps one (the SQLite vault does). */
  index?: PersonIndex;
  /** Server HMAC key, at least 32 bytes (LEDGER_HMAC_KEY). */
  hmacKey: Buffer;
  /**
   * Seals identifiers (protectIdentifiers) elsewhere, e.g. on a thread of its own over the same vault
   * (startIdentifierSealerThread); here by default.
   */
  sealer?: IdentifierSealer;
}

/** protectIdentifiers' work, given the validated, normalised numbers: a person id and the number sealed under that person's key, in order. */
export interface IdentifierSealer {
  sealIdentifiers(normalizedNumbers: readonly string[]): Promise<{ personId: string; nationalIdCiphertext: string }[]>;
  close(): Promise<void>;
}

export interface PersonalDataInput {
  /** National ID or old/new resident-certificate number, any case, surrounding spaces allowed. */
  nationalId: string;
  /**
   * An account holder's name. A query subject (要點 九(一)) is named by its identifier alone, so it is
   * optional: without it nothing is sealed for a name and no name ciphertext is returned.
   */
  name?: string;
  /** The holder's MyEGov account id: it names the person as surely as the national ID does. */
  myEGovAccountId?: string;
}

/** What events may carry: ciphertexts only, none of them readable without the person's data key. */
export interface ProtectedPersonalData {
  nationalIdCiphertext: string;
  /** Present exactly when a name was given. */
  nameCiphertext?: string;
  myEGovAccountIdCiphertext?: string;
}

/** What protect() returns for an input that names the person: the name ciphertext is then always there. */
export type ProtectedNamedPersonalData = ProtectedPersonalData & { nameCiphertext: string };

const HOLDER_KEY_PURPOSE = 'national-id';
const MAX_NAME_CHARS = 200;
// Control characters and bidi overrides let a "name" spoof how audit screens and exports render it.
// Other format characters (ZWJ/ZWNJ) stay allowed: some scripts of foreign residents' names need them.
const FORBIDDEN_IN_NAME = /[\p{Cc}\p{Zl}\p{Zp}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

let normalizedOf: (checked: CheckedIdentifier) => string;
let blindIndexOf: (checked: CheckedIdentifier) => string;

/**
 * A national ID / ARC number validated, normalised and its blind index taken, once: a registration
 * looks its subject up before the decider judges it and protects it after, and both steps reuse
 * this instead of validating and keying the number twice. It lives for one request in memory; its
 * fields are private, so logging or serialising it prints neither the number nor its blind index.
 */
export class CheckedIdentifier {
  readonly #normalized: string;
  readonly #blindIndex: string;

  static {
    normalizedOf = (checked) => checked.#normalized;
    blindIndexOf = (checked) => checked.#blindIndex;
  }

  /** Made only by PersonalDataProtector.check(), which holds the HMAC key. */
  private constructor(normalized: string, blindIndex: string) {
    this.#normalized = normalized;
    this.#blindIndex = blindIndex;
  }

  /** @internal */
  static of(normalized: string, blindIndex: string): CheckedIdentifier {
    return new CheckedIdentifier(normalized, blindIndex);
  }
}

/**
 * Turns national IDs and names into what the event log may hold. The holder key lets 政風 and
 * the reconciliation match queries about the same person without decrypting; the ciphertexts are
 * under a per-person data key in the vault, so erase() destroys them everywhere at once
 * (crypto-shredding) while events, their hashes and the holder key remain. The HMAC key sits in a
 * private field so that logging the protector cannot print it.
 */
export class PersonalDataProtector {
  readonly #vault: DataKeyVault;
  readonly #index: PersonIndex | undefined;
  readonly #hmacKey: Buffer;
  readonly #sealer: IdentifierSealer | undefined;

  constructor(options: PersonalDataProtectorOptions) {
    assertHmacKey(options.hmacKey, 'LEDGER_HMAC_KEY');
    this.#vault = options.vault;
    this.#sealer = options.sealer;
    this.#index = options.index ?? (isPersonIndex(options.vault) ? options.vault : undefined);
    this.#hmacKey = Buffer.from(options.hmacKey);
  }

  /**
   * The random person id behind a national ID, made on first sight. `known` says whether the
   * person was already there: a response that depends on it confirms a person exists and must be
   * recorded as a personal-data read by the caller.
   */
  async resolvePerson(nationalId: string): Promise<{ personId: string; known: boolean }> {
    return this.#requireIndex().personFor(this.#blindIndex(nationalId));
  }

  /** The person id behind a national ID, without creating one. */
  async findPerson(nationalId: string | CheckedIdentifier): Promise<string | undefined> {
    return this.#requireIndex().findPerson(nationalId instanceof CheckedIdentifier ? blindIndexOf(nationalId) : this.#blindIndex(nationalId));
  }

  /** Validates and keys a national ID once, for a lookup and a later protection (refused as findPerson refuses it). */
  check(nationalId: string): CheckedIdentifier {
    const { normalized } = this.#validateId(nationalId);
    return CheckedIdentifier.of(normalized, keyedHash(this.#hmacKey, HOLDER_KEY_PURPOSE, normalized));
  }

  /** The opaque key of the person's one account of a kind at an agency (要點 六(一)). */
  async accountKey(personId: string, agencyCode: string, kind: string): Promise<{ key: string; known: boolean }> {
    return this.#requireIndex().accountKeyFor(personId, agencyCode, kind);
  }

  async hasPerson(personId: string): Promise<boolean> {
    return this.#requireIndex().hasPerson(personId);
  }

  async accountKeysOf(personId: string): Promise<{ agencyCode: string; kind: string; key: string }[]> {
    return this.#requireIndex().accountKeysOf(personId);
  }

  async protect(personId: string, input: PersonalDataInput & { name: string }): Promise<ProtectedNamedPersonalData>;
  async protect(personId: string, input: PersonalDataInput): Promise<ProtectedPersonalData>;
  async protect(personId: string, input: PersonalDataInput): Promise<ProtectedPersonalData> {
    assertPersonId(personId);
    // Validate everything before touching the vault, so bad input never creates an orphan key.
    const { normalized } = this.#validateId(input?.nationalId);
    // An absent name is no name; an empty or blank one given explicitly is still refused.
    const name = input?.name === undefined ? undefined : normalizeName(input.name);
    const myEGov = input.myEGovAccountId === undefined ? undefined : normalizeText(input.myEGovAccountId, 'myEGovAccountId');
    const key = await this.#vault.getOrCreateKey(personId);
    return {
      nationalIdCiphertext: encrypt(key, personId, 'nationalId', normalized),
      ...(name !== undefined && { nameCiphertext: encrypt(key, personId, 'name', name) }),
      ...(myEGov !== undefined && { myEGovAccountIdCiphertext: encrypt(key, personId, 'myEGovAccountId', myEGov) }),
    };
  }

  /**
   * Many identifiers at once (a WebIR log's subjects): each its random person id and the number
   * sealed under that person's key, with one vault transaction for the lot where the vault can.
   */
  async protectIdentifiers(nationalIds: readonly (string | CheckedIdentifier)[]): Promise<{ personId: string; nationalIdCiphertext: string }[]> {
    // Validated here, so that a bad number is refused as it would be without a sealer; keyed there.
    if (this.#sealer) return this.#sealer.sealIdentifiers(nationalIds.map((id) => (id instanceof CheckedIdentifier ? normalizedOf(id) : this.#validateId(id).normalized)));
    const checked = nationalIds.map((id) => (id instanceof CheckedIdentifier ? id : this.check(id)));
    const normalized = checked.map(normalizedOf);
    const index = this.#requireIndex();
    const blind = checked.map(blindIndexOf);
    if (this.#vault.personsWithKeys && (index as unknown) === this.#vault) {
      const found = await this.#vault.personsWithKeys(blind);
      return normalized.map((n, i) => ({ personId: found[i].personId, nationalIdCiphertext: encrypt(found[i].key, found[i].personId, 'nationalId', n) }));
    }
    const persons = index.personsFor ? await index.personsFor(blind) : await Promise.all(blind.map((b) => index.personFor(b)));
    const personIds = persons.map((p) => p.personId);
    const keys = this.#vault.getOrCreateKeys ? await this.#vault.getOrCreateKeys(personIds) : await Promise.all(personIds.map((p) => this.#vault.getOrCreateKey(p)));
    return normalized.map((n, i) => ({ personId: personIds[i], nationalIdCiphertext: encrypt(keys[i], personIds[i], 'nationalId', n) }));
  }

  async reveal(personId: string, ciphertext: string, field: PersonalDataField): Promise<string> {
    assertPersonId(personId);
    if (field !== 'nationalId' && field !== 'name' && field !== 'myEGovAccountId') throw new RangeError('field must be nationalId, name or myEGovAccountId');
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

  /**
   * Crypto-shredding: destroys the person's data key, so every ciphertext made for them becomes
   * unreadable, and (in the same vault transaction) the blind-index and account-slot rows, so
   * nothing links the random ids in the log back to the person any more.
   */
  async erase(personId: string, request: DestroyKeyRequest): Promise<void> {
    assertPersonId(personId);
    await this.#vault.destroyKey(personId, request);
  }

  /** Keyed hash of the normalised identifier; stored only in the vault's index, never in an event or id. */
  #blindIndex(nationalId: string): string {
    return keyedHash(this.#hmacKey, HOLDER_KEY_PURPOSE, this.#validateId(nationalId).normalized);
  }

  #requireIndex(): PersonIndex {
    if (!this.#index) throw new Error('this data-key vault keeps no person index');
    return this.#index;
  }

  #validateId(nationalId: unknown): { kind: TaiwanIdKind; normalized: string } {
    const result = validateTaiwanId(nationalId);
    if (!result.ok) throw new InvalidPersonalIdentifierError('nationalId', result.reason);
    return result;
  }
}

function normalizeText(value: unknown, field: PersonalDataField): string {
  if (typeof value !== 'string') throw new InvalidPersonalIdentifierError(field, 'not-a-string');
  const normalized = value.normalize('NFC').trim();
  if (normalized.length === 0) throw new InvalidPersonalIdentifierError(field, 'empty');
  if ([...normalized].length > MAX_NAME_CHARS) throw new InvalidPersonalIdentifierError(field, `at-most-${MAX_NAME_CHARS}-chars`);
  if (FORBIDDEN_IN_NAME.test(normalized)) throw new InvalidPersonalIdentifierError(field, 'no-control-or-bidi-characters');
  return normalized;
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
