import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
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


export interface SqliteDataKeyVaultOptions {
  /** Database file, e.g. ./data/keys.db; its directory is created. ':memory:' for throwaway use. */
  path: string;
  /** 32-byte AES-256 key that wraps every data key (LEDGER_MASTER_KEY). */
  masterKey: Buffer;
  /** When a tombstone was recorded; defaults to the wall clock. */
  now?: () => Date;
  /**
   * Starts WAL checkpoints off the committing thread for this connection's file (the event store's
   * startWalCheckpointer, passed in so that this library stays a leaf). Without it, SQLite
   * checkpoints inside commits.
   */
  backgroundCheckpoints?: (writer: Database.Database) => { close(): Promise<void> } | undefined;
  /** How long a write waits for another connection's write lock before SQLite refuses it (SQLITE_BUSY); default 5,000 ms. */
  busyTimeoutMs?: number;
}

interface KeyRow {
  wrapped_key: Buffer;
}

interface TombstoneRow {
  person_id: string;
  destroyed_at: string;
  reason: string;
  actor: string;
}

/**
 * Data keys in a SQLite file kept apart from the event store, so backups of the log never carry
 * the keys that unlock it. Destroying a key deletes its row under secure_delete and checkpoints
 * the WAL, so the wrapped key does not survive in free pages or the WAL file; a tombstone row
 * keeps the erasure visible to auditors.
 */
export class SqliteDataKeyVault implements DataKeyVault, PersonIndex {
  readonly #db: Database.Database;
  readonly #wrapper: DataKeyWrapper;
  readonly #now: () => Date;
  #checkpoints: { close(): Promise<void> } | undefined;
  /** Prepared once: a batch of thousands would otherwise prepare the same statements per person. */
  readonly #stmt: {
    key: Database.Statement<[string], KeyRow>;
    tombstone: Database.Statement<[string], TombstoneRow>;
    insertKey: Database.Statement<[string, Buffer, string]>;
    person: Database.Statement<[string], { person_id: string }>;
    insertPerson: Database.Statement<[string, string]>;
  };

  constructor(options: SqliteDataKeyVaultOptions) {
    this.#wrapper = new DataKeyWrapper(options.masterKey);
    this.#now = options.now ?? (() => new Date());
    if (options.path !== ':memory:') {
      mkdirSync(dirname(options.path), { recursive: true });
      // Owner-only from the first byte: the file holds wrapped keys and the blind index.
      if (!existsSync(options.path)) writeFileSync(options.path, '', { mode: 0o600 });
      chmodSync(options.path, 0o600);
    }
    this.#db = new Database(options.path);
    this.#db.pragma('journal_mode = WAL');
    // A key lost in a crash makes ciphertext already written to the log unreadable: pay for fsync.
    this.#db.pragma('synchronous = FULL');
    // Zero deleted content instead of leaving it in free pages, where a destroyed key could be carved out.
    this.#db.pragma('secure_delete = ON');
    this.#db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS data_keys (
        person_id   TEXT PRIMARY KEY,
        wrapped_key BLOB NOT NULL,
        created_at  TEXT NOT NULL
      ) STRICT;
      CREATE TABLE IF NOT EXISTS person_index (
        blind_index TEXT PRIMARY KEY,
        person_id   TEXT NOT NULL
      ) STRICT;
      CREATE INDEX IF NOT EXISTS person_index_by_person ON person_index (person_id);
      CREATE TABLE IF NOT EXISTS account_slots (
        person_id   TEXT NOT NULL,
        agency_code TEXT NOT NULL,
        kind        TEXT NOT NULL,
        account_key TEXT NOT NULL UNIQUE,
        PRIMARY KEY (person_id, agency_code, kind)
      ) STRICT;
      CREATE TABLE IF NOT EXISTS data_key_tombstones (
        person_id    TEXT PRIMARY KEY,
        destroyed_at TEXT NOT NULL,
        reason       TEXT NOT NULL,
        actor        TEXT NOT NULL,
        recorded_at  TEXT NOT NULL
      ) STRICT;
    `);
    this.#stmt = {
      key: this.#db.prepare('SELECT wrapped_key FROM data_keys WHERE person_id = ?'),
      tombstone: this.#db.prepare('SELECT person_id, destroyed_at, reason, actor FROM data_key_tombstones WHERE person_id = ?'),
      insertKey: this.#db.prepare('INSERT INTO data_keys (person_id, wrapped_key, created_at) VALUES (?, ?, ?)'),
      person: this.#db.prepare('SELECT person_id FROM person_index WHERE blind_index = ?'),
      insertPerson: this.#db.prepare('INSERT INTO person_index (blind_index, person_id) VALUES (?, ?)'),
    };
    this.#checkpoints = options.backgroundCheckpoints?.(this.#db);
  }

  async getOrCreateKey(personId: string): Promise<Buffer> {
    assertPersonId(personId);
    // IMMEDIATE takes the write lock up front, so two processes sharing the file cannot both insert.
    const wrapped = this.#db
      .transaction((): Buffer => {
        if (this.#tombstoneRow(personId)) throw new PersonalDataErasedError(personId);
        const existing = this.#keyRow(personId);
        if (existing) return existing.wrapped_key;
        const fresh = this.#wrapper.wrap(personId, this.#wrapper.newDataKey());
        this.#db
          .prepare('INSERT INTO data_keys (person_id, wrapped_key, created_at) VALUES (?, ?, ?)')
          .run(personId, fresh, this.#now().toISOString());
        return fresh;
      })
      .immediate();
    return this.#wrapper.unwrap(personId, wrapped);
  }

  async getOrCreateKeys(personIds: readonly string[]): Promise<Buffer[]> {
    personIds.forEach((id) => assertPersonId(id));
    // One fsync for the lot instead of one per person.
    const createdAt = this.#now().toISOString();
    return this.#db.transaction((): Buffer[] => personIds.map((personId) => this.#keyIn(personId, createdAt))).immediate();
  }

  /**
   * The blind index and the data keys in one transaction (one fsync): each blind index's person id
   * (made on first sight) with that person's data key (made if missing), in order. A person id
   * erased meanwhile rejects the whole call with PersonalDataErasedError and nothing is written.
   */
  async personsWithKeys(blindIndexes: readonly string[]): Promise<{ personId: string; known: boolean; key: Buffer }[]> {
    const createdAt = this.#now().toISOString();
    return this.#db
      .transaction(() =>
        blindIndexes.map((blindIndex) => {
          const existing = this.#stmt.person.get(blindIndex);
          if (existing) return { personId: existing.person_id, known: true, key: this.#keyIn(existing.person_id, createdAt) };
          // A person id made just now has neither a key nor a tombstone: nothing to look up.
          const personId = newPersonId();
          this.#stmt.insertPerson.run(blindIndex, personId);
          return { personId, known: false, key: this.#newKeyIn(personId, createdAt) };
        }),
      )
      .immediate();
  }

  /** Inside a write transaction: the person's data key, made and stored (wrapped) when missing. */
  #keyIn(personId: string, createdAt: string): Buffer {
    if (this.#stmt.tombstone.get(personId)) throw new PersonalDataErasedError(personId);
    const existing = this.#stmt.key.get(personId);
    if (existing) return this.#wrapper.unwrap(personId, existing.wrapped_key);
    return this.#newKeyIn(personId, createdAt);
  }

  /** Inside a write transaction: a new data key for a person who has none. */
  #newKeyIn(personId: string, createdAt: string): Buffer {
    // The fresh key is returned as made: unwrapping what was just wrapped would only cost time.
    const key = this.#wrapper.newDataKey();
    this.#stmt.insertKey.run(personId, this.#wrapper.wrap(personId, key), createdAt);
    return key;
  }

  async getKey(personId: string): Promise<Buffer | undefined> {
    assertPersonId(personId);
    const row = this.#keyRow(personId);
    return row ? this.#wrapper.unwrap(personId, row.wrapped_key) : undefined;
  }

  async destroyKey(personId: string, request: DestroyKeyRequest): Promise<void> {
    assertPersonId(personId);
    assertDestroyRequest(request);
    this.#db
      .transaction(() => {
        this.#db.prepare('DELETE FROM data_keys WHERE person_id = ?').run(personId);
        this.#db.prepare('DELETE FROM person_index WHERE person_id = ?').run(personId);
        this.#db.prepare('DELETE FROM account_slots WHERE person_id = ?').run(personId);
        // OR IGNORE: the first erasure is the fact auditors need; a repeat must not rewrite it.
        this.#db
          .prepare(
            'INSERT OR IGNORE INTO data_key_tombstones (person_id, destroyed_at, reason, actor, recorded_at) VALUES (?, ?, ?, ?, ?)',
          )
          .run(personId, request.at.toISOString(), request.reason, request.actor, this.#now().toISOString());
      })
      .immediate();
    // The WAL still holds the page images written before the delete; fold them into the
    // (secure-deleted) main file and truncate the WAL. Best effort: an open reader can hold it back.
    this.#db.pragma('wal_checkpoint(TRUNCATE)');
  }

  async isDestroyed(personId: string): Promise<boolean> {
    assertPersonId(personId);
    return this.#tombstoneRow(personId) !== undefined;
  }

  async getTombstone(personId: string): Promise<KeyTombstone | undefined> {
    assertPersonId(personId);
    const row = this.#tombstoneRow(personId);
    return row && { personId: row.person_id, destroyedAt: new Date(row.destroyed_at), reason: row.reason, actor: row.actor };
  }

  async findPerson(blindIndex: string): Promise<string | undefined> {
    return this.#stmt.person.get(blindIndex)?.person_id;
  }

  async personFor(blindIndex: string): Promise<{ personId: string; known: boolean }> {
    return this.#db
      .transaction(() => {
        const existing = this.#db.prepare('SELECT person_id FROM person_index WHERE blind_index = ?').get(blindIndex) as { person_id: string } | undefined;
        if (existing) return { personId: existing.person_id, known: true };
        const personId = newPersonId();
        this.#db.prepare('INSERT INTO person_index (blind_index, person_id) VALUES (?, ?)').run(blindIndex, personId);
        return { personId, known: false };
      })
      .immediate();
  }

  async personsFor(blindIndexes: readonly string[]): Promise<{ personId: string; known: boolean }[]> {
    const select = this.#stmt.person;
    const insert = this.#stmt.insertPerson;
    return this.#db
      .transaction(() =>
        blindIndexes.map((blindIndex) => {
          const existing = select.get(blindIndex) as { person_id: string } | undefined;
          if (existing) return { personId: existing.person_id, known: true };
          const personId = newPersonId();
          insert.run(blindIndex, personId);
          return { personId, known: false };
        }),
      )
      .immediate();
  }

  async accountKeyFor(personId: string, agencyCode: string, kind: string): Promise<{ key: string; known: boolean }> {
    assertPersonId(personId);
    return this.#db
      .transaction(() => {
        if (this.#tombstoneRow(personId)) throw new PersonalDataErasedError(personId);
        const existing = this.#db
          .prepare('SELECT account_key FROM account_slots WHERE person_id = ? AND agency_code = ? AND kind = ?')
          .get(personId, agencyCode, kind) as { account_key: string } | undefined;
        if (existing) return { key: existing.account_key, known: true };
        const key = randomHex();
        this.#db.prepare('INSERT INTO account_slots (person_id, agency_code, kind, account_key) VALUES (?, ?, ?, ?)').run(personId, agencyCode, kind, key);
        return { key, known: false };
      })
      .immediate();
  }

  async accountKeysOf(personId: string): Promise<{ agencyCode: string; kind: string; key: string }[]> {
    assertPersonId(personId);
    const rows = this.#db.prepare('SELECT agency_code, kind, account_key FROM account_slots WHERE person_id = ? ORDER BY agency_code, kind').all(personId) as {
      agency_code: string;
      kind: string;
      account_key: string;
    }[];
    return rows.map((r) => ({ agencyCode: r.agency_code, kind: r.kind, key: r.account_key }));
  }

  async hasPerson(personId: string): Promise<boolean> {
    assertPersonId(personId);
    const row = this.#db
      .prepare(
        'SELECT 1 FROM person_index WHERE person_id = ? UNION ALL SELECT 1 FROM account_slots WHERE person_id = ? UNION ALL SELECT 1 FROM data_keys WHERE person_id = ? LIMIT 1',
      )
      .get(personId, personId, personId);
    return row !== undefined;
  }

  close(): void {
    // The checkpoint thread closes its own connection after a last checkpoint; nothing waits for it.
    void this.#checkpoints?.close();
    this.#checkpoints = undefined;
    if (this.#db.open) this.#db.close();
  }

  #keyRow(personId: string): KeyRow | undefined {
    return this.#stmt.key.get(personId);
  }

  #tombstoneRow(personId: string): TombstoneRow | undefined {
    return this.#stmt.tombstone.get(personId);
  }
}
