/**
 * The read-model port: named collections of JSON documents keyed by a string id, written only by
 * projections and read by queries. Every document remembers the global position of the last event
 * applied to it; a write from an event at or before that position is skipped, which is what makes
 * replaying events harmless (STYLE.md point 4).
 */

/** A document's own fields. JSON values only: the stores keep exactly what JSON.stringify keeps. */
export type DocumentBody = Record<string, unknown>;

/** Fields the store owns on every document; projections cannot set them. */
export interface DocumentMeta {
  _id: string;
  /** Decimal string of the global position of the last event applied (bigint does not survive JSON). */
  _position: string;
}

export type StoredDocument<T extends object = DocumentBody> = T & DocumentMeta;

export type ReadModelWrite =
  /** Replaces the whole document; a projection that merges reads the current one first. */
  | { type: 'upsert'; collection: string; id: string; document: DocumentBody }
  /** Leaves a tombstone carrying the position, so an older upsert replayed later cannot revive it. */
  | { type: 'delete'; collection: string; id: string }
  /**
   * Sets the given top-level fields of the live document under `id`, keeping its other fields, and
   * gives it the write's position: what an upsert of the document read, spread and changed would
   * store, without reading it. Under the same guard (skipped when the stored position is at or
   * after the write's), and nothing at all when there is no live document (none, or a tombstone).
   */
  | { type: 'set'; collection: string; id: string; fields: DocumentBody };

export function upsert(collection: string, id: string, document: DocumentBody): ReadModelWrite {
  return { type: 'upsert', collection, id, document };
}

export function remove(collection: string, id: string): ReadModelWrite {
  return { type: 'delete', collection, id };
}

/** See ReadModelWrite `set`: fields of an existing document changed without reading it first. */
export function setFields(collection: string, id: string, fields: DocumentBody): ReadModelWrite {
  return { type: 'set', collection, id, fields };
}

/** The writes one event causes. */
export interface AppliedEvent {
  position: bigint;
  writes: readonly ReadModelWrite[];
}

/** What the store holds under one id, tombstones included (document undefined). */
export interface DocumentEntry {
  position: bigint;
  document: StoredDocument | undefined;
}

export type FilterScalar = string | number | boolean | null;

/** Operators on one top-level scalar field; several on one field are ANDed. */
export interface FieldCondition {
  $eq?: FilterScalar;
  $ne?: FilterScalar;
  $in?: readonly FilterScalar[];
  /** Ranges compare like with like: a string bound matches only strings, a number bound only numbers. */
  $lt?: string | number;
  $lte?: string | number;
  $gt?: string | number;
  $gte?: string | number;
}

/**
 * Conditions on top-level fields, ANDed: `{ agency: 'a-1', state: 'overdue', dueAt: { $lte: t } }`.
 * `null` matches a missing field too. Arrays and objects are not filterable (the adapters would
 * disagree: MongoDB matches array elements, SQLite does not).
 *
 * `$or` (the one key that is not a field) takes a non-empty list of filters, at least one of which
 * must match, ANDed with the rest: `{ createdAt: { $lte: t }, $or: [{ metAt: null }, { metAt: { $gt: t } }] }`.
 * It is what a state judged at a time needs (a fulfilment not yet made *or* made later). `$and`
 * (a non-empty list of filters, all of which must match) lets several `$or`s stand side by side.
 */
export type Filter = { [field: string]: FilterScalar | FieldCondition | readonly Filter[] | undefined; $or?: readonly Filter[]; $and?: readonly Filter[] };

/** One group of ReadModelStore.countBy: the group fields' values (null for a missing field) and how many documents hold them. */
export interface GroupCount {
  group: Record<string, FilterScalar>;
  count: number;
}

export interface FindOptions {
  /** Keys in order of precedence; ties are broken by `_id` ascending so both adapters agree. */
  sort?: Record<string, 1 | -1>;
  limit?: number;
  /**
   * Only these top-level fields of each document, besides `_id` and `_position`: what a full find
   * returns, restricted to them (a field a document lacks stays absent). For a listing that needs a
   * few fields of many documents, without building each whole document.
   */
  fields?: readonly string[];
}

/** An ascending compound index over top-level fields, declared by the projection that owns the collection. */
export interface IndexSpec {
  fields: readonly string[];
}

/** How a typed collection stores one top-level field (see ReadModelStore.declareTable). */
export type ColumnType = 'text' | 'integer' | 'boolean' | 'json';

/**
 * The columns of a typed collection: every field its documents may hold, each with one type. A
 * value of another type is refused at write; a field stored as null (or absent) reads back as null.
 * Only scalar columns are filterable and sortable, as in any collection.
 */
export interface TableSpec {
  columns: Readonly<Record<string, ColumnType>>;
}

export interface ReadModelHealth {
  store: 'embedded-sqlite' | 'mongodb';
  ok: boolean;
  detail?: string;
}

/** Who runs a projection: one holder at a time, until `expiresAt` unless renewed. */
export interface ProjectionLease {
  holder: string;
  /** Milliseconds since the epoch, by the clock of the instance that took or renewed it. */
  expiresAt: number;
}

export interface ReadModelStore {
  readonly kind: ReadModelHealth['store'];
  get<T extends object = DocumentBody>(collection: string, id: string): Promise<StoredDocument<T> | undefined>;
  /** Like get, but also reports a tombstone's position: the runner needs it to mirror the idempotency guard. */
  getEntry(collection: string, id: string): Promise<DocumentEntry | undefined>;
  /**
   * getEntry of each id, in one read of the store (answers in the order of `ids`; a repeated id is
   * answered each time). A projection's page reads the documents of hundreds of lines at once: one
   * probe each from JavaScript cost ≈ 6 µs, against ≈ 1 µs each inside one statement.
   */
  getEntries(collection: string, ids: readonly string[]): Promise<(DocumentEntry | undefined)[]>;
  find<T extends object = DocumentBody>(collection: string, filter?: Filter, options?: FindOptions): Promise<StoredDocument<T>[]>;
  /**
   * How many live documents match `filter`, per distinct combination of the values of `groupFields`
   * (top-level scalar fields, as filters take them; a missing field groups as null, and `true` and
   * `1` are different groups), counted by the store without reading the documents out: SQL
   * GROUP BY, MongoDB `$group`. No group fields: one group (`{}`) with the total, even when 0.
   * Groups come in ascending order of their values, type-bracketed as sorts are (null first).
   */
  countBy(collection: string, filter?: Filter, groupFields?: readonly string[]): Promise<GroupCount[]>;
  /** applyBatch with one event. */
  applyEvent(projection: string, position: bigint, writes: readonly ReadModelWrite[]): Promise<void>;
  /**
   * Applies the writes of several events and advances the projection's checkpoint to the highest
   * position in the batch, as one unit. A write is skipped when the stored document (or tombstone)
   * already carries a position at or after the write's; the checkpoint never moves backwards.
   */
  applyBatch(projection: string, batch: readonly AppliedEvent[]): Promise<void>;
  /** Position of the last event the projection has applied, or undefined before its first. */
  checkpoint(projection: string): Promise<bigint | undefined>;
  /** Forgets the projection's checkpoint and every document (and tombstone) in its collections, for a rebuild. */
  drop(projection: string, collections: readonly string[]): Promise<void>;
  /**
   * Optional and idempotent: stores the collection's documents as typed rows instead of JSON text,
   * for a collection of many small flat documents (a row per logged query), where parsing JSON for
   * every index on every write is most of the cost. Reads and writes answer exactly as for a plain
   * collection. An adapter without it (MongoDB) keeps documents. Refused when the collection already
   * holds documents in another form: raise the projection's version so it is dropped and rebuilt.
   */
  declareTable?(collection: string, spec: TableSpec): Promise<void>;
  /** Idempotent; indexes are part of the code, not of a migration step. */
  declareIndexes(collection: string, indexes: readonly IndexSpec[]): Promise<void>;
  /**
   * Takes or renews the lease on running `projection` for `holder` until `now + ttlMs`: succeeds
   * when nobody holds it, `holder` already does, or the holder's lease has expired (it died or hung).
   * Atomic across processes sharing the store. Returns whether `holder` now holds it.
   */
  acquireLease(projection: string, holder: string, ttlMs: number, now?: number): Promise<boolean>;
  /** Gives the lease up at once (a clean shutdown), if `holder` holds it. */
  releaseLease(projection: string, holder: string): Promise<void>;
  /** The current lease, expired or not; undefined when none was ever taken or it was released. */
  lease(projection: string): Promise<ProjectionLease | undefined>;
  health(): Promise<ReadModelHealth>;
  close(): Promise<void>;
}
