import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  assertCollectionName,
  assertIndexes,
  assertProjectionName,
  collapseBatch,
  parseFilter,
  parseFindOptions,
  type Condition,
} from '../documents';
import type {
  AppliedEvent,
  DocumentBody,
  DocumentEntry,
  Filter,
  FindOptions,
  IndexSpec,
  ReadModelHealth,
  ReadModelStore,
  ReadModelWrite,
  StoredDocument,
} from '../types';

export interface SqliteReadModelStoreOptions {
  /** File path, or ':memory:' for a throwaway store. */
  file: string;
}

interface CollectionStatements {
  table: string;
  get: Database.Statement<[string], { position: bigint; body: string | null }>;
  put: Database.Statement<[string, bigint, string | null]>;
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
  private readonly findStatements = new Map<string, Database.Statement<unknown[], { id: string; position: bigint; body: string }>>();
  private readonly readCheckpoint: Database.Statement<[string], { position: bigint }>;
  private readonly writeCheckpoint: Database.Statement<[string, bigint]>;
  private readonly deleteCheckpoint: Database.Statement<[string]>;
  private readonly takeLease: Database.Statement<[{ projection: string; holder: string; expires: number; now: number }]>;
  private readonly readLease: Database.Statement<[string], { holder: string; expires_at: number }>;
  private readonly dropLease: Database.Statement<[string, string]>;
  private readonly runBatch: (projection: string, batch: readonly AppliedEvent[]) => void;
  private readonly runDrop: (projection: string, collections: readonly string[]) => void;
  private closed = false;

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
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(CHECKPOINTS_SQL);

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

    this.runBatch = this.db.transaction((projection: string, batch: readonly AppliedEvent[]) => {
      const { writes, lastPosition } = collapseBatch(batch);
      for (const write of writes) this.collection(write.collection).put.run(write.id, write.position, write.body);
      if (lastPosition !== undefined) this.writeCheckpoint.run(projection, lastPosition);
    });
    this.runDrop = this.db.transaction((projection: string, collections: readonly string[]) => {
      for (const collection of collections) this.db.prepare(`DELETE FROM ${this.collection(collection).table}`).run();
      this.deleteCheckpoint.run(projection);
    });
  }

  /** Creates the collection's table on first use, so a query before the first write sees it empty. */
  private collection(name: string): CollectionStatements {
    const known = this.collections.get(name);
    if (known) return known;
    assertCollectionName(name);
    const table = tableOf(name);
    this.db.exec(`CREATE TABLE IF NOT EXISTS ${table} (id TEXT PRIMARY KEY, position INTEGER NOT NULL, body TEXT)`);
    const statements: CollectionStatements = {
      table,
      get: this.db
        .prepare<[string], { position: bigint; body: string | null }>(`SELECT position, body FROM ${table} WHERE id = ?`)
        .safeIntegers(true),
      // The idempotency guard: an event at or before the stored position changes nothing.
      put: this.db.prepare<[string, bigint, string | null]>(
        `INSERT INTO ${table} (id, position, body) VALUES (?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET position = excluded.position, body = excluded.body
         WHERE excluded.position > ${table}.position`,
      ),
    };
    this.collections.set(name, statements);
    return statements;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('read-model store is closed');
  }

  async get<T extends object = DocumentBody>(collection: string, id: string): Promise<StoredDocument<T> | undefined> {
    return (await this.getEntry(collection, id))?.document as StoredDocument<T> | undefined;
  }

  async getEntry(collection: string, id: string): Promise<DocumentEntry | undefined> {
    this.assertOpen();
    const row = this.collection(collection).get.get(id);
    if (!row) return undefined;
    return { position: row.position, document: row.body === null ? undefined : toDocument(id, row.position, row.body) };
  }

  async find<T extends object = DocumentBody>(collection: string, filter?: Filter, options?: FindOptions): Promise<StoredDocument<T>[]> {
    this.assertOpen();
    const { table } = this.collection(collection);
    const conditions = parseFilter(filter);
    const { sort, limit } = parseFindOptions(options);
    const params: unknown[] = [];
    const where = ['body IS NOT NULL', ...conditions.map((c) => compileCondition(c, params))];
    const orderBy = sort.map(([field, direction]) => `${valueExpr(field)} ${direction === 1 ? 'ASC' : 'DESC'}`);
    const sql = `SELECT id, position, body FROM ${table} WHERE ${where.join(' AND ')} ORDER BY ${orderBy.join(', ')} LIMIT ?`;
    params.push(limit ?? -1);
    let statement = this.findStatements.get(sql);
    if (!statement) {
      // Each $in length is its own SQL text; keep the cache from growing without bound.
      if (this.findStatements.size >= 256) this.findStatements.clear();
      statement = this.db.prepare<unknown[], { id: string; position: bigint; body: string }>(sql).safeIntegers(true);
      this.findStatements.set(sql, statement);
    }
    return statement.all(...params).map((row) => toDocument(row.id, row.position, row.body) as StoredDocument<T>);
  }

  async applyEvent(projection: string, position: bigint, writes: readonly ReadModelWrite[]): Promise<void> {
    return this.applyBatch(projection, [{ position, writes }]);
  }

  async applyBatch(projection: string, batch: readonly AppliedEvent[]): Promise<void> {
    this.assertOpen();
    assertProjectionName(projection);
    if (batch.length === 0) return;
    this.runBatch(projection, batch);
  }

  async checkpoint(projection: string): Promise<bigint | undefined> {
    this.assertOpen();
    return this.readCheckpoint.get(projection)?.position;
  }

  async acquireLease(projection: string, holder: string, ttlMs: number, now = Date.now()): Promise<boolean> {
    this.assertOpen();
    assertProjectionName(projection);
    return this.takeLease.run({ projection, holder, expires: now + ttlMs, now }).changes === 1;
  }

  async releaseLease(projection: string, holder: string): Promise<void> {
    this.assertOpen();
    this.dropLease.run(projection, holder);
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
    this.runDrop(projection, collections);
  }

  async declareIndexes(collection: string, indexes: readonly IndexSpec[]): Promise<void> {
    this.assertOpen();
    assertIndexes(indexes);
    const { table } = this.collection(collection);
    for (const index of indexes) {
      const name = `"ix_${collection}__${index.fields.join('__')}"`;
      this.db.exec(`CREATE INDEX IF NOT EXISTS ${name} ON ${table} (${index.fields.map(valueExpr).join(', ')})`);
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
    this.db.close();
  }
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
