import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileSizeOnceAbove } from '@ledger/testing';
import type { NewEvent } from '../types';
import { SqliteEventStore } from './sqlite-event-store';

const event = (i: number): NewEvent => ({
  eventId: randomUUID(),
  type: 'Happened',
  data: { i, padding: 'x'.repeat(1_000) },
  metadata: { $correlationId: randomUUID(), $causationId: randomUUID(), commandId: randomUUID(), actor: 'checkpoint-test', occurredAt: '2025-06-30T16:00:00.000Z' },
});

/** Appends ≈ 800 events (≈ 1.3 MB in the database file): below SQLite's own threshold of 1,000 pages, so a commit does not checkpoint. */
async function appendSome(store: SqliteEventStore, prefix = 's'): Promise<void> {
  for (let s = 0; s < 8; s++) {
    await store.append(`${prefix}-${s}`, Array.from({ length: 100 }, (_, i) => event(i)), 'no_stream');
  }
}

/**
 * WAL pages are copied back into the database file by a checkpoint; until then the file keeps its
 * size. With `checkpoints: 'background'` a thread of the store does it without any commit crossing
 * SQLite's threshold; with SQLite's own behaviour, nothing does at this size.
 */
describe('SqliteEventStore: WAL checkpoints on a thread of their own', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'es-ckpt-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('background: the database file takes in the appended pages without a commit checkpointing, and nothing is lost on reopening', async () => {
    const file = join(dir, 'events.db');
    const store = new SqliteEventStore({ file, checkpoints: 'background' });
    const before = statSync(file).size;
    await appendSome(store);
    expect(await fileSizeOnceAbove(file, before + 500_000, 3_000)).toBeGreaterThan(before + 500_000);
    await store.close();
    const again = new SqliteEventStore({ file, readonly: true });
    expect((await again.readAll({ maxCount: 5_000 })).length).toBe(800);
    expect(await again.missingAppendOnlyGuards()).toEqual([]);
    await again.close();
  });

  it('one thread serves every file of the process: two stores checkpoint side by side, one closed leaves the other served, the last closed ends it', async () => {
    // Threads of this process (Linux): a V8 isolate's worker adds several OS threads, so only the change is compared.
    const threads = () => readdirSync('/proc/self/task').length;
    const a = join(dir, 'a.db');
    const b = join(dir, 'b.db');
    const alone = threads();
    const first = new SqliteEventStore({ file: a, checkpoints: 'background' });
    await new Promise((r) => setTimeout(r, 300));
    const withOne = threads();
    const second = new SqliteEventStore({ file: b, checkpoints: 'background' });
    await new Promise((r) => setTimeout(r, 300));
    expect(withOne).toBeGreaterThan(alone);
    expect(threads()).toBe(withOne);
    const beforeA = statSync(a).size;
    const beforeB = statSync(b).size;
    await appendSome(first);
    await appendSome(second);
    expect(await fileSizeOnceAbove(a, beforeA + 500_000, 3_000)).toBeGreaterThan(beforeA + 500_000);
    expect(await fileSizeOnceAbove(b, beforeB + 500_000, 3_000)).toBeGreaterThan(beforeB + 500_000);
    await first.close();
    const sizeB = statSync(b).size;
    await appendSome(second, 'more');
    expect(await fileSizeOnceAbove(b, sizeB + 500_000, 3_000)).toBeGreaterThan(sizeB + 500_000);
    await second.close();
    const deadline = Date.now() + 3_000;
    while (threads() > alone && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(threads()).toBe(alone);
  });

  it('close() resolves, in a process with nothing else to do, before that process ends', () => {
    // The thread is unreferenced while it runs; a caller awaiting close() (the CLI, then its exit code) must still be answered.
    const script = `
      const { startWalCheckpointer } = require(${JSON.stringify(require.resolve('./wal-checkpointer'))});
      const D = require('better-sqlite3');
      const file = ${JSON.stringify(join(dir, 'events.db'))};
      const db = new D(file);
      db.pragma('journal_mode = WAL');
      startWalCheckpointer(db).close().then(() => { process.stdout.write('closed'); process.exitCode = 3; });`;
    const run = spawnSync(process.execPath, ['-r', '@swc-node/register', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(run.stdout).toBe('closed');
    expect(run.status).toBe(3);
  });

  it('closes of several files that overlap (one not awaited, as the key vault closes) still answer the one awaited before the process ends', () => {
    const script = `
      const { startWalCheckpointer } = require(${JSON.stringify(require.resolve('./wal-checkpointer'))});
      const D = require('better-sqlite3');
      const open = (name) => { const db = new D(${JSON.stringify(dir)} + '/' + name); db.pragma('journal_mode = WAL'); return db; };
      const a = startWalCheckpointer(open('a.db'));
      const b = startWalCheckpointer(open('b.db'));
      const c = startWalCheckpointer(open('c.db'));
      void a.close();
      c.close().then(() => { process.stdout.write('c closed'); process.exitCode = 3; });
      void b;`;
    const run = spawnSync(process.execPath, ['-r', '@swc-node/register', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(run.stdout).toBe('c closed');
    expect(run.status).toBe(3);
  });

  it('in-commit (SQLite’s own): below its threshold the file keeps its size — the control for the case above', async () => {
    const file = join(dir, 'events.db');
    const store = new SqliteEventStore({ file });
    const before = statSync(file).size;
    await appendSome(store);
    expect(await fileSizeOnceAbove(file, before, 500)).toBe(before);
    await store.close();
  });
});

describe("SqliteEventStore: a second connection leaves checkpoints to the process's thread (checkpoints: 'elsewhere')", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'es-ckpt-elsewhere-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** ≈ 1,600 pages of 4 KB in one commit: past SQLite's own threshold of 1,000, under the backstop of 10,000. */
  const appendMany = (store: SqliteEventStore) =>
    store.append('big-0', Array.from({ length: 1_500 }, (_, i) => ({ ...event(i), data: { i, padding: 'y'.repeat(4_000) } })), 'no_stream');

  it.each([
    ['in-commit', true],
    ['elsewhere', false],
  ] as const)('%s: a commit past 1,000 pages checkpoints inside it: %s; every event is there after reopening', async (checkpoints, inCommit) => {
    const file = join(dir, `${checkpoints}.db`);
    const store = new SqliteEventStore({ file, checkpoints });
    const before = statSync(file).size;
    await appendMany(store);
    // A checkpoint in the commit has copied the pages into the database file by the time the append is answered.
    expect(statSync(file).size > before + 4_000_000).toBe(inCommit);
    await store.close();
    const again = new SqliteEventStore({ file, readonly: true });
    expect((await again.readStream('big-0')).length).toBe(1_500);
    await again.close();
  });
});
