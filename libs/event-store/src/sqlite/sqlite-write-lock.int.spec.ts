import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { StoreUnavailableError } from '../errors';
import type { NewEvent } from '../types';
import { SqliteEventStore } from './sqlite-event-store';

const event = (): NewEvent => ({
  eventId: randomUUID(),
  type: 'Happened',
  data: {},
  metadata: { $correlationId: randomUUID(), $causationId: randomUUID(), commandId: randomUUID(), actor: 'lock-test', occurredAt: '2025-06-30T16:00:00.000Z' },
});

/**
 * Two processes append to one embedded ledger (the service and `import-log`). An append group reads
 * (the tree's edge, stream heads) before it writes; begun deferred, a commit by the other process
 * while it waited for the write lock made SQLite refuse it at once ("database is locked") and every
 * append of the group was refused. Groups now take the write lock first and wait their turn.
 */
describe('SqliteEventStore: appends wait for another process holding the write lock, then commit', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'es-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a group and a lone append both commit after the other writer, and the tree covers its event too', async () => {
    const file = join(dir, 'events.db');
    const store = new SqliteEventStore({ file });
    await store.append('s-0', [event()], 'no_stream');
    const other = new SqliteEventStore({ file });
    const spawnHolder = () =>
      spawn(
        process.execPath,
        [
          '-e',
          `const D = require('better-sqlite3'); const db = new D(${JSON.stringify(file)});
           db.exec('BEGIN IMMEDIATE'); process.stdout.write('locked\\n');
           Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
           db.exec('COMMIT'); db.close();`,
        ],
        { cwd: resolve(__dirname, '../../../..'), stdio: ['ignore', 'pipe', 'inherit'] },
      );
    for (const appends of [3, 1]) {
      // The other process writes first (a real append), then holds the lock while this one appends.
      await other.append(`o-${appends}`, [event()], 'no_stream');
      const holder = spawnHolder();
      await new Promise<void>((done) => holder.stdout!.on('data', (c: Buffer) => c.toString().includes('locked') && done()));
      const results = await Promise.all(Array.from({ length: appends }, (_, i) => store.append(`g${appends}-${i}`, [event()], 'no_stream')));
      expect(results.every((r) => r.idempotentReplay === false)).toBe(true);
      await new Promise((done) => holder.once('exit', done));
    }
    const all = await store.readAll({});
    expect(all.map((e) => e.streamId).sort()).toEqual(['g1-0', 'g3-0', 'g3-1', 'g3-2', 'o-1', 'o-3', 's-0'].sort());
    expect(await store.tree!.size()).toBe(7);
    await other.close();
    await store.close();
  });

  it('past the busy timeout an append is refused as the store being unavailable (a 503, retryable), keeps nothing, and goes through once the lock is free', async () => {
    const file = join(dir, 'events.db');
    const store = new SqliteEventStore({ file, busyTimeoutMs: 50 });
    await store.append('s-0', [event()], 'no_stream');
    const holder = new Database(file);
    holder.exec('BEGIN IMMEDIATE');
    // A group of two, then one alone: both ways out of the store.
    const refused = await Promise.all([store.append('s-1', [event()], 'no_stream'), store.append('s-2', [event()], 'no_stream')].map((p) => p.then(() => undefined, (e: unknown) => e)));
    refused.push(await store.append('s-3', [event()], 'no_stream').then(() => undefined, (e: unknown) => e));
    for (const error of refused) {
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).message).toMatch(/event log busy: another connection held its write lock/);
    }
    holder.exec('COMMIT');
    holder.close();
    expect((await store.readAll({})).map((e) => e.streamId)).toEqual(['s-0']);
    const retried = await store.append('s-1', [event()], 'no_stream');
    expect(retried).toMatchObject({ idempotentReplay: false, nextExpectedRevision: 0 });
    // The tree's edge was put back with the refused group: the retried event is leaf 2, not 4.
    expect(await store.tree!.size()).toBe(2);
    await store.close();
  });
});
