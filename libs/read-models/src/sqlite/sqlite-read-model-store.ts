import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { busyAsUnavailable, leaveCheckpointsElsewhere, startWalCheckpointer, type WalCheckpointer } from '@ledger/event-store';
import {
  assertCollectionName,
  assertIndexes,
  assertProjectionName,
  collapseBatch,
  parseFilterTree,
  assertGroupFields,
  mergeGroups,
  type FilterTree,
  PlainDocument,
  parseFindOptions,
  ReadModelRequestError,
  type Condition,
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
  ColumnType,
  TableSpec,
} from '../types';

export interface SqliteReadModelStoreOptions {
  /** File path, or ':memory:' for a throwaway store. */
  file: string;
  /**
   * `background`: WAL checkpoints on a thread of their own, as the event store's (the service's and
   * the projector's read models use it); `elsewhere`: a second connection of a process whose first
   * one checkpoints in the background (leaveCheckpointsElsewhere); default `in-commit`, SQLite's
   * own. Ignored for ':memory:'.
   */
  checkpoints?: 'in-commit' | 'background' | 'elsewhere';
  /** How long a write waits for another connection's write lock before it is refused (default 5,000 ms). */
  busyTimeoutMs?: number;
}

/** A write refused for another connection's write lock: retryable (see busyAsUnavailable). */
function unlessBusy<T>(write: () => T): T {
  try {
    return write();
  } catch (error) {
    throw busyAsUnavailable(error, 'read-model file');
  }
}

interface CollectionStatements {
  table: string;
  /** The stored entry under one id (document undefined: a tombstone). */
  read(id: string): DocumentEntry | undefined;
  /** `read` of each id, by statements of IN lists. */
  readMany(ids: readonly string[]): (DocumentEntry | undefined)[];
  /** Writes under the position guard; body null leaves a tombstone. */
  write(id: string, position: bigint, body: string | PlainDocument | null): void;
  /** A `set` write (ReadModelWrite): the live document's given fields, under the guard; nothing without a live document. */
  set(id: string, position: bigint, fields: Readonly<Record<string, unknown>>): void;
  /** SQL of a field's value, and of one condition on it (pushing its parameters). */
  valueExpr(field: string): string;
  condition(condition: Condition, params: unknown[]): string;
  /** The SELECT list and the document of one selected row (an array when `raw`). */
  select: string;
  /** Rows as arrays with plain numbers (typed tables): better-sqlite3 builds an object and a BigInt per integer column otherwise. */
  raw?: boolean;
  /** A typed table's column types by field; undefined for a collection of JSON documents. */
  types?: ReadonlyMap<string, ColumnType>;
  /** The SQL term that holds for every live row (not a tombstone). */
  live: string;
  document(row: Record<string, unknown> | unknown[]): StoredDocument;
  /** The SELECT list and document of a find restricted to some fields (FindOptions.fields). */
  only(fields: readonly string[]): { select: string; document(row: Record<string, unknown> | unknown[]): StoredDocument };
}

const CHECKPOINTS_SQL = `
CREATE TABLE IF NOT EXISTS projection_checkpoints (
  projection TEXT PRIMARY KEY,
  position   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS projection_leases (
  projection TEXT PRIMARY KEY,
  holder     TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
`;

/** Table of a collection: prefixed, so no collection name can collide with projection_checkpoints. */
const tableOf = (collection: string) => `"doc_${collection}"`;
/** Table of a typed collection (declareTable), and the column of one of its fields. */
const typedTableOf = (collection: string) => `tab_${collection}`;
const columnOf = (field: string) => `"f_${field}"`;
const SQL_TYPES: Record<ColumnType, string> = { text: 'TEXT', integer: 'INTEGER', boolean: 'BOOLEAN', json: 'JSON' };
const specKey = (spec: TableSpec) => JSON.stringify(Object.entries(spec.columns));

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');
/** IN lists of these sizes only (a short list is padded with its first id): three statements per table, not one per length. */
const IN_SIZES = [16, 64, 256] as const;

/**
 * `readMany` of a table: ids in IN lists of at most 256, each answered through a statement made
 * once per list size. A row's entry is found by its id, so padding and repeated ids cost nothing.
 */
function manyReader<R>(prepare: (size: number) => Database.Statement<string[], R>, entry: (row: R) => [string, DocumentEntry]) {
  const bySize = new Map<number, Database.Statement<string[], R>>();
  return (ids: readonly string[]): (DocumentEntry | undefined)[] => {
    const found = new Map<string, DocumentEntry>();
    const max = IN_SIZES[IN_SIZES.length - 1];
    for (let start = 0; start < ids.length; start += max) {
      const part = ids.slice(start, start + max);
      const size = IN_SIZES.find((s) => s >= part.length)!;
      let statement = bySize.get(size);
      if (!statement) bySize.set(size, (statement = prepare(size)));
      while (part.length < size) part.push(part[0]);
      for (const row of statement.all(...part)) {
        const [id, e] = entry(row);
        found.set(id, e);
      }
    }
    return ids.map((id) => found.get(id));
  };
}

// Field names are validated against a safe alphabet before they reach here; the path stays a
// literal so that a query's expression is the very expression of the index and the planner uses it.
function valueExpr(field: string): string {
  return field === '_id' ? 'id' : `json_extract(body, '$.${field}')`;
}

function typeExpr(field: string): string {
  return field === '_id' ? `'text'` : `json_type(body, '$.${field}')`;
}

/**
 * The embedded default. One table per collection, `(id PRIMARY KEY, position, body JSON)`, rather
 * than one shared documents table: each collection's expression indexes then cover only its own
 * rows and match queries without partial-index conditions (which SQLite cannot match against a
 * bound collection parameter), a point read is one primary-key probe, and dropping a collection
 * for a rebuild is SQLite's truncate fast path. A tombstone is a row whose body is NULL.
 */
export class SqliteReadModelStore implements ReadModelStore {
  readonly kind = 'embedded-sqlite' as const;
  private readonly db: Database.Database;
  private readonly collections = new Map<string, CollectionStatements>();
  private readonly findStatements = new Map<string, Database.Statement<unknown[], Record<string, unknown>>>();
  /** Typed tables this connection declared or found as declared: projectEvents declares them on every page. */
  private readonly declaredTables = new Map<string, string>();
  private readonly readCheckpoint: Database.Statement<[string], { position: bigint }>;
  private readonly writeCheckpoint: Database.Statement<[string, bigint]>;
  private readonly deleteCheckpoint: Database.Statement<[string]>;
  private readonly takeLease: Database.Statement<[{ projection: string; holder: string; expires: number; now: number }]>;
  private readonly readLease: Database.Statement<[string], { holder: string; expires_at: number }>;
  private readonly dropLease: Database.Statement<[string, string]>;
  private readonly runBatch: (projection: string, batch: readonly AppliedEvent[]) => void;
  private readonly runDrop: (projection: string, collections: readonly string[]) => void;
  private closed = false;
  private checkpointer: WalCheckpointer | undefined;

  constructor(options: SqliteReadModelStoreOptions) {
    if (options.file !== ':memory:') {
      mkdirSync(dirname(options.file), { recursive: true });
      // Owner-only (0600) from creation on; SQLite gives its -wal and -shm files the same mode.
      // Created (never merely opened) here: closing a descriptor of a database this process already
      // has open would drop SQLite's POSIX locks on it.
      if (!existsSync(options.file)) closeSync(openSync(options.file, 'wx', 0o600));
      chmodSync(options.file, 0o600);
    }
    this.db = new Database(options.file);
    this.db.pragma('journal_mode = WAL');
    // NORMAL, unlike the event log's FULL: in WAL mode a power cut may lose the last commits but
    // never corrupts the file, and documents and checkpoint commit together, so what is lost is
    // lost as a whole and replayed from the event log on restart. Read models are derived data;
    // the fsync per commit would buy nothing the log cannot give back, at a large cost in rebuilds.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    this.db.exec(CHECKPOINTS_SQL);
    if (options.checkpoints === 'background') this.checkpointer = startWalCheckpointer(this.db);
    else if (options.checkpoints === 'elsewhere') leaveCheckpointsElsewhere(this.db);

    this.readCheckpoint = this.db.prepare<[string], { position: bigint }>(
      'SELECT position FROM projection_checkpoints WHERE projection = ?',
    ).safeIntegers(true);
    this.writeCheckpoint = this.db.prepare<[string, bigint]>(
      `INSERT INTO projection_checkpoints (projection, position) VALUES (?, ?)
       ON CONFLICT(projection) DO UPDATE SET position = excluded.position
       WHERE excluded.position > projection_checkpoints.position`,
    );
    this.deleteCheckpoint = this.db.prepare<[string]>('DELETE FROM projection_checkpoints WHERE projection = ?');
    // One statement, so taking over an expired lease is atomic across processes sharing the file.
    this.takeLease = this.db.prepare<[{ projection: string; holder: string; expires: number; now: number }]>(
      `INSERT INTO projection_leases (projection, holder, expires_at) VALUES (@projection, @holder, @expires)
       ON CONFLICT(projection) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE projection_leases.holder = excluded.holder OR projection_leases.expires_at < @now`,
    );
    this.readLease = this.db.prepare<[string], { holder: string; expires_at: number }>('SELECT holder, expires_at FROM projection_leases WHERE projection = ?');
    this.dropLease = this.db.prepare<[string, string]>('DELETE FROM projection_leases WHERE projection = ? AND holder = ?');

    // IMMEDIATE: the write lock is taken (waiting up to busy_timeout) before the first read. A
    // deferred transaction that reads a row and then writes fails at once with "database is locked"
    // when another process (a projector, another instance renewing a lease) committed in between.
    this.runBatch = this.db.transaction((projection: string, batch: readonly AppliedEvent[]) => {
      const { writes, sets, lastPosition } = collapseBatch(batch, true);
      for (const write of writes) this.collection(write.collection).write(write.id, write.position, write.body);
      for (const s of sets) this.collection(s.collection).set(s.id, s.position, s.fields);
      if (lastPosition !== undefined) this.writeCheckpoint.run(projection, lastPosition);
    }).immediate;
    this.runDrop = this.db.transaction((projection: string, collections: readonly string[]) => {
      for (const collection of collections) this.db.prepare(`DELETE FROM ${this.collection(collection).table}`).run();
      this.deleteCheckpoint.run(projection);
    }).immediate;
  }

  /** Creates the collection's table on first use, so a query before the first write sees it empty. */
  private collection(name: string): CollectionStatements {
    const known = this.collections.get(name);
    if (known) return known;
    assertCollectionName(name);
    // A typed table declared before (by this process or another one sharing the file) is used as declared.
    const typed = this.typedSpecOnDisk(name);
    if (typed) return this.typedCollection(name, typed);
    const table = tableOf(name);
    this.db.exec(`CREATE TABLE IF NOT EXISTS ${table} (id TEXT PRIMARY KEY, position INTEGER NOT NULL, body TEXT)`);
    const get = this.db
      .prepare<[string], { position: bigint; body: string | null }>(`SELECT position, body FROM ${table} WHERE id = ?`)
      .safeIntegers(true);
    // The idempotency guard: an event at or before the stored position changes nothing.
    const put = this.db.prepare<[string, bigint, string | null]>(
      `INSERT INTO ${table} (id, position, body) VALUES (?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET position = excluded.position, body = excluded.body
       WHERE excluded.position > ${table}.position`,
    );
    const entryOf = (id: string, row: { position: bigint; body: string | null }): DocumentEntry => ({
      position: row.position,
      document: row.body === null ? undefined : toDocument(id, row.position, row.body),
    });
    const statements: CollectionStatements = {
      table,
      read: (id) => {
        const row = get.get(id);
        return row ? entryOf(id, row) : undefined;
      },
      readMany: manyReader(
        (size) => this.db.prepare<string[], { id: string; position: bigint; body: string | null }>(`SELECT id, position, body FROM ${table} WHERE id IN (${placeholders(size)})`).safeIntegers(true),
        (row) => [row.id, entryOf(row.id, row)],
      ),
      write: (id, position, body) => void put.run(id, position, body instanceof PlainDocument ? body.jsonText() : body),
      set: (id, position, fields) => {
        const row = get.get(id);
        if (!row || row.body === null || row.position >= position) return;
        put.run(id, position, JSON.stringify({ ...(JSON.parse(row.body) as DocumentBody), ...fields }));
      },
      valueExpr,
      condition: compileCondition,
      select: 'id, position, body',
      live: 'body IS NOT NULL',
      document: (row) => {
        const r = row as Record<string, unknown>;
        return toDocument(r.id as string, r.position as bigint, r.body as string);
      },
      // The whole body is parsed all the same: JSON text has no cheaper way to a few of its fields.
      only: (fields) => ({
        select: 'id, position, body',
        document: (row) => {
          const r = row as Record<string, unknown>;
          return pick(toDocument(r.id as string, r.position as bigint, r.body as string), fields);
        },
      }),
    };
    this.collections.set(name, statements);
    return statements;
  }

  /** The spec of the collection's typed table as stored in the file, or undefined when it has none. */
  private typedSpecOnDisk(name: string): TableSpec | undefined {
    const table = typedTableOf(name);
    if (!this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table)) return undefined;
    const columns: Record<string, ColumnType> = {};
    const byType = Object.fromEntries(Object.entries(SQL_TYPES).map(([t, sql]) => [sql, t as ColumnType]));
    for (const c of this.db.prepare(`PRAGMA table_info("${table}")`).all() as { name: string; type: string }[]) {
      if (c.name.startsWith('f_')) columns[c.name.slice(2)] = byType[c.type];
    }
    return { columns };
  }

  private typedCollection(name: string, spec: TableSpec): CollectionStatements {
    const table = `"${typedTableOf(name)}"`;
    const fields = Object.entries(spec.columns);
    const types = new Map(fields);
    const cols = fields.map(([f]) => columnOf(f));
    const n = fields.length;
    // Rows come back as arrays of plain numbers: an object per row and a BigInt per integer column
    // cost three times the probe itself (a 22-column row: ≈ 20 µs against ≈ 6 µs). Integer columns
    // hold safe integers only (columnValue); a position beyond 2^53 is read again as a BigInt.
    const selectList = `id, position, deleted${cols.map((c) => `, ${c}`).join('')}`;
    const get = this.db.prepare<[string], unknown[]>(`SELECT ${selectList} FROM ${table} WHERE id = ?`).raw(true);
    const exactPosition = this.db.prepare<[string], { position: bigint }>(`SELECT position FROM ${table} WHERE id = ?`).safeIntegers(true);
    const positionOf = (id: string, position: number): bigint => (Number.isSafeInteger(position) ? BigInt(position) : exactPosition.get(id)!.position);
    const insert = this.db.prepare<unknown[]>(`INSERT INTO ${table} (${selectList}) VALUES (?, ?, ?${cols.map(() => ', ?').join('')})`);
    // A rewrite sets only the columns whose value changed, so SQLite touches only the indexes over
    // those (a line marked as listed rewrites no index at all). One statement per set of columns.
    const updates = new Map<string, Database.Statement<unknown[]>>();
    const update = (changed: number[]) => {
      const key = changed.join(',');
      let statement = updates.get(key);
      if (!statement) {
        statement = this.db.prepare<unknown[]>(`UPDATE ${table} SET position = ?, deleted = ?${changed.map((i) => `, ${cols[i]} = ?`).join('')} WHERE id = ?`);
        updates.set(key, statement);
      }
      return statement;
    };
    const put = (id: string, position: bigint, deleted: 0 | 1, values: unknown[]) => {
      // Looked up first, not tried as an insert: a rewrite then probes the key once, not three times.
      const row = get.get(id);
      if (!row) {
        insert.run(id, position, deleted, ...values);
        return;
      }
      // The idempotency guard: an event at or before the stored position changes nothing.
      if (positionOf(id, row[1] as number) >= position) return;
      const changed: number[] = [];
      for (let i = 0; i < n; i++) if (row[3 + i] !== values[i]) changed.push(i);
      update(changed).run(position, deleted, ...changed.map((i) => values[i]), id);
    };
    // A set is one UPDATE of its columns, guarded in its WHERE: no read, no other column, and only
    // the indexes over those columns (none for a flag no read filters on) are touched.
    const setStatements = new Map<string, Database.Statement<unknown[]>>();
    const setStatement = (names: readonly string[]) => {
      const key = names.join(',');
      let statement = setStatements.get(key);
      if (!statement) {
        for (const f of names) if (!types.has(f)) throw new ReadModelRequestError(`collection ${name} has no column ${f}`);
        statement = this.db.prepare<unknown[]>(`UPDATE ${table} SET position = ?${names.map((f) => `, ${columnOf(f)} = ?`).join('')} WHERE id = ? AND deleted = 0 AND position < ?`);
        setStatements.set(key, statement);
      }
      return statement;
    };
    const build = rowBuilder(fields);
    const document = (r: Record<string, unknown> | unknown[]): StoredDocument => {
      const row = r as unknown[];
      const id = row[0] as string;
      if (build) return build(row, positionOf(id, row[1] as number).toString(), JSON.parse);
      const doc: StoredDocument = { _id: id, _position: positionOf(id, row[1] as number).toString() };
      for (let i = 0; i < n; i++) {
        const v = row[3 + i];
        const type = fields[i][1];
        doc[fields[i][0]] = v === null || v === undefined ? null : type === 'boolean' ? v !== 0 : type === 'json' ? JSON.parse(v as string) : v;
      }
      return doc;
    };
    // Only the columns asked for are selected and converted (a listing of four fields of a 22-column row).
    const shapes = new Map<string, { select: string; document(row: Record<string, unknown> | unknown[]): StoredDocument }>();
    const only = (wanted: readonly string[]) => {
      const key = wanted.join(',');
      let shape = shapes.get(key);
      if (!shape) {
        const picked = wanted.filter((f) => types.has(f)).map((f) => [f, types.get(f)!] as [string, ColumnType]);
        const builder = rowBuilder(picked);
        shape = {
          select: `id, position, deleted${picked.map(([f]) => `, ${columnOf(f)}`).join('')}`,
          document: (r) => {
            const row = r as unknown[];
            const position = positionOf(row[0] as string, row[1] as number).toString();
            if (builder) return builder(row, position, JSON.parse);
            return pick(document([...row.slice(0, 3), ...fields.map(([f]) => { const i = picked.findIndex(([p]) => p === f); return i < 0 ? null : row[3 + i]; })]), wanted);
          },
        };
        shapes.set(key, shape);
      }
      return shape;
    };
    const values = new Array<unknown>(n);
    /**
     * A document's fields straight into `values`, exactly as its JSON text would give them: a value
     * JSON drops (undefined, a function) is null; false when a scalar column holds a value JSON
     * would change (an object with toJSON such as a Date, NaN, Infinity), which then goes through
     * the JSON text so that both ways store the same.
     */
    const plainValues = (doc: Readonly<Record<string, unknown>>): boolean => {
      for (const key in doc) {
        if (types.has(key)) continue;
        const v = doc[key];
        if (v !== undefined && typeof v !== 'function' && typeof v !== 'symbol') throw new ReadModelRequestError(`collection ${name} has no column ${key}`);
      }
      for (let i = 0; i < n; i++) {
        const [field, type] = fields[i];
        const v = doc[field];
        if (v === undefined || v === null || typeof v === 'function' || typeof v === 'symbol') values[i] = null;
        else if (type === 'json') values[i] = JSON.stringify(v) ?? null;
        else if (typeof v === 'object' || typeof v === 'bigint' || (typeof v === 'number' && !Number.isFinite(v))) return false;
        else values[i] = columnValue(name, field, type, v === 0 ? 0 : v);
      }
      return true;
    };
    const entryOf = (id: string, row: unknown[]): DocumentEntry => ({ position: positionOf(id, row[1] as number), document: row[2] !== 0 ? undefined : document(row) });
    const statements: CollectionStatements = {
      table,
      read: (id) => {
        const row = get.get(id);
        return row ? entryOf(id, row) : undefined;
      },
      readMany: manyReader(
        (size) => this.db.prepare<string[], unknown[]>(`SELECT ${selectList} FROM ${table} WHERE id IN (${placeholders(size)})`).raw(true),
        (row) => [row[0] as string, entryOf(row[0] as string, row)],
      ),
      write: (id, position, body) => {
        if (body === null) {
          values.fill(null);
          put(id, position, 1, values);
          return;
        }
        if (body instanceof PlainDocument && plainValues(body.fields)) {
          put(id, position, 0, values);
          return;
        }
        const doc = JSON.parse(body instanceof PlainDocument ? body.jsonText() : body) as Record<string, unknown>;
        for (const key in doc) if (!types.has(key)) throw new ReadModelRequestError(`collection ${name} has no column ${key}`);
        for (let i = 0; i < n; i++) values[i] = columnValue(name, fields[i][0], fields[i][1], doc[fields[i][0]]);
        put(id, position, 0, values);
      },
      set: (id, position, changes) => {
        const names = Object.keys(changes);
        const statement = setStatement(names);
        statement.run(position, ...names.map((f) => columnValue(name, f, types.get(f)!, changes[f])), id, position);
      },
      valueExpr: (field) => (field === '_id' ? 'id' : types.has(field) ? columnOf(field) : 'NULL'),
      condition: (c, params) => typedCondition(c, types.get(c.field) ?? (c.field === '_id' ? 'text' : undefined), c.field === '_id' ? 'id' : columnOf(c.field), params),
      select: selectList,
      raw: true,
      types,
      live: 'deleted = 0',
      document,
      only,
    };
    this.collections.set(name, statements);
    return statements;
  }

  /** See ReadModelStore.declareTable. */
  async declareTable(collection: string, spec: TableSpec): Promise<void> {
    this.assertOpen();
    assertCollectionName(collection);
    const fields = Object.entries(spec.columns);
    if (fields.length === 0) throw new ReadModelRequestError(`table ${collection} needs at least one column`);
    for (const [field, type] of fields) {
      assertIndexes([{ fields: [field] }]);
      if (field === '_id' || !(type in SQL_TYPES)) throw new ReadModelRequestError(`column ${field} of ${collection} must be a field with a type of ${Object.keys(SQL_TYPES).join(', ')}`);
    }
    const key = specKey(spec);
    // Already in use as declared: reading the schema again would cost two statements per page.
    if (this.declaredTables.get(collection) === key && this.collections.get(collection)?.table === `"${typedTableOf(collection)}"`) return;
    const onDisk = this.typedSpecOnDisk(collection);
    if (onDisk && specKey(onDisk) === key) {
      if (!this.collections.has(collection) || this.collections.get(collection)!.table !== `"${typedTableOf(collection)}"`) this.typedCollection(collection, onDisk);
      this.declaredTables.set(collection, key);
      return;
    }
    const holds = (table: string) =>
      this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table) !== undefined &&
      this.db.prepare(`SELECT 1 FROM "${table}" LIMIT 1`).get() !== undefined;
    // Another form of the same collection may go only when empty: its projection's new version dropped it.
    if (holds(`doc_${collection}`) || (onDisk && holds(typedTableOf(collection)))) {
      throw new ReadModelRequestError(`collection ${collection} holds documents in another form: raise its projection's version so it is dropped and rebuilt`);
    }
    this.db.exec(`DROP TABLE IF EXISTS ${tableOf(collection)}; DROP TABLE IF EXISTS "${typedTableOf(collection)}"`);
    this.db.exec(
      `CREATE TABLE "${typedTableOf(collection)}" (id TEXT PRIMARY KEY, position INTEGER NOT NULL, deleted INTEGER NOT NULL${fields.map(([f, t]) => `, ${columnOf(f)} ${SQL_TYPES[t]}`).join('')})`,
    );
    this.findStatements.clear();
    this.typedCollection(collection, spec);
    this.declaredTables.set(collection, key);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('read-model store is closed');
  }

  async get<T extends object = DocumentBody>(collection: string, id: string): Promise<StoredDocument<T> | undefined> {
    return (await this.getEntry(collection, id))?.document as StoredDocument<T> | undefined;
  }

  async getEntry(collection: string, id: string): Promise<DocumentEntry | undefined> {
    this.assertOpen();
    return this.collection(collection).read(id);
  }

  async getEntries(collection: string, ids: readonly string[]): Promise<(DocumentEntry | undefined)[]> {
    this.assertOpen();
    return ids.length === 0 ? [] : this.collection(collection).readMany(ids);
  }

  async find<T extends object = DocumentBody>(collection: string, filter?: Filter, options?: FindOptions): Promise<StoredDocument<T>[]> {
    this.assertOpen();
    const c = this.collection(collection);
    const tree = parseFilterTree(filter);
    const { sort, limit, fields } = parseFindOptions(options);
    const shape = fields ? c.only(fields) : c;
    const params: unknown[] = [];
    const where = [c.live, ...compileTree(c, tree, params)];
    const orderBy = sort.map(([field, direction]) => `${c.valueExpr(field)} ${direction === 1 ? 'ASC' : 'DESC'}`);
    const sql = `SELECT ${shape.select} FROM ${c.table} WHERE ${where.join(' AND ')} ORDER BY ${orderBy.join(', ')} LIMIT ?`;
    params.push(limit ?? -1);
    let statement = this.findStatements.get(sql);
    if (!statement) {
      // Each $in length is its own SQL text; keep the cache from growing without bound.
      if (this.findStatements.size >= 256) this.findStatements.clear();
      statement = this.db.prepare<unknown[], Record<string, unknown>>(sql);
      if (c.raw) statement.raw(true);
      else statement.safeIntegers(true);
      this.findStatements.set(sql, statement);
    }
    return (statement.all(...params) as (Record<string, unknown> | unknown[])[]).map((row) => shape.document(row) as StoredDocument<T>);
  }

  /** See ReadModelStore.countBy: one GROUP BY over the conditions find compiles, so the same expression indexes serve it. */
  async countBy(collection: string, filter?: Filter, groupFields: readonly string[] = []): Promise<GroupCount[]> {
    this.assertOpen();
    const c = this.collection(collection);
    const tree = parseFilterTree(filter);
    assertGroupFields(groupFields);
    const params: unknown[] = [];
    const where = [c.live, ...compileTree(c, tree, params)];
    const columns = c.types;
    // Per field: its value and, for JSON text, its JSON type (json_extract makes true 1 and null NULL).
    const selected = groupFields.flatMap((f) => {
      if (columns?.get(f) === 'json') throw new ReadModelRequestError(`${f} holds objects or arrays, which are not groupable`);
      return columns ? [c.valueExpr(f)] : [valueExpr(f), typeExpr(f)];
    });
    // Unary + (a no-op on the value) keeps the planner from walking an index in group order and
    // fetching every row at random (without statistics it prefers that to sorting): the index then
    // serves only a range in the filter, and a count of most of a collection is one sequential scan.
    const grouped = selected.map((e) => `+${e}`);
    const sql = `SELECT ${[...grouped, 'COUNT(*)'].join(', ')} FROM ${c.table} WHERE ${where.join(' AND ')}${grouped.length > 0 ? ` GROUP BY ${grouped.join(', ')}` : ''}`;
    const rows = this.db.prepare<unknown[], unknown[]>(sql).raw(true).all(...params);
    const step = columns ? 1 : 2;
    const scalar = (f: string, v: unknown, type: unknown): FilterScalar => {
      if (columns) return v === null || v === undefined ? null : columns.get(f) === 'boolean' ? v !== 0 : (v as string | number);
      if (type === null || type === 'null') return null;
      if (type === 'true' || type === 'false') return type === 'true';
      if (type === 'object' || type === 'array') throw new ReadModelRequestError(`${f} holds objects or arrays, which are not groupable`);
      return v as string | number;
    };
    return mergeGroups(
      groupFields,
      rows.map((row) => ({
        group: Object.fromEntries(groupFields.map((f, i) => [f, scalar(f, row[i * step], columns ? undefined : row[i * step + 1])])),
        count: Number(row[row.length - 1]),
      })),
    );
  }

  async applyEvent(projection: string, position: bigint, writes: readonly ReadModelWrite[]): Promise<void> {
    return this.applyBatch(projection, [{ position, writes }]);
  }

  async applyBatch(projection: string, batch: readonly AppliedEvent[]): Promise<void> {
    this.assertOpen();
    assertProjectionName(projection);
    if (batch.length === 0) return;
    unlessBusy(() => this.runBatch(projection, batch));
  }

  async checkpoint(projection: string): Promise<bigint | undefined> {
    this.assertOpen();
    return this.readCheckpoint.get(projection)?.position;
  }

  async acquireLease(projection: string, holder: string, ttlMs: number, now = Date.now()): Promise<boolean> {
    this.assertOpen();
    assertProjectionName(projection);
    return unlessBusy(() => this.takeLease.run({ projection, holder, expires: now + ttlMs, now }).changes === 1);
  }

  async releaseLease(projection: string, holder: string): Promise<void> {
    this.assertOpen();
    unlessBusy(() => this.dropLease.run(projection, holder));
  }

  async lease(projection: string): Promise<{ holder: string; expiresAt: number } | undefined> {
    this.assertOpen();
    const row = this.readLease.get(projection);
    return row ? { holder: row.holder, expiresAt: Number(row.expires_at) } : undefined;
  }

  async drop(projection: string, collections: readonly string[]): Promise<void> {
    this.assertOpen();
    assertProjectionName(projection);
    collections.forEach(assertCollectionName);
    unlessBusy(() => this.runDrop(projection, collections));
  }

  async declareIndexes(collection: string, indexes: readonly IndexSpec[]): Promise<void> {
    this.assertOpen();
    assertIndexes(indexes);
    const c = this.collection(collection);
    for (const index of indexes) {
      const name = `"ix_${collection}__${index.fields.join('__')}"`;
      const exprs = index.fields.map((f) => c.valueExpr(f));
      if (exprs.includes('NULL')) throw new ReadModelRequestError(`an index of ${collection} names a field that is not one of its columns`);
      unlessBusy(() => this.db.exec(`CREATE INDEX IF NOT EXISTS ${name} ON ${c.table} (${exprs.join(', ')})`));
    }
  }

  async health(): Promise<ReadModelHealth> {
    try {
      this.assertOpen();
      this.db.prepare('SELECT 1').get();
      return { store: this.kind, ok: true, detail: this.db.name };
    } catch (error) {
      return { store: this.kind, ok: false, detail: (error as Error).message };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.checkpointer?.close();
    this.db.close();
  }
}

const SAFE_FIELD = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;

/**
 * A typed table's row (id, position, deleted, then its columns) as a document, made by one object
 * literal: a document built field by field gets a shape V8 handles slowly, and every later copy,
 * freeze or spread of it paid ≈ 3× (a logged query's 24 fields: ≈ 20 µs against ≈ 6 µs from row
 * to a projection's changed copy). The same fields, order and values as the field-by-field loop,
 * which stays for a column name outside the safe alphabet (never made by declareTable).
 */
function rowBuilder(fields: readonly [string, ColumnType][]): ((row: unknown[], position: string, parse: (text: string) => unknown) => StoredDocument) | undefined {
  if (!fields.every(([f]) => SAFE_FIELD.test(f))) return undefined;
  const value = (type: ColumnType, at: string) =>
    type === 'boolean' ? `(${at} == null ? null : ${at} !== 0)` : type === 'json' ? `(${at} == null ? null : parse(${at}))` : `(${at} ?? null)`;
  const props = fields.map(([f, type], i) => `${JSON.stringify(f)}: ${value(type, `row[${3 + i}]`)}`);
  return new Function('row', 'position', 'parse', `return { _id: row[0], _position: position, ${props.join(', ')} };`) as never;
}

/** A filter's conditions as SQL terms to AND, its `$or` as one parenthesised term of alternatives, its `$and`'s terms beside them. */
function compileTree(c: CollectionStatements, tree: FilterTree, params: unknown[]): string[] {
  const terms = tree.conditions.map((cond) => c.condition(cond, params));
  if (tree.or) {
    const branches = tree.or.map((branch) => {
      const inner = compileTree(c, branch, params);
      return inner.length === 0 ? '1' : `(${inner.join(' AND ')})`;
    });
    terms.push(`(${branches.join(' OR ')})`);
  }
  for (const branch of tree.and ?? []) terms.push(...compileTree(c, branch, params));
  return terms;
}

/** A document restricted to `_id`, `_position` and the given fields it has. */
function pick(doc: StoredDocument, fields: readonly string[]): StoredDocument {
  const out: StoredDocument = { _id: doc._id, _position: doc._position };
  for (const f of fields) if (Object.prototype.hasOwnProperty.call(doc, f)) out[f] = doc[f];
  return out;
}

function toDocument(id: string, position: bigint, body: string): StoredDocument {
  return { _id: id, _position: position.toString(), ...(JSON.parse(body) as DocumentBody) };
}

const RANGE_SQL = { lt: '<', lte: '<=', gt: '>', gte: '>=' } as const;

/**
 * One condition as SQL with MongoDB's semantics: comparisons only between values of the same JSON
 * type (json_extract alone would make `true` equal 1 and compare numbers below all strings), and a
 * missing field equal to null. The comparison on the bare json_extract stays first so an
 * expression index can serve it; the type check only filters what the index found.
 */
function compileCondition(condition: Condition, params: unknown[]): string {
  const value = valueExpr(condition.field);
  const type = typeExpr(condition.field);
  const equals = (scalar: string | number | boolean | null): string => {
    if (scalar === null) return `${value} IS NULL`;
    if (typeof scalar === 'boolean') return `${type} = '${scalar ? 'true' : 'false'}'`;
    params.push(scalar);
    return typeof scalar === 'string' ? `(${value} = ? AND ${type} = 'text')` : `(${value} = ? AND ${type} IN ('integer', 'real'))`;
  };
  switch (condition.op) {
    case 'eq':
      return equals(condition.value);
    case 'ne':
      // A missing field is "not equal" in MongoDB; COALESCE turns SQL's unknown into that answer.
      return `NOT COALESCE(${equals(condition.value)}, 0)`;
    case 'in': {
      const plain = condition.value.filter((v): v is string | number => typeof v === 'string' || typeof v === 'number');
      const others = condition.value.filter((v) => typeof v !== 'string' && typeof v !== 'number');
      const parts: string[] = [];
      if (plain.length > 0) {
        params.push(...plain);
        parts.push(`(${value} IN (${plain.map(() => '?').join(', ')}) AND ${type} IN ('text', 'integer', 'real'))`);
      }
      for (const other of others) parts.push(equals(other));
      return parts.length === 0 ? '0' : `(${parts.join(' OR ')})`;
    }
    default: {
      params.push(condition.value);
      const wanted = typeof condition.value === 'string' ? `= 'text'` : `IN ('integer', 'real')`;
      return `(${value} ${RANGE_SQL[condition.op]} ? AND ${type} ${wanted})`;
    }
  }
}

/** A document field as its column's value; a value of another type is a projection's bug, refused. */
function columnValue(collection: string, field: string, type: ColumnType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  const ok =
    type === 'text' ? typeof v === 'string' :
    type === 'integer' ? typeof v === 'number' && Number.isSafeInteger(v) :
    type === 'boolean' ? typeof v === 'boolean' :
    true;
  if (!ok) throw new ReadModelRequestError(`${collection}.${field} must be ${type}`);
  return type === 'boolean' ? (v ? 1 : 0) : type === 'json' ? JSON.stringify(v) : v;
}

/**
 * One condition on a typed column with the semantics compileCondition gives a JSON field: a value
 * matches only a stored value of its own type, and a missing field (a column it does not have, or
 * NULL) equals null. JSON columns hold objects and arrays, which are not filterable.
 */
function typedCondition(condition: Condition, type: ColumnType | undefined, column: string, params: unknown[]): string {
  if (type === 'json') throw new ReadModelRequestError(`${condition.field} holds objects or arrays, which are not filterable`);
  const equals = (scalar: string | number | boolean | null): string => {
    if (scalar === null) return type === undefined ? '1' : `${column} IS NULL`;
    if (typeof scalar === 'boolean') return type === 'boolean' ? `${column} = ${scalar ? 1 : 0}` : '0';
    if (typeof scalar === 'string' ? type !== 'text' : type !== 'integer') return '0';
    params.push(scalar);
    return `${column} = ?`;
  };
  switch (condition.op) {
    case 'eq':
      return equals(condition.value);
    case 'ne':
      return `NOT COALESCE(${equals(condition.value)}, 0)`;
    case 'in': {
      const parts = condition.value.map(equals);
      return parts.length === 0 ? '0' : `(${parts.join(' OR ')})`;
    }
    default: {
      if (typeof condition.value === 'string' ? type !== 'text' : type !== 'integer') return '0';
      params.push(condition.value);
      return `${column} ${RANGE_SQL[condition.op]} ?`;
    }
  }
}
