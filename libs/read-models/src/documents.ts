import type { AppliedEvent, FieldCondition, Filter, FilterScalar, FindOptions, GroupCount, IndexSpec, ReadModelWrite } from './types';

/** Validation shared by both adapters, so a request one adapter refuses the other refuses too. */
export class ReadModelRequestError extends Error {
  override readonly name = 'ReadModelRequestError';
}

export const RESERVED_FIELDS = ['_id', '_position', '_deleted'] as const;
const RESERVED: ReadonlySet<string> = new Set(RESERVED_FIELDS);

// Names end up inside SQL (table names, JSON paths in index expressions, which the planner only
// matches when the path is a literal) and MongoDB field paths, so they are kept to a safe alphabet.
const COLLECTION_NAME = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;

/** Names found valid before: checked for every write of every page, and a store has a few dozen. */
const validCollections = new Set<string>();

export function assertCollectionName(name: string): void {
  if (validCollections.has(name)) return;
  if (typeof name !== 'string' || !COLLECTION_NAME.test(name)) {
    throw new ReadModelRequestError(`collection name must match ${COLLECTION_NAME}: ${JSON.stringify(name)}`);
  }
  if (validCollections.size < 1000) validCollections.add(name);
}

/** `_id` is queryable and sortable; other reserved fields are not. */
export function assertFieldName(name: string): void {
  if (name === '_id') return;
  if (typeof name !== 'string' || !FIELD_NAME.test(name)) {
    throw new ReadModelRequestError(`field name must be _id or match ${FIELD_NAME}: ${JSON.stringify(name)}`);
  }
}

export function assertProjectionName(name: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) {
    throw new ReadModelRequestError('projection name must be a non-empty string of at most 200 characters');
  }
}

export function assertPosition(position: bigint): void {
  if (typeof position !== 'bigint' || position < 0n) {
    throw new ReadModelRequestError(`position must be a non-negative bigint: ${String(position)}`);
  }
}

function assertId(id: string): void {
  if (typeof id !== 'string' || id.length === 0 || id.length > 1024) {
    throw new ReadModelRequestError('document id must be a non-empty string of at most 1024 characters');
  }
}

/**
 * The stored body as JSON text, without the store-owned fields: a projection may spread a document
 * it read (`{ ...current, n: current.n + 1 }`) and write it back. Going through JSON here is what
 * keeps the adapters identical (a Date becomes its ISO string in both, undefined disappears).
 */
/** A document already checked and serialised by bodyJson, passed on without a second round trip. */
export class SerializedDocument {
  constructor(readonly json: string) {}
}

/**
 * A document for a typed collection (ReadModelStore.declareTable), checked as bodyJson checks it and
 * kept as its fields: the store takes them as column values without making JSON text and parsing it
 * again. Its JSON, identical to bodyJson's, is made only where some reader or store needs it.
 */
export class PlainDocument {
  private json: string | undefined;
  private constructor(readonly fields: Readonly<Record<string, unknown>>) {}

  static of(document: unknown): PlainDocument {
    if (document instanceof PlainDocument) return document;
    const fields = checkedBody(document);
    return new PlainDocument(fields);
  }

  jsonText(): string {
    return (this.json ??= JSON.stringify(this.fields));
  }
}

function checkedBody(document: unknown): Record<string, unknown> {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new ReadModelRequestError('a document must be a JSON object');
  }
  // Copied field by field, leaving the reserved ones out, rather than copied whole and deleted
  // from: deleting a property turns a V8 object into a slow dictionary, which every later read of
  // its fields pays for (a projection's write of a read document — _id first — cost ≈ 5× more).
  const source = document as Record<string, unknown>;
  const body: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    if (RESERVED.has(key)) continue;
    // MongoDB refuses a top-level `$` key in a replacement document; refuse it everywhere.
    if (key.startsWith('$')) throw new ReadModelRequestError(`document field names must not start with $: ${key}`);
    body[key] = source[key];
  }
  return body;
}

export function bodyJson(document: unknown): string {
  if (document instanceof SerializedDocument) return document.json;
  if (document instanceof PlainDocument) return document.jsonText();
  return JSON.stringify(checkedBody(document));
}

export function assertWrite(write: ReadModelWrite): void {
  assertCollectionName(write.collection);
  assertId(write.id);
  if (write.type !== 'upsert' && write.type !== 'delete' && write.type !== 'set') {
    throw new ReadModelRequestError(`unknown write type: ${String((write as { type: unknown }).type)}`);
  }
}

/** The sets setFieldsBody made: handed to it again (the page passes the store what it checked), not checked twice. */
const checkedSets = new WeakSet<object>();
/** Field names a set was given before and found valid: a projection sets the same few on many documents. */
const settableFields = new Set<string>();

/**
 * The fields of a `set` write as the store keeps them: checked as a document's are, each named field
 * given a JSON value (a value JSON would drop is refused: a set of "nothing" has no meaning), and
 * passed through JSON so both adapters store the same (a Date becomes its ISO string).
 */
export function setFieldsBody(fields: unknown): Record<string, unknown> {
  // What this made before (the page hands the store the sets it checked): not checked twice.
  if (typeof fields === 'object' && fields !== null && checkedSets.has(fields)) return fields as Record<string, unknown>;
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) throw new ReadModelRequestError('the fields of a set must be a JSON object');
  const source = fields as Record<string, unknown>;
  const keys = Object.keys(source);
  if (keys.length === 0) throw new ReadModelRequestError('a set needs at least one field');
  // Strings, booleans, null and finite numbers come through JSON as they are (but -0, which is 0):
  // copied without the round trip, which cost more than the rest of a set of a flag.
  let copy: Record<string, unknown> | undefined = {};
  for (const key of keys) {
    if (!settableFields.has(key) && (key === '_id' || !FIELD_NAME.test(key))) throw new ReadModelRequestError(`a set names top-level fields matching ${FIELD_NAME}: ${JSON.stringify(key)}`);
    const v = source[key];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') throw new ReadModelRequestError(`a set needs a JSON value for ${key}`);
    if (settableFields.size < 1000) settableFields.add(key);
    if (!copy) continue;
    if (v === null || typeof v === 'string' || typeof v === 'boolean') copy[key] = v;
    else if (typeof v === 'number' && Number.isFinite(v)) copy[key] = v === 0 ? 0 : v;
    else copy = undefined;
  }
  const checked = copy ?? (JSON.parse(JSON.stringify(source)) as Record<string, unknown>);
  checkedSets.add(checked);
  return checked;
}

/** A document's body (JSON text, or a typed collection's fields) with `fields` set over it. */
function withFields(body: string | PlainDocument, fields: Record<string, unknown>): string | PlainDocument {
  if (body instanceof PlainDocument) return PlainDocument.of({ ...body.fields, ...fields });
  return JSON.stringify({ ...(JSON.parse(body) as Record<string, unknown>), ...fields });
}

export interface CollapsedWrite<Body = string> {
  collection: string;
  id: string;
  position: bigint;
  /** JSON text of the body (or, for a store that asked for them, a typed collection's fields); null for a delete. */
  body: Body | null;
}

/** A `set` write left after collapsing: applied after the batch's whole writes, in position order, each under the guard. */
export interface CollapsedSet {
  collection: string;
  id: string;
  position: bigint;
  /** Checked and passed through JSON (setFieldsBody). */
  fields: Record<string, unknown>;
}

export interface CollapsedBatch<Body = string> {
  writes: CollapsedWrite<Body>[];
  /** Every set of a document comes after its whole write here, with a higher position; sets of one document in position order. */
  sets: CollapsedSet[];
  lastPosition: bigint | undefined;
}

/**
 * The outcome of a batch per document: the guard makes each document a last-writer-wins register
 * ordered by position, so only the highest-positioned whole write (upsert or delete) to it matters.
 * A set after it (a higher position) still does, applied over it; one of the same event is merged
 * into it (as "the last write of an event wins"), and one before it is overwritten by it.
 */
export function collapseBatch(batch: readonly AppliedEvent[]): CollapsedBatch;
export function collapseBatch(batch: readonly AppliedEvent[], keepPlain: true): CollapsedBatch<string | PlainDocument>;
export function collapseBatch(batch: readonly AppliedEvent[], keepPlain = false): CollapsedBatch<string | PlainDocument> {
  const byDocument = new Map<string, CollapsedWrite<string | PlainDocument>>();
  const setsByDocument = new Map<string, CollapsedSet[]>();
  let lastPosition: bigint | undefined;
  for (const entry of batch) {
    assertPosition(entry.position);
    if (lastPosition === undefined || entry.position > lastPosition) lastPosition = entry.position;
    for (const write of entry.writes) {
      assertWrite(write);
      const key = `${write.collection}\u0000${write.id}`;
      const seen = byDocument.get(key);
      if (seen && seen.position > entry.position) continue;
      if (write.type === 'set') {
        const fields = setFieldsBody(write.fields);
        if (seen && seen.position === entry.position) {
          if (seen.body !== null) seen.body = withFields(seen.body, fields);
          continue;
        }
        const sets = setsByDocument.get(key);
        const same = sets?.find((s) => s.position === entry.position);
        if (same) same.fields = { ...same.fields, ...fields };
        else if (sets) sets.push({ collection: write.collection, id: write.id, position: entry.position, fields });
        else setsByDocument.set(key, [{ collection: write.collection, id: write.id, position: entry.position, fields }]);
        continue;
      }
      byDocument.set(key, {
        collection: write.collection,
        id: write.id,
        position: entry.position,
        body: write.type === 'upsert' ? (keepPlain && write.document instanceof PlainDocument ? write.document : bodyJson(write.document)) : null,
      });
      const sets = setsByDocument.get(key);
      if (sets) {
        const later = sets.filter((s) => s.position > entry.position);
        if (later.length > 0) setsByDocument.set(key, later);
        else setsByDocument.delete(key);
      }
    }
  }
  const sets: CollapsedSet[] = [];
  for (const list of setsByDocument.values()) {
    if (list.length > 1) list.sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
    for (const s of list) sets.push(s);
  }
  return { writes: [...byDocument.values()], sets, lastPosition };
}

export type ConditionOp = 'eq' | 'ne' | 'in' | 'lt' | 'lte' | 'gt' | 'gte';

export type Condition =
  | { field: string; op: 'eq' | 'ne'; value: FilterScalar }
  | { field: string; op: 'in'; value: readonly FilterScalar[] }
  | { field: string; op: 'lt' | 'lte' | 'gt' | 'gte'; value: string | number };

const OPERATORS: Record<string, ConditionOp> = {
  $eq: 'eq',
  $ne: 'ne',
  $in: 'in',
  $lt: 'lt',
  $lte: 'lte',
  $gt: 'gt',
  $gte: 'gte',
};

function isScalar(value: unknown): value is FilterScalar {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

/** The filter as a flat AND of conditions, validated once for both adapters. */
export function parseFilter(filter: Filter = {}): Condition[] {
  if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) {
    throw new ReadModelRequestError('a filter must be an object');
  }
  const conditions: Condition[] = [];
  for (const [field, spec] of Object.entries(filter)) {
    assertFieldName(field);
    if (isScalar(spec)) {
      conditions.push({ field, op: 'eq', value: spec });
      continue;
    }
    if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
      throw new ReadModelRequestError(`filter on ${field} must be a scalar or an operator object`);
    }
    const operators = Object.entries(spec as FieldCondition);
    if (operators.length === 0) throw new ReadModelRequestError(`filter on ${field} has no operator`);
    for (const [name, value] of operators) {
      const op = OPERATORS[name];
      if (!op) throw new ReadModelRequestError(`unsupported operator ${name} on ${field}`);
      if (op === 'in') {
        if (!Array.isArray(value) || !value.every(isScalar)) {
          throw new ReadModelRequestError(`$in on ${field} needs an array of scalars`);
        }
        conditions.push({ field, op, value });
      } else if (op === 'eq' || op === 'ne') {
        if (!isScalar(value)) throw new ReadModelRequestError(`${name} on ${field} needs a scalar`);
        conditions.push({ field, op, value });
      } else {
        if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) {
          throw new ReadModelRequestError(`${name} on ${field} needs a string or a finite number`);
        }
        conditions.push({ field, op, value });
      }
    }
  }
  return conditions;
}

export interface ParsedFindOptions {
  sort: Array<[field: string, direction: 1 | -1]>;
  limit: number | undefined;
  fields?: readonly string[];
}

export function parseFindOptions(options: FindOptions = {}): ParsedFindOptions {
  const sort: Array<[string, 1 | -1]> = [];
  for (const [field, direction] of Object.entries(options.sort ?? {})) {
    assertFieldName(field);
    if (direction !== 1 && direction !== -1) throw new ReadModelRequestError(`sort direction for ${field} must be 1 or -1`);
    sort.push([field, direction]);
  }
  if (!sort.some(([field]) => field === '_id')) sort.push(['_id', 1]);
  const { limit } = options;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    // MongoDB reads limit(0) as "no limit" and SQLite as "nothing": refuse the ambiguity.
    throw new ReadModelRequestError('limit must be a positive integer');
  }
  if (options.fields === undefined) return { sort, limit };
  const fields = options.fields;
  if (!Array.isArray(fields) || fields.length === 0) throw new ReadModelRequestError('fields must be a non-empty list of field names');
  for (const field of fields) {
    if (field === '_id' || typeof field !== 'string' || !FIELD_NAME.test(field)) throw new ReadModelRequestError(`fields names top-level fields matching ${FIELD_NAME}: ${JSON.stringify(field)}`);
  }
  if (new Set(fields).size !== fields.length) throw new ReadModelRequestError('fields must not name a field twice');
  return { sort, limit, fields };
}

export function assertIndexes(indexes: readonly IndexSpec[]): void {
  for (const index of indexes) {
    if (!index || !Array.isArray(index.fields) || index.fields.length === 0) {
      throw new ReadModelRequestError('an index needs at least one field');
    }
    index.fields.forEach(assertFieldName);
  }
}

/** Deep-freezes a JSON value: what a projection reads must not be edited in place behind the store's back. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    // Only objects are visited, without an array of the values: every document a projection reads
    // comes through here (a logged query's 24 fields, read back for each line listed), and this
    // halves the cost against recursing into Object.values.
    if (Array.isArray(value)) {
      for (const child of value) if (child !== null && typeof child === 'object') deepFreeze(child);
    } else {
      for (const key in value) {
        const child = (value as Record<string, unknown>)[key];
        if (child !== null && typeof child === 'object') deepFreeze(child);
      }
    }
  }
  return value;
}

/** A filter with its `$or`: the conditions ANDed, and when present, alternatives of which one must match. */
export interface FilterTree {
  conditions: Condition[];
  or?: FilterTree[];
  and?: FilterTree[];
}

/** parseFilter, with `$or` (ReadModelStore filters): validated once for both adapters. */
export function parseFilterTree(filter: Filter = {}): FilterTree {
  if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) {
    throw new ReadModelRequestError('a filter must be an object');
  }
  const { $or, $and, ...fields } = filter;
  const tree: FilterTree = { conditions: parseFilter(fields) };
  const branches = (name: '$or' | '$and', list: unknown): FilterTree[] | undefined => {
    if (!Object.prototype.hasOwnProperty.call(filter, name)) return undefined;
    // MongoDB refuses an empty list; refuse it everywhere rather than guess "nothing" or "everything".
    if (!Array.isArray(list) || list.length === 0) throw new ReadModelRequestError(`${name} needs a non-empty array of filters`);
    return list.map((branch: Filter) => parseFilterTree(branch));
  };
  const or = branches('$or', $or);
  const and = branches('$and', $and);
  if (or) tree.or = or;
  if (and) tree.and = and;
  return tree;
}

export function assertGroupFields(fields: readonly string[]): void {
  if (!Array.isArray(fields)) throw new ReadModelRequestError('group fields must be an array of field names');
  fields.forEach(assertFieldName);
  if (new Set(fields).size !== fields.length) throw new ReadModelRequestError('a group field is named twice');
}

// MongoDB's order of types, which both adapters follow for groups: null, numbers, strings, booleans.
const TYPE_RANK = { object: 0, number: 1, string: 2, boolean: 3 } as const;
function compareScalars(a: FilterScalar, b: FilterScalar): number {
  const ra = TYPE_RANK[typeof a as keyof typeof TYPE_RANK];
  const rb = TYPE_RANK[typeof b as keyof typeof TYPE_RANK];
  if (ra !== rb) return ra - rb;
  return a === b ? 0 : (a as string | number | boolean) < (b as string | number | boolean) ? -1 : 1;
}

/**
 * Groups as both adapters answer them: rows the store split (SQLite keeps null and missing apart)
 * merged by value, ordered by their values field by field.
 */
export function mergeGroups(fields: readonly string[], rows: Iterable<GroupCount>): GroupCount[] {
  const merged = new Map<string, GroupCount>();
  for (const row of rows) {
    const key = JSON.stringify(fields.map((f) => [typeof row.group[f], row.group[f]]));
    const seen = merged.get(key);
    if (seen) seen.count += row.count;
    else merged.set(key, { group: { ...row.group }, count: row.count });
  }
  return [...merged.values()].sort((a, b) => {
    for (const f of fields) {
      const c = compareScalars(a.group[f], b.group[f]);
      if (c !== 0) return c;
    }
    return 0;
  });
}
