import { Long, MongoBulkWriteError, MongoClient, type AnyBulkWriteOperation, type Collection, type Db, type Document } from 'mongodb';
import {
  assertCollectionName,
  assertIndexes,
  assertProjectionName,
  collapseBatch,
  assertGroupFields,
  mergeGroups,
  parseFilterTree,
  parseFindOptions,
  type CollapsedSet,
  type CollapsedWrite,
  type FilterTree,
} from '../documents';
import type {
  AppliedEvent,
  DocumentBody,
  DocumentEntry,
  Filter,
  FilterScalar,
  FindOptions,
  GroupCount,
  IndexSpec,
  ReadModelHealth,
  ReadModelStore,
  ReadModelWrite,
  StoredDocument,
} from '../types';

export interface MongoReadModelStoreOptions {
  /** A mongodb:// URL. */
  url: string;
  dbName?: string;
  /** A few seconds, so an absent server fails start-up quickly instead of after the driver's 30 s default. */
  serverSelectionTimeoutMS?: number;
}

export const DEFAULT_READ_MODEL_DB = 'webir-ledger-read-models';
/** Leading underscore: collection names accepted from projections start with a letter, so no clash. */
export const CHECKPOINTS_COLLECTION = '_checkpoints';
export const LEASES_COLLECTION = '_leases';

interface LeaseDocument {
  _id: string;
  holder: string;
  expiresAt: number;
}

const DUPLICATE_KEY = 11000;

interface MongoDocument extends Document {
  _id: string;
  _position: Long | number | bigint;
  _deleted?: true;
}

interface CheckpointDocument extends Document {
  _id: string;
  position: Long | number | bigint;
}

/** promoteLongs turns small Int64s into numbers and leaves larger ones as Long; accept every form. */
function toBigInt(value: Long | number | bigint): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(value);
  return value.toBigInt();
}

function fromMongo(raw: MongoDocument): DocumentEntry {
  const { _id, _position, _deleted, ...body } = raw;
  const position = toBigInt(_position);
  return { position, document: _deleted ? undefined : { _id, _position: position.toString(), ...(body as DocumentBody) } };
}

/** A parsed filter as a MongoDB query: each field's operators together, `$or` and `$and` as MongoDB's own. */
function mongoQuery(tree: FilterTree): Document {
  const query: Document = {};
  for (const condition of tree.conditions) {
    const operators: Document = (query[condition.field] ??= {});
    operators[`$${condition.op}`] = condition.value;
  }
  if (tree.or) query.$or = tree.or.map(mongoQuery);
  if (tree.and) query.$and = tree.and.map(mongoQuery);
  return query;
}

/** A bulk failure made only of refused guarded upserts is the idempotency guard at work, not an error. */
function onlyGuardRefusals(error: unknown): boolean {
  if (!(error instanceof MongoBulkWriteError)) return false;
  const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
  return writeErrors.length > 0 && writeErrors.every((w) => w.code === DUPLICATE_KEY) && !error.result.getWriteConcernError();
}

/**
 * Read models in MongoDB through the official driver, one MongoDB collection per read-model
 * collection, `_position` stored as Int64 so that the guard compares numbers.
 *
 * No multi-document transaction (a standalone server, as in testcontainers, has none), and none is
 * needed for idempotency: every document write is a single-document conditional replace
 * `{_id, _position: {$lt: p}}` with upsert, which the server applies atomically or refuses (as a
 * duplicate-key error on _id when a newer version exists); the checkpoint is written only after
 * all of a batch's document writes succeeded. A crash in between leaves the checkpoint behind the
 * documents, so the runner replays from the older checkpoint and the guard refuses every write it
 * already made: the result is the same as one clean pass. Readers may meanwhile see documents
 * slightly ahead of the checkpoint, which is harmless because the checkpoint is only a lower bound.
 */
export class MongoReadModelStore implements ReadModelStore {
  readonly kind = 'mongodb' as const;
  private readonly checkpoints: Collection<CheckpointDocument>;
  private readonly leases: Collection<LeaseDocument>;

  private constructor(
    private readonly db: Db,
    private readonly ownedClient?: MongoClient,
  ) {
    this.checkpoints = db.collection<CheckpointDocument>(CHECKPOINTS_COLLECTION);
    this.leases = db.collection<LeaseDocument>(LEASES_COLLECTION);
  }

  /** Connects and owns the client (close() disconnects it). */
  static async connect(options: MongoReadModelStoreOptions): Promise<MongoReadModelStore> {
    const client = new MongoClient(options.url, { serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 3_000 });
    try {
      await client.connect();
      const store = new MongoReadModelStore(client.db(options.dbName ?? DEFAULT_READ_MODEL_DB), client);
      await store.db.command({ ping: 1 });
      return store;
    } catch (error) {
      await client.close().catch(() => undefined);
      throw error;
    }
  }

  /** Uses a database whose client the caller owns. */
  static fromDb(db: Db): MongoReadModelStore {
    return new MongoReadModelStore(db);
  }

  private collection(name: string): Collection<MongoDocument> {
    assertCollectionName(name);
    return this.db.collection<MongoDocument>(name);
  }

  async get<T extends object = DocumentBody>(collection: string, id: string): Promise<StoredDocument<T> | undefined> {
    return (await this.getEntry(collection, id))?.document as StoredDocument<T> | undefined;
  }

  async getEntry(collection: string, id: string): Promise<DocumentEntry | undefined> {
    const raw = await this.collection(collection).findOne({ _id: id });
    return raw ? fromMongo(raw) : undefined;
  }

  async getEntries(collection: string, ids: readonly string[]): Promise<(DocumentEntry | undefined)[]> {
    if (ids.length === 0) return [];
    const byId = new Map<string, DocumentEntry>();
    for (const raw of await this.collection(collection).find({ _id: { $in: [...new Set(ids)] } }).toArray()) byId.set(raw._id, fromMongo(raw));
    return ids.map((id) => byId.get(id));
  }

  async find<T extends object = DocumentBody>(collection: string, filter?: Filter, options?: FindOptions): Promise<StoredDocument<T>[]> {
    const target = this.collection(collection);
    const tree = parseFilterTree(filter);
    const { sort, limit, fields } = parseFindOptions(options);
    const query: Document = { _deleted: { $exists: false }, ...mongoQuery(tree) };
    let cursor = target.find(query).sort(Object.fromEntries(sort));
    if (fields) cursor = cursor.project<MongoDocument>({ _position: 1, ...Object.fromEntries(fields.map((f) => [f, 1])) });
    if (limit !== undefined) cursor = cursor.limit(limit);
    const raws = await cursor.toArray();
    return raws.map((raw) => fromMongo(raw).document as StoredDocument<T>);
  }

  async countBy(collection: string, filter?: Filter, groupFields: readonly string[] = []): Promise<GroupCount[]> {
    const target = this.collection(collection);
    const tree = parseFilterTree(filter);
    assertGroupFields(groupFields);
    // $ifNull: a missing field groups with null, as in SQLite (MongoDB would otherwise keep them apart).
    const id = Object.fromEntries(groupFields.map((f, i) => [`g${i}`, { $ifNull: [`$${f}`, null] }]));
    const rows = await target
      .aggregate<{ _id: Record<string, FilterScalar>; count: number }>([
        { $match: { _deleted: { $exists: false }, ...mongoQuery(tree) } },
        { $group: { _id: id, count: { $sum: 1 } } },
      ])
      .toArray();
    const groups = mergeGroups(
      groupFields,
      rows.map((row) => ({ group: Object.fromEntries(groupFields.map((f, i) => [f, row._id[`g${i}`] ?? null])), count: Number(row.count) })),
    );
    return groups.length === 0 && groupFields.length === 0 ? [{ group: {}, count: 0 }] : groups;
  }

  async applyEvent(projection: string, position: bigint, writes: readonly ReadModelWrite[]): Promise<void> {
    return this.applyBatch(projection, [{ position, writes }]);
  }

  async applyBatch(projection: string, batch: readonly AppliedEvent[]): Promise<void> {
    assertProjectionName(projection);
    if (batch.length === 0) return;
    // Collapsing to one write per document also keeps two upserts of one new _id out of the same
    // unordered bulk, where they could race and the losing (possibly newer) one be refused.
    const { writes, sets, lastPosition } = collapseBatch(batch);
    await Promise.all([...byCollection(writes)].map(([collection, list]) => this.bulkGuarded(collection, list)));
    // After the whole writes they follow (collapseBatch gives each set a higher position than its
    // document's whole write), ordered so that two sets of one document apply in position order.
    await Promise.all([...byCollection(sets)].map(([collection, list]) => this.bulkSets(collection, list)));
    if (lastPosition !== undefined) {
      await this.checkpoints.updateOne(
        { _id: projection },
        { $max: { position: Long.fromBigInt(lastPosition) } },
        { upsert: true },
      );
    }
  }

  private async bulkGuarded(collection: string, writes: readonly CollapsedWrite[]): Promise<void> {
    const operations: AnyBulkWriteOperation<MongoDocument>[] = writes.map((write) => {
      const position = Long.fromBigInt(write.position);
      // Bodies arrive as JSON text, so what MongoDB stores is what the SQLite adapter stores.
      const replacement: Document =
        write.body === null ? { _position: position, _deleted: true } : { _position: position, ...(JSON.parse(write.body) as Document) };
      return {
        replaceOne: {
          filter: { _id: write.id, _position: { $lt: position } },
          replacement: replacement as MongoDocument,
          upsert: true,
        },
      };
    });
    try {
      // Unordered is safe: the guard makes the outcome independent of the order of the writes.
      await this.collection(collection).bulkWrite(operations, { ordered: false });
    } catch (error) {
      if (!onlyGuardRefusals(error)) throw error;
    }
  }

  /**
   * A set changes the live document only, under the same guard as a replace, and never creates one
   * (no upsert): a filter that misses is the guard or an absent document, not an error.
   */
  private async bulkSets(collection: string, sets: readonly CollapsedSet[]): Promise<void> {
    const operations: AnyBulkWriteOperation<MongoDocument>[] = sets.map((s) => {
      const position = Long.fromBigInt(s.position);
      return {
        updateOne: {
          filter: { _id: s.id, _position: { $lt: position }, _deleted: { $exists: false } },
          update: { $set: { ...(s.fields as Document), _position: position } },
        },
      };
    });
    await this.collection(collection).bulkWrite(operations, { ordered: true });
  }

  async checkpoint(projection: string): Promise<bigint | undefined> {
    const doc = await this.checkpoints.findOne({ _id: projection });
    return doc ? toBigInt(doc.position) : undefined;
  }

  async drop(projection: string, collections: readonly string[]): Promise<void> {
    assertProjectionName(projection);
    collections.forEach(assertCollectionName);
    // Checkpoint first: interrupted after it, a restart replays from the start over what is left
    // (guarded, so nothing doubles); the other order could resume at the old checkpoint over
    // emptied collections and silently miss everything before it. Run an interrupted rebuild again.
    await this.checkpoints.deleteOne({ _id: projection });
    for (const collection of collections) await this.collection(collection).deleteMany({});
  }

  async declareIndexes(collection: string, indexes: readonly IndexSpec[]): Promise<void> {
    assertIndexes(indexes);
    if (indexes.length === 0) return;
    await this.collection(collection).createIndexes(
      indexes.map((index) => ({ key: Object.fromEntries(index.fields.map((field) => [field, 1] as const)) })),
    );
  }

  /**
   * Upsert guarded by the filter: when another holder's unexpired lease exists the filter misses,
   * the upsert tries to insert the same _id and fails with a duplicate key, i.e. not acquired.
   */
  async acquireLease(projection: string, holder: string, ttlMs: number, now = Date.now()): Promise<boolean> {
    assertProjectionName(projection);
    try {
      await this.leases.updateOne(
        { _id: projection, $or: [{ holder }, { expiresAt: { $lt: now } }] },
        { $set: { holder, expiresAt: now + ttlMs } },
        { upsert: true },
      );
      return true;
    } catch (error) {
      if ((error as { code?: unknown }).code === DUPLICATE_KEY) return false;
      throw error;
    }
  }

  async releaseLease(projection: string, holder: string): Promise<void> {
    await this.leases.deleteOne({ _id: projection, holder });
  }

  async lease(projection: string): Promise<{ holder: string; expiresAt: number } | undefined> {
    const doc = await this.leases.findOne({ _id: projection });
    return doc ? { holder: doc.holder, expiresAt: Number(doc.expiresAt) } : undefined;
  }

  async health(): Promise<ReadModelHealth> {
    try {
      await this.db.command({ ping: 1 });
      return { store: this.kind, ok: true, detail: this.db.databaseName };
    } catch (error) {
      return { store: this.kind, ok: false, detail: (error as Error).message };
    }
  }

  async close(): Promise<void> {
    await this.ownedClient?.close();
  }
}

/** Writes grouped by collection, in order within each: one bulk request per collection. */
function byCollection<W extends { collection: string }>(writes: readonly W[]): Map<string, W[]> {
  const groups = new Map<string, W[]>();
  for (const write of writes) {
    const list = groups.get(write.collection);
    if (list) list.push(write);
    else groups.set(write.collection, [write]);
  }
  return groups;
}
