import { Binary, MongoClient, MongoServerError, type Collection, type Db } from 'mongodb';
import {
  DataKeyWrapper,
  assertDestroyRequest,
  type DataKeyVault,
  type DestroyKeyRequest,
  type KeyTombstone,
  type PersonIndex,
} from './data-key-vault';
import { PersonalDataErasedError } from './errors';
import { assertPersonId, newPersonId, randomHex } from './person-id';

export const DATA_KEYS_COLLECTION = 'dataKeys';

/** One document per person: a live key, or after erasure a tombstone with no key material. */
interface DataKeyDocument {
  personId: string;
  wrappedKey?: Binary;
  createdAt?: Date;
  destroyedAt?: Date;
  reason?: string;
  actor?: string;
  tombstoneRecordedAt?: Date;
}

export interface MongoDataKeyVaultOptions {
  /** A mongodb:// URL. Must not point at the database that holds the event log's backups. */
  url: string;
  dbName?: string;
  /** 32-byte AES-256 key that wraps every data key (LEDGER_MASTER_KEY); it never reaches MongoDB. */
  masterKey: Buffer;
  /** A few seconds, so an unreachable server fails start-up quickly instead of hanging for 30 s. */
  serverSelectionTimeoutMS?: number;
  now?: () => Date;
}

const DUPLICATE_KEY = 11000;

function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === DUPLICATE_KEY;
}

/**
 * Data keys in the `dataKeys` collection. Writes use majority/journaled concern because a key
 * acknowledged and then lost would leave already-logged ciphertext unreadable. The wrapped key is
 * $unset on erasure; the oplog and WiredTiger may keep old copies for a while, which is tolerable
 * only because those copies are wrapped under a master key that MongoDB never sees.
 */
interface PersonIndexDocument {
  _id: string;
  personId: string;
}
interface AccountSlotDocument {
  _id: string;
  personId: string;
  agencyCode: string;
  kind: string;
  accountKey: string;
}


export class MongoDataKeyVault implements DataKeyVault, PersonIndex {
  readonly #collection: Collection<DataKeyDocument>;
  readonly #wrapper: DataKeyWrapper;
  readonly #now: () => Date;
  readonly #client: MongoClient | undefined;

  private constructor(collection: Collection<DataKeyDocument>, masterKey: Buffer, now: (() => Date) | undefined, client?: MongoClient) {
    this.#collection = collection;
    this.#wrapper = new DataKeyWrapper(masterKey);
    this.#now = now ?? (() => new Date());
    this.#client = client;
  }

  /** Connects, declares the indexes, and owns the client (close() disconnects it). */
  static async connect(options: MongoDataKeyVaultOptions): Promise<MongoDataKeyVault> {
    // Validate key material before opening a connection that would then leak on failure.
    new DataKeyWrapper(options.masterKey);
    const client = new MongoClient(options.url, { serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 3_000 });
    try {
      await client.connect();
      return await MongoDataKeyVault.fromDb(client.db(options.dbName ?? 'webir-ledger-keys'), options.masterKey, options.now, client);
    } catch (error) {
      await client.close().catch(() => undefined);
      throw error;
    }
  }

  /** Uses a database whose client the caller owns. */
  static async fromDb(db: Db, masterKey: Buffer, now?: () => Date, ownedClient?: MongoClient): Promise<MongoDataKeyVault> {
    const collection = db.collection<DataKeyDocument>(DATA_KEYS_COLLECTION, {
      writeConcern: { w: 'majority', journal: true },
      readConcern: { level: 'majority' },
    });
    // The unique index is what makes racing getOrCreateKey calls converge on one key.
    await collection.createIndex({ personId: 1 }, { unique: true, name: 'personId_unique' });
    return new MongoDataKeyVault(collection, masterKey, now, ownedClient);
  }

  async getOrCreateKey(personId: string): Promise<Buffer> {
    assertPersonId(personId);
    const fresh = this.#wrapper.wrap(personId, this.#wrapper.newDataKey());
    try {
      // $setOnInsert leaves an existing key or tombstone untouched, so a racing or repeated call
      // and a call after erasure cannot replace anything.
      await this.#collection.updateOne(
        { personId },
        { $setOnInsert: { personId, wrappedKey: new Binary(fresh), createdAt: this.#now() } },
        { upsert: true },
      );
    } catch (error) {
      // Two concurrent upserts can both miss and both insert; the loser reads the winner's key.
      if (!isDuplicateKey(error)) throw error;
    }
    const doc = await this.#collection.findOne({ personId });
    // Only a concurrent drop of the collection gets here; reporting it as erasure would be a lie.
    if (!doc) throw new Error(`data key record of person ${personId} vanished after upsert`);
    if (doc.destroyedAt || !doc.wrappedKey) throw new PersonalDataErasedError(personId);
    return this.#wrapper.unwrap(personId, Buffer.from(doc.wrappedKey.buffer));
  }

  async getKey(personId: string): Promise<Buffer | undefined> {
    assertPersonId(personId);
    const doc = await this.#collection.findOne({ personId });
    if (!doc || doc.destroyedAt || !doc.wrappedKey) return undefined;
    return this.#wrapper.unwrap(personId, Buffer.from(doc.wrappedKey.buffer));
  }

  async destroyKey(personId: string, request: DestroyKeyRequest): Promise<void> {
    assertPersonId(personId);
    assertDestroyRequest(request);
    try {
      // Matching only un-destroyed documents keeps the first tombstone; the upsert covers a person
      // erased before ever getting a key, so a key cannot be created for them later.
      await this.#collection.updateOne(
        { personId, destroyedAt: { $exists: false } },
        {
          $set: { destroyedAt: request.at, reason: request.reason, actor: request.actor, tombstoneRecordedAt: this.#now() },
          $unset: { wrappedKey: '' },
        },
        { upsert: true },
      );
    } catch (error) {
      // Already destroyed: the filter missed, the upsert hit the unique index. Nothing to do.
      if (!isDuplicateKey(error)) throw error;
    }
    // The blind index and account slots go with the key (see PersonIndex).
    await this.#index().deleteMany({ personId });
    await this.#slots().deleteMany({ personId });
  }

  #index(): Collection<PersonIndexDocument> {
    return this.#collection.db.collection<PersonIndexDocument>('personIndex', { writeConcern: { w: 'majority', journal: true } });
  }

  #slots(): Collection<AccountSlotDocument> {
    return this.#collection.db.collection<AccountSlotDocument>('accountSlots', { writeConcern: { w: 'majority', journal: true } });
  }

  async findPerson(blindIndex: string): Promise<string | undefined> {
    return (await this.#index().findOne({ _id: blindIndex }))?.personId;
  }

  /** Insert-or-read on the unique _id: two racing callers end with the same person id. */
  async personFor(blindIndex: string): Promise<{ personId: string; known: boolean }> {
    try {
      const personId = newPersonId();
      await this.#index().insertOne({ _id: blindIndex, personId });
      return { personId, known: false };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const existing = await this.#index().findOne({ _id: blindIndex });
      if (!existing) throw error;
      return { personId: existing.personId, known: true };
    }
  }

  async accountKeyFor(personId: string, agencyCode: string, kind: string): Promise<{ key: string; known: boolean }> {
    assertPersonId(personId);
    if (await this.isDestroyed(personId)) throw new PersonalDataErasedError(personId);
    const _id = `${personId}\u0000${agencyCode}\u0000${kind}`;
    try {
      const key = randomHex();
      await this.#slots().insertOne({ _id, personId, agencyCode, kind, accountKey: key });
      return { key, known: false };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const existing = await this.#slots().findOne({ _id });
      if (!existing) throw error;
      return { key: existing.accountKey, known: true };
    }
  }

  async accountKeysOf(personId: string): Promise<{ agencyCode: string; kind: string; key: string }[]> {
    assertPersonId(personId);
    const docs = await this.#slots().find({ personId }).sort({ agencyCode: 1, kind: 1 }).toArray();
    return docs.map((d) => ({ agencyCode: d.agencyCode, kind: d.kind, key: d.accountKey }));
  }

  async hasPerson(personId: string): Promise<boolean> {
    assertPersonId(personId);
    if (await this.#index().findOne({ personId })) return true;
    if (await this.#slots().findOne({ personId })) return true;
    return (await this.#collection.findOne({ personId, wrappedKey: { $exists: true } })) !== null;
  }

  async isDestroyed(personId: string): Promise<boolean> {
    return (await this.getTombstone(personId)) !== undefined;
  }

  async getTombstone(personId: string): Promise<KeyTombstone | undefined> {
    assertPersonId(personId);
    const doc = await this.#collection.findOne({ personId, destroyedAt: { $exists: true } });
    if (!doc?.destroyedAt) return undefined;
    return { personId: doc.personId, destroyedAt: doc.destroyedAt, reason: doc.reason ?? '', actor: doc.actor ?? '' };
  }

  /** Closes the client only if connect() created it. */
  async close(): Promise<void> {
    await this.#client?.close();
  }
}
