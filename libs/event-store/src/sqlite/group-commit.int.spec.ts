import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuplicateEventIdError, WrongExpectedRevisionError } from '../errors';
import { newEvent } from '../testing';
import { verifyLedger } from '../verifier';
import { SqliteEventStore } from './sqlite-event-store';

const event = (n: number) => newEvent('E', { n });

describe('group commit on the embedded store', () => {
  let dir: string;
  let store: SqliteEventStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-gc-'));
    store = new SqliteEventStore({ file: join(dir, 'events.db') });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('appends that arrive together share one transaction, each keeping its own revision check and outcome', async () => {
    await store.append('shared-1', [event(0)], 'no_stream');
    const before = store.stats();
    const results = await Promise.allSettled([
      ...Array.from({ length: 64 }, (_, i) => store.append(`writer-${i}`, [event(i)], 'no_stream')),
      store.append('shared-1', [event(1)], 0), // wins
      store.append('shared-1', [event(2)], 0), // same expectation, same transaction: loses
      store.append('shared-1', [event(3)], 'no_stream'), // wrong from the start
    ]);
    const after = store.stats();
    expect(after.appendCalls - before.appendCalls).toBe(67);
    expect(after.transactions - before.transactions).toBe(1);
    // Refused before writing anything: the group needed no savepoints to keep the others.
    expect(after.guardedRetries - before.guardedRetries).toBe(0);
    expect(results.slice(0, 65).every((r) => r.status === 'fulfilled')).toBe(true);
    for (const r of results.slice(65)) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
    }
    expect((await store.readStream('shared-1')).map((e) => e.data.n)).toEqual([0, 1]);
    expect((await verifyLedger(store, { densePositions: true })).intact).toBe(true);
  });

  it('a failed append inside a shared transaction leaves no trace and no hole in positions', async () => {
    const dup = event(9);
    await store.append('dup-1', [dup], 'no_stream');
    const results = await Promise.allSettled([
      store.append('a-1', [event(1)], 'no_stream'),
      store.append('b-1', [event(2), { ...dup }], 'no_stream'), // second event reuses an id stored elsewhere
      store.append('c-1', [event(3)], 'no_stream'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(DuplicateEventIdError);
    // It failed after its first event was written: the group ran again with a savepoint per append.
    expect(store.stats().guardedRetries).toBe(1);
    expect(await store.readStream('b-1')).toEqual([]);
    const all = await store.readAll();
    expect(all.map((e) => e.position)).toEqual([1n, 2n, 3n]);
    expect((await verifyLedger(store, { densePositions: true })).intact).toBe(true);
  });

  it('the change marker moves with every commit, of this connection or of another one on the file, and only then', async () => {
    const first = store.changeMarker();
    expect(store.changeMarker()).toBe(first);
    await store.readStream('m-1');
    expect(store.changeMarker()).toBe(first);
    await store.append('m-1', [event(1)], 'no_stream');
    const afterOwn = store.changeMarker();
    expect(afterOwn).not.toBe(first);
    const other = new SqliteEventStore({ file: join(dir, 'events.db') });
    try {
      await other.append('m-2', [event(2)], 'no_stream');
      expect(store.changeMarker()).not.toBe(afterOwn);
    } finally {
      await other.close();
    }
  });

  it('reads a stream the same with or without a count, in both directions', async () => {
    for (let i = 0; i < 5; i++) await store.append('r-1', [event(i)], i === 0 ? 'no_stream' : i - 1);
    const revisions = (events: { revision: number }[]) => events.map((e) => e.revision);
    expect(revisions(await store.readStream('r-1'))).toEqual([0, 1, 2, 3, 4]);
    expect(revisions(await store.readStream('r-1', { fromRevision: 2 }))).toEqual([2, 3, 4]);
    expect(revisions(await store.readStream('r-1', { fromRevision: 2, maxCount: 2 }))).toEqual([2, 3]);
    expect(revisions(await store.readStream('r-1', { direction: 'backwards' }))).toEqual([4, 3, 2, 1, 0]);
    expect(revisions(await store.readStream('r-1', { direction: 'backwards', fromRevision: 3, maxCount: 2 }))).toEqual([3, 2]);
    expect(revisions(await store.readStream('r-1', { direction: 'backwards', fromRevision: 1 }))).toEqual([1, 0]);
  });
});
