import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuplicateEventIdError, WrongExpectedRevisionError } from '../errors';
import { newEvent } from '../testing';
import { verifyLedger } from '../verifier';
import type { ExpectedRevision, NewEvent } from '../types';
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

  it('a group, with or without its savepoints, stores byte for byte what the same appends store one at a time', async () => {
    const clock = () => new Date('2025-07-01T00:00:00.000Z');
    const made = new Map<number, NewEvent>();
    // One event per number, the same object wherever it is sent again (a retry carries the same ids).
    const fixed = (n: number): NewEvent => {
      if (!made.has(n)) made.set(n, { ...newEvent('E', { n, text: '社會救助' }), eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}` });
      return made.get(n)!;
    };
    // Appends as a registration batch sends them, with a refusal before writing (a wrong expected
    // revision), one after writing (a second event whose id is stored already), and a replay.
    const appends = (withLateFailure: boolean): [string, NewEvent[], ExpectedRevision][] => {
      const list: [string, NewEvent[], ExpectedRevision][] = Array.from({ length: 40 }, (_, i) => [`s-${i}`, [fixed(i)], 'no_stream']);
      list.push(['s-3', [fixed(100)], 'no_stream']);
      if (withLateFailure) list.push(['late-1', [fixed(101), fixed(5)], 'no_stream']);
      list.push(['s-7', [fixed(7)], 'no_stream']);
      return list;
    };
    const rows = async (s: SqliteEventStore) => JSON.stringify({ events: await s.readAll(), root: (await s.tree!.root()).toString('hex') }, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
    for (const withLateFailure of [false, true]) {
      const grouped = new SqliteEventStore({ file: join(dir, `grouped-${withLateFailure}.db`), now: clock });
      const alone = new SqliteEventStore({ file: join(dir, `alone-${withLateFailure}.db`), now: clock });
      await grouped.append('s-7', [fixed(7)], 'no_stream');
      await alone.append('s-7', [fixed(7)], 'no_stream');
      const together = await Promise.allSettled(appends(withLateFailure).map(([id, events, expected]) => grouped.append(id, events, expected)));
      const oneByOne: PromiseSettledResult<unknown>[] = [];
      for (const [id, events, expected] of appends(withLateFailure)) {
        oneByOne.push(await alone.append(id, events, expected).then((value) => ({ status: 'fulfilled' as const, value }), (reason) => ({ status: 'rejected' as const, reason })));
      }
      expect(grouped.stats().guardedRetries).toBe(withLateFailure ? 1 : 0);
      expect(together.map((r) => r.status)).toEqual(oneByOne.map((r) => r.status));
      expect(together.filter((r) => r.status === 'rejected')).toHaveLength(withLateFailure ? 2 : 1);
      expect(await rows(grouped)).toBe(await rows(alone));
      expect((await verifyLedger(grouped, { densePositions: true })).intact).toBe(true);
      await grouped.close();
      await alone.close();
    }
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
