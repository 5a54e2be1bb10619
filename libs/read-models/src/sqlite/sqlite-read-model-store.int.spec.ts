import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readModelStoreContract } from '../read-model-store.contract';
import { upsert } from '../types';
import { SqliteReadModelStore } from './sqlite-read-model-store';

describe('SqliteReadModelStore', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  function open() {
    const dir = mkdtempSync(join(tmpdir(), 'read-models-'));
    dirs.push(dir);
    // A nested, not yet existing directory, as for ./data/read-models.db on first start.
    const file = join(dir, 'data', 'read-models.db');
    const opened = [new SqliteReadModelStore({ file })];
    return {
      file,
      harness: {
        store: opened[0],
        reopen: async () => {
          const store = new SqliteReadModelStore({ file });
          opened.push(store);
          return store;
        },
        cleanup: async () => {
          for (const store of opened.splice(0)) await store.close();
        },
      },
    };
  }

  describe('contract', () => readModelStoreContract(async () => open().harness));

  const connectionOf = (store: SqliteReadModelStore) => (store as unknown as { db: Database.Database }).db;

  it('uses WAL with synchronous=NORMAL (read models are rebuilt from the log)', async () => {
    const { harness } = open();
    const db = connectionOf(harness.store as SqliteReadModelStore);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    await harness.cleanup();
  });

  it('answers the obligations query through the declared expression index', async () => {
    const { harness } = open();
    const store = harness.store as SqliteReadModelStore;
    await store.declareIndexes('obligations', [{ fields: ['agency', 'state', 'dueAt'] }]);
    await store.applyBatch(
      'toy',
      Array.from({ length: 200 }, (_, i) => ({
        position: BigInt(i + 1),
        writes: [
          upsert('obligations', `o-${i}`, {
            agency: `a-${i % 7}`,
            state: i % 3 ? 'open' : 'overdue',
            dueAt: `2025-06-${String((i % 28) + 1).padStart(2, '0')}`,
          }),
        ],
      })),
    );
    const db = connectionOf(store);
    const prepare = jest.spyOn(db, 'prepare');
    const found = await store.find('obligations', { agency: 'a-1', state: 'overdue', dueAt: { $lte: '2025-06-15' } }, { sort: { dueAt: 1 } });
    const sql = prepare.mock.calls.map(([text]) => text).find((text) => text.startsWith('SELECT id'));
    prepare.mockRestore();

    expect(found.length).toBeGreaterThan(0);
    expect(found.every((d) => d['agency'] === 'a-1' && d['state'] === 'overdue' && String(d['dueAt']) <= '2025-06-15')).toBe(true);
    const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all('a-1', 'overdue', '2025-06-15', -1) as { detail: string }[];
    expect(plan.map((p) => p.detail).join('\n')).toMatch(/USING INDEX "?ix_obligations__agency__state__dueAt"? \(<expr>=\? AND <expr>=\? AND <expr><\?\)/);
    await harness.cleanup();
  });

  it('refuses use after close', async () => {
    const { harness } = open();
    await harness.cleanup();
    await expect(harness.store.get('agencies', 'a-1')).rejects.toThrow(/closed/);
    expect(await harness.store.health()).toMatchObject({ ok: false });
  });
});
