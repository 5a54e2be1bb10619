import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
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
async function appendSome(store: SqliteEventStore): Promise<void> {
  for (let s = 0; s < 8; s++) {
    await store.append(`s-${s}`, Array.from({ length: 100 }, (_, i) => event(i)), 'no_stream');
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

  it('in-commit (SQLite’s own): below its threshold the file keeps its size — the control for the case above', async () => {
    const file = join(dir, 'events.db');
    const store = new SqliteEventStore({ file });
    const before = statSync(file).size;
    await appendSome(store);
    expect(await fileSizeOnceAbove(file, before, 500)).toBe(before);
    await store.close();
  });
});
