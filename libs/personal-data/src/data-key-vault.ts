import { freshRandomBytes } from './random-pool';
import { AES_KEY_BYTES, open, packWrapped, seal, unpackWrapped } from './aead';
import { DataKeyUnwrapError, InvalidDestructionRequestError, InvalidKeyMaterialError } from './errors';
import { assertPersonId } from './person-id';

/** Data keys are AES-256 keys. */
export const DATA_KEY_BYTES = AES_KEY_BYTES;

export interface DestroyKeyRequest {
  /** Why the data was erased, e.g. the 要點 十一 ground and the case; must itself hold no personal data. */
  reason: string;
  /** Who ordered the erasure (account or service id). */
  actor: string;
  /** When the erasure took effect in the world. */
  at: Date;
}

/** What remains of an erased key, so an auditor can see that, when, why and by whom it was destroyed. */
export interface KeyTombstone {
  personId: string;
  destroyedAt: Date;
  reason: string;
  actor: string;
}

/**
 * Port for per-person data keys. Keys live here and never in the event log, so destroying a key
 * erases that person's encrypted fields from every event, snapshot and backup of the log at once,
 * while the events and their hash chain stay intact.
 *
 * Contract (checked by data-key-vault.int.spec.ts against every adapter):
 * - getOrCreateKey returns the same 32-byte key for a person on every call, also when raced;
 * - after destroyKey, getKey is undefined, isDestroyed is true, and getOrCreateKey rejects with
 *   PersonalDataErasedError: a shredded person never silently gets a fresh key;
 * - destroyKey is idempotent and keeps the first tombstone; it works for a person without a key;
 * - stored keys are wrapped under the master key; the wrong master key gives DataKeyUnwrapError.
 */
export interface DataKeyVault {
  getOrCreateKey(personId: string): Promise<Buffer>;
  getKey(personId: string): Promise<Buffer | undefined>;
  destroyKey(personId: string, request: DestroyKeyRequest): Promise<void>;
  isDestroyed(personId: string): Promise<boolean>;
  getTombstone(personId: string): Promise<KeyTombstone | undefined>;
  /** getOrCreateKey for many people in one transaction (a month's WebIR log names thousands), in order; optional. */
  getOrCreateKeys?(personIds: readonly string[]): Promise<Buffer[]>;
  /**
   * For a vault that is also the person index: personFor and getOrCreateKey for many blind indexes
   * in one transaction, in order (one sync instead of two per batch); optional.
   */
  personsWithKeys?(blindIndexes: readonly string[]): Promise<{ personId: string; known: boolean; key: Buffer }[]>;
}

/**
 * The blind index of people, kept in the vault beside their data keys so that erasure destroys it
 * with them: identifiers the ledger hands out (person ids, account keys) are random, and only
 * these rows tie them to a national ID. After destroyKey no row names the person any more, so
 * neither the event log nor the server's keys link any event back to them.
 *
 * - personFor is get-or-create and race-safe (one person id per blind index, also across processes);
 * - accountKeyFor gives one opaque account key per (person, agency, kind): the account stream is
 *   then the uniqueness constraint of 要點 六(一), as the keyed hash used to be, without being derived from it;
 * - destroyKey deletes the person's index and slot rows in the same transaction as the key.
 */
export interface PersonIndex {
  findPerson(blindIndex: string): Promise<string | undefined>;
  personFor(blindIndex: string): Promise<{ personId: string; known: boolean }>;
  /** personFor for many blind indexes in one transaction, in order; optional. */
  personsFor?(blindIndexes: readonly string[]): Promise<{ personId: string; known: boolean }[]>;
  accountKeyFor(personId: string, agencyCode: string, kind: string): Promise<{ key: string; known: boolean }>;
  accountKeysOf(personId: string): Promise<{ agencyCode: string; kind: string; key: string }[]>;
  /** Whether the vault still knows this person id (index row, account slot or data key). */
  hasPerson(personId: string): Promise<boolean>;
}

export const isPersonIndex = (value: unknown): value is PersonIndex =>
  typeof value === 'object' && value !== null && typeof (value as PersonIndex).personFor === 'function' && typeof (value as PersonIndex).accountKeyFor === 'function';

const MAX_TEXT = 500;

export function assertDestroyRequest(request: DestroyKeyRequest): void {
  if (request === null || typeof request !== 'object') throw new InvalidDestructionRequestError('missing');
  for (const field of ['reason', 'actor'] as const) {
    const value = request[field];
    if (typeof value !== 'string' || value.trim().length === 0) throw new InvalidDestructionRequestError(`${field}-required`);
    if (value.length > MAX_TEXT) throw new InvalidDestructionRequestError(`${field}-at-most-${MAX_TEXT}-chars`);
  }
  if (!(request.at instanceof Date) || Number.isNaN(request.at.getTime())) throw new InvalidDestructionRequestError('at-must-be-a-valid-date');
}

/**
 * Wraps data keys under the master key for storage. The person id is bound in as AAD so that a
 * wrapped key copied onto another person's record fails to unwrap instead of decrypting their data.
 * The master key sits in a private field so that logging an adapter cannot print it.
 */
export class DataKeyWrapper {
  readonly #masterKey: Buffer;

  constructor(masterKey: Buffer, setting = 'master key') {
    if (!Buffer.isBuffer(masterKey)) throw new InvalidKeyMaterialError(setting, 'not-a-buffer');
    if (masterKey.length !== AES_KEY_BYTES) throw new InvalidKeyMaterialError(setting, `exactly-${AES_KEY_BYTES}-bytes`);
    this.#masterKey = Buffer.from(masterKey);
  }

  newDataKey(): Buffer {
    return freshRandomBytes(DATA_KEY_BYTES);
  }

  wrap(personId: string, dataKey: Buffer): Buffer {
    assertPersonId(personId);
    return packWrapped(seal(this.#masterKey, dataKey, wrapAad(personId)));
  }

  unwrap(personId: string, wrapped: Buffer): Buffer {
    const sealed = unpackWrapped(wrapped);
    const key = sealed && open(this.#masterKey, sealed, wrapAad(personId));
    if (!key || key.length !== DATA_KEY_BYTES) throw new DataKeyUnwrapError(personId);
    return key;
  }
}

function wrapAad(personId: string): Buffer {
  return Buffer.from(`webir-ledger/data-key/v1\u0000${personId}`, 'utf8');
}
