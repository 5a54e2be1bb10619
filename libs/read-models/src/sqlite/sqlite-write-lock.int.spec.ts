import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { StoreUnavailableError } from '@ledger/event-store';
import { upsert } from '../types';
import { SqliteReadModelStore } from './sqlite-read-model-store';

/**
 * Several processes write one read-model file (a projector, service instances renewing leases).
 * A batch reads a typed row before writing it; begun as a deferred transaction, its read took a
 * snapshot, and when another process committed while it waited for the write lock SQLite refused
 * the upgrade at once ("database is locked", no busy wait), which stopped a projection during a
 * log import beside a projector. The batch now takes the write lock first and waits its turn.
 */
describe('SqliteReadModelStore: a batch waits for another process holding the write lock, then commits', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rm-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('applies the batch after the other writer commits, instead of failing with "database is locked"', async () => {
    const file = join(dir, 'read-models.db');
    const store = new SqliteReadModelStore({ file });
    await store.declareTable('items', { columns: { n: 'integer' } });
    await store.applyBatch('p', [{ position: 1n, writes: [upsert('items', 'a', { n: 1 })] }]);

    // Another process: takes the write lock, writes, holds it for 600 ms, commits.
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const D = require('better-sqlite3'); const db = new D(${JSON.stringify(file)});
         db.exec('BEGIN IMMEDIATE'); db.prepare("INSERT INTO projection_leases (projection, holder, expires_at) VALUES ('other', 'x', 0)").run();
         process.stdout.write('locked\\n');
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 600);
         db.exec('COMMIT'); db.close();`,
      ],
      { cwd: resolve(__dirname, '../../../..'), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((done) => holder.stdout!.on('data', (c: Buffer) => c.toString().includes('locked') && done()));

    await store.applyBatch('p', [{ position: 2n, writes: [upsert('items', 'a', { n: 2 })] }]);
    expect(await store.checkpoint('p')).toBe(2n);
    expect((await store.get<{ n: number }>('items', 'a'))?.n).toBe(2);
    await new Promise((done) => holder.once('exit', done));
    expect(await store.lease('other')).toEqual({ holder: 'x', expiresAt: 0 });
    await store.close();
  });

  it('past the busy timeout a write is refused as the store being unavailable (retryable), and nothing of it is kept', async () => {
    const file = join(dir, 'read-models.db');
    const store = new SqliteReadModelStore({ file, busyTimeoutMs: 50 });
    await store.applyBatch('p', [{ position: 1n, writes: [upsert('items', 'a', { n: 1 })] }]);
    await store.acquireLease('p', 'me', 60_000);
    // Another connection holds the write lock for longer than this store waits.
    const holder = new Database(file);
    holder.exec('BEGIN IMMEDIATE');
    holder.prepare("INSERT INTO projection_leases (projection, holder, expires_at) VALUES ('other', 'x', 0)").run();
    const refused = [
      store.applyBatch('p', [{ position: 2n, writes: [upsert('items', 'a', { n: 2 })] }]),
      store.acquireLease('p', 'me', 60_000),
      store.releaseLease('p', 'me'),
      store.drop('p', ['items']),
      store.declareIndexes('items', [{ fields: ['n'] }]),
    ];
    for (const attempt of refused) {
      const error = await attempt.then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).message).toMatch(/write lock/);
    }
    holder.exec('COMMIT');
    holder.close();
    expect(await store.checkpoint('p')).toBe(1n);
    expect((await store.get<{ n: number }>('items', 'a'))?.n).toBe(1);
    // The lock released, the same write goes through.
    await store.applyBatch('p', [{ position: 2n, writes: [upsert('items', 'a', { n: 2 })] }]);
    expect(await store.checkpoint('p')).toBe(2n);
    await store.close();
  });
});
