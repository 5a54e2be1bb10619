import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MongoClient } from 'mongodb';
import { describeWithServer, mongoDb, type ExternalStore } from '@ledger/testing';
import { DATA_KEY_BYTES, type DataKeyVault } from './data-key-vault';
import { DataKeyUnwrapError, InvalidDestructionRequestError, InvalidPersonIdError, PersonalDataErasedError } from './errors';
import { MongoDataKeyVault } from './mongo-data-key-vault';
import { SqliteDataKeyVault } from './sqlite-data-key-vault';

/** One adapter under test, with the store-level access the contract needs to look behind the port. */
interface Harness {
  vault: DataKeyVault;
  /** A second, independent vault instance over the same store. */
  reopen(masterKey: Buffer): Promise<DataKeyVault>;
  /** The stored key material exactly as persisted, to prove it is wrapped. */
  storedKeyBytes(personId: string): Promise<Buffer | undefined>;
  cleanup(): Promise<void>;
}

const MASTER_KEY = randomBytes(32);
const erasure = (reason = 'retention: 要點 十一(二), case 114-0042 closed') => ({
  reason,
  actor: 'admin:labor-bureau-07',
  at: new Date('2025-08-01T01:02:03.000Z'),
});

function dataKeyVaultContract(makeHarness: () => Promise<Harness>): void {
  let h: Harness;
  beforeEach(async () => {
    h = await makeHarness();
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it('creates a 32-byte key once and returns the same key afterwards', async () => {
    const key = await h.vault.getOrCreateKey('p-1');
    expect(key).toHaveLength(DATA_KEY_BYTES);
    expect((await h.vault.getOrCreateKey('p-1')).equals(key)).toBe(true);
    expect((await h.vault.getKey('p-1'))?.equals(key)).toBe(true);
  });

  it('has no key and no tombstone for an unknown person', async () => {
    expect(await h.vault.getKey('p-unknown')).toBeUndefined();
    expect(await h.vault.isDestroyed('p-unknown')).toBe(false);
    expect(await h.vault.getTombstone('p-unknown')).toBeUndefined();
  });

  it('gives different people different keys', async () => {
    const a = await h.vault.getOrCreateKey('p-1');
    const b = await h.vault.getOrCreateKey('p-2');
    expect(a.equals(b)).toBe(false);
  });

  it('converges on one key when creations race, also across instances', async () => {
    const other = await h.reopen(MASTER_KEY);
    const keys = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => (i % 2 ? other : h.vault).getOrCreateKey('p-race')));
    for (const k of keys) expect(k.equals(keys[0]!)).toBe(true);
  });

  it('keeps keys across instances (durable, not in memory)', async () => {
    const key = await h.vault.getOrCreateKey('p-1');
    const reopened = await h.reopen(MASTER_KEY);
    expect((await reopened.getKey('p-1'))?.equals(key)).toBe(true);
  });

  it('stores keys wrapped, never in the clear', async () => {
    const key = await h.vault.getOrCreateKey('p-1');
    const stored = await h.storedKeyBytes('p-1');
    expect(stored).toBeDefined();
    expect(stored!.includes(key)).toBe(false);
    expect(stored!.length).toBeGreaterThan(DATA_KEY_BYTES);
  });

  it('fails loudly with the wrong master key instead of handing out a different key', async () => {
    await h.vault.getOrCreateKey('p-1');
    const wrong = await h.reopen(randomBytes(32));
    await expect(wrong.getKey('p-1')).rejects.toBeInstanceOf(DataKeyUnwrapError);
    await expect(wrong.getOrCreateKey('p-1')).rejects.toBeInstanceOf(DataKeyUnwrapError);
  });

  it('destroys a key: gone, marked destroyed, with the tombstone an auditor needs', async () => {
    await h.vault.getOrCreateKey('p-1');
    const keep = await h.vault.getOrCreateKey('p-2');
    await h.vault.destroyKey('p-1', erasure());

    expect(await h.vault.getKey('p-1')).toBeUndefined();
    expect(await h.storedKeyBytes('p-1')).toBeUndefined();
    expect(await h.vault.isDestroyed('p-1')).toBe(true);
    const e = erasure();
    expect(await h.vault.getTombstone('p-1')).toEqual({ personId: 'p-1', destroyedAt: e.at, reason: e.reason, actor: e.actor });
    const reopened = await h.reopen(MASTER_KEY);
    expect(await reopened.isDestroyed('p-1')).toBe(true);
    expect((await h.vault.getKey('p-2'))?.equals(keep)).toBe(true);
    expect(await h.vault.isDestroyed('p-2')).toBe(false);
  });

  it('never re-creates a destroyed key', async () => {
    await h.vault.getOrCreateKey('p-1');
    await h.vault.destroyKey('p-1', erasure());
    await expect(h.vault.getOrCreateKey('p-1')).rejects.toBeInstanceOf(PersonalDataErasedError);
    expect(await h.vault.getKey('p-1')).toBeUndefined();
  });

  it('is idempotent on destruction and keeps the first tombstone', async () => {
    await h.vault.getOrCreateKey('p-1');
    await h.vault.destroyKey('p-1', erasure('first'));
    await h.vault.destroyKey('p-1', { reason: 'second', actor: 'someone-else', at: new Date('2026-01-01T00:00:00Z') });
    expect(await h.vault.getTombstone('p-1')).toMatchObject({ reason: 'first', actor: 'admin:labor-bureau-07', destroyedAt: erasure().at });
  });

  it('records erasure of a person who never had a key, and blocks creating one', async () => {
    await h.vault.destroyKey('p-never', erasure());
    expect(await h.vault.isDestroyed('p-never')).toBe(true);
    await expect(h.vault.getOrCreateKey('p-never')).rejects.toBeInstanceOf(PersonalDataErasedError);
  });

  it('refuses incomplete destruction requests and keeps the key', async () => {
    const key = await h.vault.getOrCreateKey('p-1');
    await expect(h.vault.destroyKey('p-1', { ...erasure(), reason: ' ' })).rejects.toBeInstanceOf(InvalidDestructionRequestError);
    await expect(h.vault.destroyKey('p-1', { ...erasure(), at: new Date('nope') })).rejects.toBeInstanceOf(InvalidDestructionRequestError);
    expect((await h.vault.getKey('p-1'))?.equals(key)).toBe(true);
  });

  it('refuses an identifier-shaped person id without echoing it', async () => {
    const attempt = h.vault.getOrCreateKey('A123456789');
    await expect(attempt).rejects.toBeInstanceOf(InvalidPersonIdError);
    await expect(attempt).rejects.toThrow(/^((?!A123456789).)*$/);
  });
}

describe('SqliteDataKeyVault', () => {
  const dirs: string[] = [];
  const open: Array<{ close(): void }> = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  function harness(): { harness: Harness; path: string } {
    const dir = mkdtempSync(join(tmpdir(), 'pd-vault-'));
    dirs.push(dir);
    // A nested, not yet existing directory: the adapter is expected to create it (./data/keys.db).
    const path = join(dir, 'data', 'keys.db');
    const track = (v: SqliteDataKeyVault) => (open.push(v), v);
    const vault = track(new SqliteDataKeyVault({ path, masterKey: MASTER_KEY }));
    return {
      path,
      harness: {
        vault,
        reopen: async (masterKey) => track(new SqliteDataKeyVault({ path, masterKey })),
        storedKeyBytes: async (personId) => {
          const db = new Database(path, { readonly: true });
          try {
            const row = db.prepare('SELECT wrapped_key FROM data_keys WHERE person_id = ?').get(personId) as { wrapped_key: Buffer } | undefined;
            return row?.wrapped_key;
          } finally {
            db.close();
          }
        },
        cleanup: async () => {
          for (const v of open.splice(0)) v.close();
        },
      },
    };
  }

  describe('contract', () => dataKeyVaultContract(async () => harness().harness));

  describe('storage', () => {
    it('uses WAL', async () => {
      const { harness: h, path } = harness();
      await h.vault.getOrCreateKey('p-1');
      const db = new Database(path, { readonly: true });
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      db.close();
      await h.cleanup();
    });

    it('leaves no trace of the destroyed wrapped key in the database file or the WAL', async () => {
      const { harness: h, path } = harness();
      await h.vault.getOrCreateKey('p-1');
      await h.vault.getOrCreateKey('p-2');
      const wrapped = (await h.storedKeyBytes('p-1'))!;
      const onDisk = () => [path, `${path}-wal`].filter(existsSync).map((f) => readFileSync(f));
      // Guard: the search below would pass vacuously if the bytes were never visible on disk.
      expect(onDisk().some((b) => b.includes(wrapped))).toBe(true);

      await h.vault.destroyKey('p-1', erasure());

      expect(onDisk().some((b) => b.includes(wrapped))).toBe(false);
      expect(await h.vault.isDestroyed('p-1')).toBe(true);
      await h.cleanup();
    });
  });
});

const describeMongo = describeWithServer('MongoDB');

describeMongo('MongoDataKeyVault', () => {
  let store: ExternalStore | undefined;
  let raw: MongoClient;

  beforeAll(async () => {
    store = await mongoDb();
    if (!store.available) throw new Error(`MongoDB was expected but is unavailable: ${store.reason}`);
    raw = new MongoClient(store.url, { serverSelectionTimeoutMS: 3_000 });
    await raw.connect();
  }, 180_000);

  afterAll(async () => {
    await raw?.close();
    if (store?.available) await store.stop();
  }, 60_000);

  async function harness(): Promise<Harness & { dbName: string }> {
    if (!store?.available) throw new Error('MongoDB store not started');
    const url = store.url;
    // A database per test keeps cases independent without relying on cleanup order.
    const dbName = `pd_vault_${randomUUID().replace(/-/g, '')}`;
    const opened: MongoDataKeyVault[] = [];
    const connect = async (masterKey: Buffer) => {
      const v = await MongoDataKeyVault.connect({ url, dbName, masterKey });
      opened.push(v);
      return v;
    };
    return {
      dbName,
      vault: await connect(MASTER_KEY),
      reopen: connect,
      storedKeyBytes: async (personId) => {
        const doc = await raw.db(dbName).collection('dataKeys').findOne({ personId });
        const wrapped = doc?.['wrappedKey'] as { buffer: Uint8Array } | undefined;
        return wrapped ? Buffer.from(wrapped.buffer) : undefined;
      },
      cleanup: async () => {
        for (const v of opened.splice(0)) await v.close();
        await raw.db(dbName).dropDatabase();
      },
    };
  }

  describe('contract', () => dataKeyVaultContract(harness));

  it('declares a unique index on personId', async () => {
    const h = await harness();
    const indexes = await raw.db(h.dbName).collection('dataKeys').indexes();
    expect(indexes).toEqual(expect.arrayContaining([expect.objectContaining({ key: { personId: 1 }, unique: true })]));
    await h.cleanup();
  });
});
