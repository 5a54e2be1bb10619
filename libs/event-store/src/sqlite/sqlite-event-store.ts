import Database from 'better-sqlite3';
import { EventEmitter } from 'node:events';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  consistencyProof,
  inclusionProof,
  leafHashOfHex,
  MemoryTree,
  nodeHash as nodeHashOf,
  treeRoot,
  WordCompactRange,
  writeWords,
  type SubtreeSource,
} from '@ledger/integrity';
import { catchUpSubscription } from '../catch-up-subscription';
import { busyAsUnavailable, DuplicateEventIdError, InvalidStreamIdError, WrongExpectedRevisionError } from '../errors';
import { isValidStreamId, sealEvents } from '../integrity';
import { leaveCheckpointsElsewhere, startWalCheckpointer, type WalCheckpointer } from './wal-checkpointer';
import type {
  AppendResult,
  EventStore,
  ExpectedRevision,
  LedgerTree,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StoredJsonEvent,
  StoredJsonReader,
  StoreHealth,
  SubscribeToAllOptions,
  SubscriptionHandle,
} from '../types';

export type SqliteSynchronous = 'FULL' | 'NORMAL' | 'OFF' | 'EXTRA';

export interface SqliteEventStoreOptions {
  /** File path, or ':memory:' for throwaway stores in unit tests. */
  file: string;
  /** FULL (default): an acknowledged append survives a power cut. NORMAL may lose the last commits. */
  synchronous?: SqliteSynchronous;
  now?: () => Date;
  /**
   * Open an existing file read-only: no schema is created and nothing is repaired (the verifier's
   * mode — a dropped trigger must stay visible as a finding). Appends fail.
   */
  readonly?: boolean;
  /** Maintain the Merkle tree on append (default true; off only to measure its cost). */
  merkleTree?: boolean;
  /**
   * `background`: WAL checkpoints run on a thread of their own (wal-checkpointer.ts) instead of
   * inside the commit that crosses SQLite's threshold; the service's store uses it. `elsewhere`: a
   * second connection of a process whose first one checkpoints in the background
   * (leaveCheckpointsElsewhere). Default `in-commit`, SQLite's own behaviour. Ignored for ':memory:'
   * and read-only stores.
   */
  checkpoints?: 'in-commit' | 'background' | 'elsewhere';
  /** How long an append waits for another connection's write lock before it is refused as unavailable (default 5,000 ms). */
  busyTimeoutMs?: number;
}

/**
 * Subtrees of 2^4 = 16 leaves and larger are stored (≈ 1 row per 8 events); smaller ones are rehashed
 * from the events' hash column, so a proof reads at most one 16-leaf tile and ~20 stored nodes.
 */
export const STORED_TREE_LEVEL = 4;

/** Append-only triggers every ledger file must carry. */
export const APPEND_ONLY_TRIGGERS = ['events_refuse_update', 'events_refuse_delete'];

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS events (
  position  INTEGER PRIMARY KEY,
  stream_id TEXT    NOT NULL,
  revision  INTEGER NOT NULL CHECK (revision >= 0),
  event_id  TEXT    NOT NULL UNIQUE,
  type      TEXT    NOT NULL,
  data      TEXT    NOT NULL,
  metadata  TEXT    NOT NULL,
  hash      TEXT    NOT NULL,
  UNIQUE (stream_id, revision)
);
CREATE TRIGGER IF NOT EXISTS events_refuse_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'ledger events are append-only: UPDATE refused'); END;
CREATE TRIGGER IF NOT EXISTS events_refuse_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'ledger events are append-only: DELETE refused'); END;
CREATE TABLE IF NOT EXISTS merkle_nodes (
  level INTEGER NOT NULL,
  idx   INTEGER NOT NULL,
  hash  BLOB    NOT NULL,
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;
`;

/** An append failed after it had begun to write, in a group run without savepoints: the group runs again with them. */
class WroteThenFailed extends Error {}

interface PendingAppend {
  streamId: string;
  events: NewEvent[];
  expectedRevision: ExpectedRevision;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/** Columns aliased to RecordedEvent's names, so a row becomes the event in place. */
const EVENT_COLUMNS = 'stream_id AS streamId, revision, position, event_id AS eventId, type, data, metadata';
const JOINED_EVENT_COLUMNS = 'e.stream_id AS streamId, e.revision, e.position, e.event_id AS eventId, e.type, e.data, e.metadata';
/** Statement sizes (streams per statement) of a batch of forward reads, padded up to the next. */
const READ_SIZES = [4, 16, 64, 256];

interface EventRow {
  streamId: string;
  revision: number;
  position: number | bigint;
  eventId: string;
  type: string;
  data: unknown;
  metadata: unknown;
}

/** Turns the row into the RecordedEvent itself: no second object per event (≈10–15 % on read-all). */
function toRecorded(row: EventRow): RecordedEvent {
  row.position = BigInt(row.position);
  row.data = JSON.parse(row.data as string);
  row.metadata = JSON.parse(row.metadata as string);
  return row as RecordedEvent;
}

function describeExpected(expected: ExpectedRevision): string {
  return typeof expected === 'number' ? String(expected) : expected;
}

/**
 * The embedded default: one SQLite file in WAL mode. Appends that arrive in the same tick share
 * one transaction (group commit: one fsync for many writers), each inside its own savepoint so it
 * keeps its own expected-revision check and its own success or failure.
 */
export class SqliteEventStore implements EventStore, StoredJsonReader {
  readonly kind = 'embedded-sqlite' as const;
  private readonly db: Database.Database;
  private readonly now: () => Date;
  private readonly appended = new EventEmitter();
  private queue: PendingAppend[] = [];
  private flushScheduled = false;
  private checkpointer: WalCheckpointer | undefined;
  private closed = false;
  private readonly counters = { transactions: 0, appendCalls: 0, guardedRetries: 0 };
  /** Forward reads asked for since the last microtask checkpoint: see readForwards. */
  private pendingReads?: { streamId: string; fromRevision: number; resolve: (events: RecordedEvent[]) => void; reject: (error: unknown) => void }[];
  private readonly forwardsManyBySize = new Map<number, Database.Statement<(string | number)[], EventRow>>();
  /** Set once the append being settled has begun to write (see runBatch). */
  private insertStarted = false;
  private readonly readonly: boolean;
  private readonly merkle: boolean;
  /**
   * The tree's right edge, in memory; its completed subtrees of ≥ 16 leaves are collected in
   * `pendingNodes` and written to merkle_nodes before the append's savepoint ends, so a stored node
   * is committed (or rolled back) with the events it covers. Nothing else of the tree is persisted:
   * on open the edge is read back from the stored subtrees and, below 16 leaves, the log.
   */
  private range: WordCompactRange;
  private readonly pendingNodes = { count: 0, levels: [] as number[], indexes: [] as number[], hashes: Buffer.alloc(32 * 256) };
  /** INSERT of 2^k nodes in one statement, prepared on first use (k = 0 … 6). */
  private readonly insertNodes: Database.Statement<unknown[]>[] = [];
  /** Guards found missing when the file was opened (and re-created, as the service must stay append-only). */
  private readonly guardsMissingAtOpen: string[] = [];
  readonly tree?: LedgerTree;

  private readonly stmt: {
    head: Database.Statement<[string], { revision: number; hash: string } | undefined>;
    byEventId: Database.Statement<[string], { stream_id: string; revision: number; position: number } | undefined>;
    insert: Database.Statement<[string, number, string, string, string, string, string]>;
    forwards: Database.Statement<[string, number, number], EventRow>;
    backwards: Database.Statement<[string, number, number], EventRow>;
    forwardsAll: Database.Statement<[string, number], EventRow>;
    backwardsAll: Database.Statement<[string, number], EventRow>;
    dataVersion: Database.Statement<[], number>;
    all: Database.Statement<[number, number], EventRow>;
    allJson: Database.Statement<[number, number], EventRow & { hash: string }>;
    maxPosition: Database.Statement<[], { p: number | null }>;
    leafHashes: Database.Statement<[number, number], string>;
    node: Database.Statement<[number, number], Buffer | undefined>;
    insertNode?: Database.Statement<[number, number, Buffer]>;
  };
  private readonly runBatch: (batch: PendingAppend[]) => (AppendResult | Error)[];

  constructor(options: SqliteEventStoreOptions) {
    this.readonly = options.readonly ?? false;
    this.merkle = options.merkleTree ?? true;
    this.now = options.now ?? (() => new Date());
    if (this.readonly) {
      this.db = new Database(options.file, { readonly: true, fileMustExist: true });
      this.db.pragma('busy_timeout = 5000');
      if (!this.tableExists('merkle_nodes')) {
        // A ledger from before the tree existed: serve an empty node table so proofs rehash from the log.
        this.db.exec('CREATE TEMP TABLE merkle_nodes (level INTEGER, idx INTEGER, hash BLOB, PRIMARY KEY (level, idx)) WITHOUT ROWID');
      }
    } else {
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
      this.db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
      this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
      if (this.tableExists('events')) this.guardsMissingAtOpen.push(...this.missingTriggers());
      this.db.exec(SCHEMA_SQL);
      if (options.checkpoints === 'background') this.checkpointer = startWalCheckpointer(this.db);
      else if (options.checkpoints === 'elsewhere') leaveCheckpointsElsewhere(this.db);
    }
    this.appended.setMaxListeners(0);

    this.stmt = {
      head: this.db.prepare('SELECT revision, hash FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1'),
      byEventId: this.db.prepare('SELECT stream_id, revision, position FROM events WHERE event_id = ?'),
      insert: this.db.prepare(
        'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, hash) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      forwards: this.db.prepare(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision ASC LIMIT ?`,
      ),
      backwards: this.db.prepare(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
      ),
      // The same without a bound LIMIT: SQLite re-prepares a statement whose LIMIT is a parameter on
      // every new binding (≈30 µs), several times the cost of reading a short stream.
      forwardsAll: this.db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision ASC`),
      backwardsAll: this.db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC`),
      // Changes when another connection (another process or instance) commits to the file.
      dataVersion: this.db.prepare('PRAGMA data_version').pluck() as Database.Statement<[], number>,
      all: this.db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position ASC LIMIT ?`),
      allJson: this.db.prepare(`SELECT ${EVENT_COLUMNS}, hash FROM events WHERE position > ? ORDER BY position ASC LIMIT ?`),
      maxPosition: this.db.prepare('SELECT max(position) AS p FROM events'),
      leafHashes: this.db.prepare('SELECT hash FROM events WHERE position > ? ORDER BY position ASC LIMIT ?').pluck() as Database.Statement<[number, number], string>,
      node: this.db.prepare('SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?').pluck() as Database.Statement<[number, number], Buffer | undefined>,
      insertNode: this.readonly ? undefined : this.db.prepare('INSERT OR REPLACE INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)'),
    };

    // Alone it is BEGIN…COMMIT; inside runGroup it is a SAVEPOINT…RELEASE.
    const appendOne = this.db.transaction((request: PendingAppend, treeCurrent: boolean) => this.appendInTransaction(request, treeCurrent));
    const settle = (request: PendingAppend, treeCurrent = false): AppendResult | Error => {
      const edge = this.range.snapshot();
      try {
        // IMMEDIATE when alone (nested in a group it is a savepoint either way): see runGroup.
        return appendOne.immediate(request, treeCurrent);
      } catch (error) {
        this.range.restore(edge); // its rows were rolled back: so are its leaves
        this.pendingNodes.count = 0;
        // A lone append reports its failure as its result: a busy file is unavailable there too.
        const failure = busyAsUnavailable(error, 'event log');
        return failure instanceof Error ? failure : new Error(String(failure));
      }
    };
    // The tree is caught up with other writers once per group: every read of the transaction sees
    // the same snapshot. Groups take the write lock before that first read (IMMEDIATE, waiting up to
    // busy_timeout): a deferred one whose snapshot another process's commit made stale failed at its
    // first write with "database is locked", without waiting.
    const catchUp = () => {
      if (!this.merkle) return;
      this.pendingNodes.count = 0;
      this.catchUpTree();
      if (this.pendingNodes.count > 0) this.writePendingNodes();
    };
    const runGroup = this.db.transaction((batch: PendingAppend[]) => {
      catchUp();
      return batch.map((request) => settle(request, true));
    });
    // Without a savepoint per append: one refused before its first write changed nothing (neither
    // rows nor, with the tree caught up for the group, the tree's edge) and needs nothing undone. One
    // that fails once it has written aborts this attempt (WroteThenFailed).
    const settleUnguarded = (request: PendingAppend): AppendResult | Error => {
      this.insertStarted = false;
      try {
        return this.appendInTransaction(request, true);
      } catch (error) {
        if (this.insertStarted) throw new WroteThenFailed();
        return error instanceof Error ? error : new Error(String(error));
      }
    };
    const runUnguarded = this.db.transaction((batch: PendingAppend[]) => {
      catchUp();
      return batch.map(settleUnguarded);
    });
    // A lone append needs no savepoint: its own transaction isolates its failure. A savepoint is not
    // free — SQLite copies every page the append touches into a sub-journal (≈18 % at 100 events,
    // ≈20 % of a one-event append's CPU in a group). So a group runs without savepoints first, and
    // only when one of its appends failed after writing is it rolled back whole and run again with a
    // savepoint per append, which gives each append its own outcome as before.
    this.runBatch = (batch) => {
      if (batch.length === 1) return [settle(batch[0])];
      const edge = this.range.snapshot();
      try {
        return runUnguarded.immediate(batch);
      } catch (error) {
        if (!(error instanceof WroteThenFailed)) throw error;
        this.range.restore(edge);
        this.pendingNodes.count = 0;
        this.counters.guardedRetries += 1;
        return runGroup.immediate(batch);
      }
    };

    this.range = this.newRange();
    const size = this.leafCount();
    if (!this.merkle) {
      /* no tree kept: nothing to load */
    } else if (!this.readonly && !this.storedNodesComplete(size)) this.rebuildTree();
    else {
      try {
        this.range.loadSubtrees(size, this.subtree);
      } catch {
        // Positions are not dense (rows deleted): take the edge from the rows as they are, and let
        // the verifier say what is wrong with them.
        this.range = this.newRange();
        const page = this.db.prepare('SELECT position, hash FROM events WHERE position > ? ORDER BY position ASC LIMIT 20000').raw() as Database.Statement<[number], [number, string]>;
        for (let after = 0; ; ) {
          const rows = page.all(after);
          for (const row of rows) this.range.appendLeafOfHex(row[1]);
          if (rows.length < 20000) break;
          after = rows[rows.length - 1][0];
        }
        this.writePendingNodes();
      }
    }
    this.tree = this.merkle ? this.treeApi() : undefined;
  }

  private tableExists(name: string): boolean {
    return this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
  }

  private missingTriggers(): string[] {
    const present = new Set(this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'").pluck().all() as string[]);
    return APPEND_ONLY_TRIGGERS.filter((t) => !present.has(t));
  }

  private newRange(): WordCompactRange {
    const pending = this.pendingNodes;
    const collect = (level: number, index: number, words: Int32Array, at: number) => {
      if (32 * (pending.count + 1) > pending.hashes.length) {
        const larger = Buffer.alloc(2 * pending.hashes.length);
        pending.hashes.copy(larger);
        pending.hashes = larger;
      }
      writeWords(words, at, pending.hashes, 32 * pending.count);
      pending.levels[pending.count] = level;
      pending.indexes[pending.count] = index;
      pending.count += 1;
    };
    return new WordCompactRange(this.stmt.insertNode ? collect : undefined, STORED_TREE_LEVEL);
  }

  /** Writes the collected subtree hashes, 64 rows a statement (then 32, 16 … for the rest). */
  private writePendingNodes(): void {
    const pending = this.pendingNodes;
    let done = 0;
    for (let k = 6; k >= 0; k--) {
      const rows = 2 ** k;
      while (pending.count - done >= rows) {
        const statement = (this.insertNodes[k] ??= this.db.prepare(
          `INSERT OR REPLACE INTO merkle_nodes (level, idx, hash) VALUES ${Array.from({ length: rows }, () => '(?, ?, ?)').join(', ')}`,
        ));
        const params: unknown[] = [];
        for (let i = done; i < done + rows; i++) params.push(pending.levels[i], pending.indexes[i], pending.hashes.subarray(32 * i, 32 * i + 32));
        statement.run(params);
        done += rows;
      }
    }
    pending.count = 0;
  }

  /** Leaves = events; positions are dense (1, 2, 3 …), so leaf i is the event at position i + 1. */
  private leafCount(): number {
    return this.stmt.maxPosition.get()?.p ?? 0;
  }

  /** Every subtree of 16 leaves or more that the log's size completes is stored (checked at its last one). */
  private storedNodesComplete(size: number): boolean {
    for (let level = STORED_TREE_LEVEL; 2 ** level <= size; level++) {
      if (!this.stmt.node.get(level, Math.floor(size / 2 ** level) - 1)) return false;
    }
    return true;
  }

  /** Hash of a perfect subtree: stored from 16 leaves up, else rehashed from the events' own hashes. */
  private readonly subtree: SubtreeSource = (level, index) => {
    if (level >= STORED_TREE_LEVEL) {
      const stored = this.stmt.node.get(level, index);
      if (stored) return stored;
    } else {
      // Below the stored height: rehash the tile it sits in, read with one query.
      const perTile = 2 ** (STORED_TREE_LEVEL - level);
      const tileIndex = Math.floor(index / perTile);
      return this.tile(tileIndex).subtree(level, index - tileIndex * perTile);
    }
    const width = 2 ** level;
    const hashes = this.stmt.leafHashes.all(index * width, width);
    if (hashes.length !== width) throw new RangeError(`the log has no complete subtree at level ${level} index ${index}`);
    // Fold bottom-up in place: width leaf hashes → one root.
    let row = hashes.map((h) => leafHashOfHex(h));
    while (row.length > 1) {
      const next: Buffer[] = [];
      for (let i = 0; i < row.length; i += 2) next.push(nodeHashOf(row[i], row[i + 1]));
      row = next;
    }
    return row[0];
  };

  /** Complete tiles never change in an append-only log: a few are kept, as consecutive proofs share them. */
  private readonly tiles = new Map<number, MemoryTree>();

  private tile(tileIndex: number): MemoryTree {
    const cached = this.tiles.get(tileIndex);
    if (cached) return cached;
    const width = 2 ** STORED_TREE_LEVEL;
    const tile = new MemoryTree();
    for (const hex of this.stmt.leafHashes.all(tileIndex * width, width)) tile.appendLeafHash(leafHashOfHex(hex));
    if (tile.size === width) {
      if (this.tiles.size >= 128) this.tiles.delete(this.tiles.keys().next().value as number);
      this.tiles.set(tileIndex, tile);
    }
    return tile;
  }

  /**
   * Recompute the stored tree from the log (events' own hash column), in one transaction: used for a
   * ledger written before the tree existed, and by `rebuildTree()` after a finding.
   */
  rebuildTree(): { leaves: number; seconds: number } {
    if (this.readonly) throw new Error('event store is read-only');
    const started = process.hrtime.bigint();
    const range = this.newRange();
    // The hash column alone, plucked (no row object or array per event), by ranges of positions; a
    // string per row was found cheaper than one group_concat per page, which SQLite sorts to keep order.
    const page = this.db.prepare('SELECT hash FROM events WHERE position > ? AND position <= ? ORDER BY position ASC').pluck() as Database.Statement<[number, number], string>;
    const last = (this.db.prepare('SELECT max(position) FROM events').pluck().get() as number | null) ?? 0;
    const width = 32768;
    this.db.transaction(() => {
      this.db.exec('DELETE FROM merkle_nodes');
      this.pendingNodes.count = 0;
      // In pages: the connection cannot write the nodes while a SELECT is still iterating.
      for (let after = 0; after < last; after += width) {
        for (const hex of page.all(after, after + width)) range.appendLeafOfHex(hex);
        this.writePendingNodes();
      }
    })();
    this.range = range;
    return { leaves: range.size, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
  }

  /**
   * Another process sharing the file (a second service instance) may have appended since this one
   * last did: take its events into the tree first, so leaf i stays the event at position i + 1.
   */
  private catchUpTree(): void {
    const head = this.leafCount();
    while (this.range.size < head) {
      const hashes = this.stmt.leafHashes.all(this.range.size, Math.min(head - this.range.size, 20000));
      if (hashes.length === 0) break;
      for (const hex of hashes) this.range.appendLeafOfHex(hex);
    }
  }

  private treeApi(): LedgerTree {
    const checkSize = (size: number) => {
      if (!Number.isSafeInteger(size) || size < 0 || size > this.range.size) throw new RangeError(`tree size ${size} is beyond the log's ${this.range.size} events`);
    };
    return {
      size: async () => {
        if (this.readonly) this.catchUpTree();
        else
          this.db.transaction(() => {
            this.catchUpTree();
            this.writePendingNodes();
          })();
        return this.range.size;
      },
      root: async (size = this.range.size) => {
        checkSize(size);
        return size === this.range.size ? this.range.root() : treeRoot(this.subtree, size);
      },
      inclusionProof: async (leafIndex, treeSize) => {
        checkSize(treeSize);
        return inclusionProof(this.subtree, leafIndex, treeSize);
      },
      consistencyProof: async (first, second) => {
        checkSize(second);
        return consistencyProof(this.subtree, first, second);
      },
      leafIndexOf: async (position) => {
        const index = Number(position) - 1;
        return index >= 0 && index < this.range.size ? index : undefined;
      },
      positionOfEvent: async (eventId) => {
        const row = this.stmt.byEventId.get(eventId);
        return row ? BigInt(row.position) : undefined;
      },
      storedLevel: STORED_TREE_LEVEL,
      leaves: async (start, count) => this.stmt.leafHashes.all(start, count),
      storedNodes: async () =>
        (this.db.prepare('SELECT level, idx AS "index", hash FROM merkle_nodes ORDER BY level, idx').all() as { level: number; index: number; hash: Buffer }[]),
    };
  }

  async missingAppendOnlyGuards(): Promise<string[]> {
    const now = this.missingTriggers().map((t) => `trigger ${t} is missing`);
    const atOpen = this.guardsMissingAtOpen.map((t) => `trigger ${t} was missing when the store was opened (re-created so that appends stay guarded)`);
    return [...atOpen, ...now];
  }

  append(streamId: string, events: NewEvent[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('event store is closed'));
    if (this.readonly) return Promise.reject(new Error('event store is read-only'));
    if (!isValidStreamId(streamId)) return Promise.reject(new InvalidStreamIdError(streamId));
    if (events.length === 0) return Promise.reject(new Error('append needs at least one event'));
    const ids = new Set(events.map((e) => e.eventId));
    if (ids.size !== events.length) return Promise.reject(new Error('event ids within one append must be distinct'));
    return new Promise((resolve, reject) => {
      this.queue.push({ streamId, events, expectedRevision, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    let results: (AppendResult | Error)[];
    this.counters.transactions += 1;
    this.counters.appendCalls += batch.length;
    const edge = this.range.snapshot();
    try {
      results = this.runBatch(batch);
    } catch (error) {
      this.range.restore(edge);
      this.pendingNodes.count = 0;
      const refused = busyAsUnavailable(error, 'event log');
      for (const request of batch) request.reject(refused);
      return;
    }
    let anyAppended = false;
    batch.forEach((request, i) => {
      const result = results[i];
      if (result instanceof Error) request.reject(result);
      else {
        anyAppended ||= !result.idempotentReplay;
        request.resolve(result);
      }
    });
    if (anyAppended) this.appended.emit('appended');
  }

  /** `treeCurrent`: the tree was caught up with other writers in this transaction already. */
  private appendInTransaction(request: PendingAppend, treeCurrent = false): AppendResult {
    const { streamId, events, expectedRevision } = request;
    const replay = this.detectReplay(streamId, events);
    if (replay) return replay;

    const head = this.stmt.head.get(streamId);
    const actual = head ? head.revision : -1;
    const matches =
      expectedRevision === 'any' ||
      (expectedRevision === 'no_stream' && actual === -1) ||
      (typeof expectedRevision === 'number' && expectedRevision === actual);
    if (!matches) throw new WrongExpectedRevisionError(streamId, describeExpected(expectedRevision), actual);

    this.pendingNodes.count = 0;
    if (this.merkle && !treeCurrent) this.catchUpTree();
    const sealed = sealEvents(streamId, head, events, this.now().toISOString());
    let position = 0;
    this.insertStarted = true;
    for (const event of sealed) {
      try {
        const info = this.stmt.insert.run(
          streamId,
          event.revision,
          event.eventId,
          event.type,
          JSON.stringify(event.data),
          JSON.stringify(event.metadata),
          event.metadata.hash,
        );
        position = Number(info.lastInsertRowid);
        if (this.merkle) this.range.appendLeafOfHex(event.metadata.hash);
      } catch (error) {
        if (String((error as Error).message).includes('events.event_id')) {
          throw new DuplicateEventIdError(event.eventId, streamId);
        }
        throw error;
      }
    }
    if (this.pendingNodes.count > 0) this.writePendingNodes();
    const revision = sealed[sealed.length - 1].revision;
    return { nextExpectedRevision: revision, position: BigInt(position), idempotentReplay: false, recordedAt: sealed[0].metadata.recordedAt };
  }

  /** A retry carries the same event ids, already stored consecutively in this stream. */
  private detectReplay(streamId: string, events: NewEvent[]): AppendResult | undefined {
    const first = this.stmt.byEventId.get(events[0].eventId);
    if (!first) return undefined;
    let last = first;
    for (let i = 0; i < events.length; i++) {
      const found = i === 0 ? first : this.stmt.byEventId.get(events[i].eventId);
      if (!found || found.stream_id !== streamId || found.revision !== first.revision + i) {
        throw new DuplicateEventIdError(events[i].eventId, streamId);
      }
      last = found;
    }
    return { nextExpectedRevision: last.revision, position: BigInt(last.position), idempotentReplay: true };
  }

  /**
   * Group-commit figures: how many append calls shared how many transactions (one fsync each), and
   * how many groups had to run again with a savepoint per append.
   */
  stats(): { transactions: number; appendCalls: number; guardedRetries: number } {
    return { ...this.counters };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const { maxCount } = options;
    const backwards = options.direction === 'backwards';
    if (maxCount === undefined && !backwards) return this.readForwards(streamId, options.fromRevision ?? 0);
    const from = options.fromRevision ?? (backwards ? Number.MAX_SAFE_INTEGER : 0);
    // A forward read without a limit went to readForwards above.
    const rows =
      maxCount === undefined
        ? this.stmt.backwardsAll.all(streamId, from)
        : (backwards ? this.stmt.backwards : this.stmt.forwards).all(streamId, from, maxCount);
    return rows.map(toRecorded);
  }

  /**
   * A whole stream (or its tail) read forwards. The reads asked for in one synchronous stretch of
   * code (a batch of commands, each folding its stream) are answered by one statement once that
   * stretch ends, in one snapshot: a statement costs ≈ 10 µs to begin and end, a stream more in it
   * ≈ 3 µs. A read alone runs its own statement as before. Callers never see the difference: the
   * read is answered before any append of the same stretch commits (appends wait a whole turn).
   */
  private readForwards(streamId: string, fromRevision: number): Promise<RecordedEvent[]> {
    return new Promise((resolve, reject) => {
      if (!this.pendingReads) {
        this.pendingReads = [];
        queueMicrotask(() => this.flushReads());
      }
      this.pendingReads.push({ streamId, fromRevision, resolve, reject });
    });
  }

  private flushReads(): void {
    const reads = this.pendingReads ?? [];
    this.pendingReads = undefined;
    try {
      if (reads.length === 1) {
        const [{ streamId, fromRevision, resolve }] = reads;
        resolve(this.stmt.forwardsAll.all(streamId, fromRevision).map(toRecorded));
        return;
      }
      // One wanted row per stream, from the lowest revision any read of it asked for.
      const lowest = new Map<string, number>();
      const shared = new Set<string>();
      for (const { streamId, fromRevision } of reads) {
        const earlier = lowest.get(streamId);
        if (earlier !== undefined) shared.add(streamId);
        lowest.set(streamId, Math.min(earlier ?? fromRevision, fromRevision));
      }
      const rows = new Map<string, EventRow[]>();
      const wanted = [...lowest];
      const max = READ_SIZES[READ_SIZES.length - 1];
      for (let start = 0; start < wanted.length; start += max) {
        const part = wanted.slice(start, start + max);
        const size = READ_SIZES.find((n) => n >= part.length)!;
        const params: (string | number)[] = [];
        for (const [streamId, from] of part) params.push(streamId, from);
        // The empty stream id is never stored (stream ids are checked on append): padding finds nothing.
        for (let i = part.length; i < size; i++) params.push('', 0);
        for (const row of this.forwardsMany(size).all(...params)) {
          const list = rows.get(row.streamId);
          if (list) list.push(row);
          else rows.set(row.streamId, [row]);
        }
      }
      for (const { streamId, fromRevision, resolve, reject } of reads) {
        const found = rows.get(streamId) ?? [];
        const mine = fromRevision === lowest.get(streamId) ? found : found.filter((row) => row.revision >= fromRevision);
        // A row that does not parse fails the reads of its stream only, as a read of its own would.
        try {
          // toRecorded turns a row into its event in place: a stream read twice gets rows of its own each time.
          resolve(shared.has(streamId) ? mine.map((row) => toRecorded({ ...row })) : mine.map(toRecorded));
        } catch (error) {
          reject(error);
        }
      }
    } catch (error) {
      for (const read of reads) read.reject(error);
    }
  }

  private forwardsMany(size: number): Database.Statement<(string | number)[], EventRow> {
    let statement = this.forwardsManyBySize.get(size);
    if (!statement) {
      const values = Array.from({ length: size }, () => '(?, ?)').join(', ');
      statement = this.db.prepare(
        `WITH wanted(stream_id, revision) AS (VALUES ${values}) ` +
          `SELECT ${JOINED_EVENT_COLUMNS} FROM wanted JOIN events e ` +
          'ON e.stream_id = wanted.stream_id AND e.revision >= wanted.revision ORDER BY e.stream_id, e.revision',
      );
      this.forwardsManyBySize.set(size, statement);
    }
    return statement;
  }

  /** Commits of this connection (counted here) and of any other (SQLite's data_version): one cheap PRAGMA. */
  changeMarker(): string {
    return `${this.stmt.dataVersion.get()}:${this.counters.transactions}`;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const after = options.after === undefined ? 0 : Number(options.after);
    return this.stmt.all.all(after, options.maxCount ?? Number.MAX_SAFE_INTEGER).map(toRecorded);
  }

  /** readAll's page with data and metadata left as their stored JSON text. */
  async readAllJson(options: ReadAllOptions = {}): Promise<StoredJsonEvent[]> {
    const after = options.after === undefined ? 0 : Number(options.after);
    const rows = this.stmt.allJson.all(after, options.maxCount ?? Number.MAX_SAFE_INTEGER) as (Omit<StoredJsonEvent, 'position'> & { position: number | bigint })[];
    for (const row of rows) row.position = BigInt(row.position);
    return rows as StoredJsonEvent[];
  }

  async streamRevision(streamId: string): Promise<number> {
    return this.stmt.head.get(streamId)?.revision ?? -1;
  }

  async headPosition(): Promise<bigint | undefined> {
    const p = this.stmt.maxPosition.get()?.p;
    return p === null || p === undefined ? undefined : BigInt(p);
  }

  /**
   * Called after each commit of this connection that appended something (not for other processes'
   * commits: their readers find those by polling). Returns an unregister function.
   */
  onAppended(listener: () => void): () => void {
    this.appended.on('appended', listener);
    return () => this.appended.off('appended', listener);
  }

  subscribeToAll(options: SubscribeToAllOptions): SubscriptionHandle {
    return catchUpSubscription(
      {
        readAll: (o) => this.readAll(o),
        headPosition: () => this.headPosition(),
        onAppended: (listener) => this.onAppended(listener),
      },
      options,
    );
  }

  async health(): Promise<StoreHealth> {
    try {
      this.db.prepare('SELECT 1').get();
      return { store: this.kind, ok: true, detail: this.db.name };
    } catch (error) {
      return { store: this.kind, ok: false, detail: (error as Error).message };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.queue.length > 0) this.flush();
    this.closed = true;
    await this.checkpointer?.close();
    this.db.close();
  }
}
