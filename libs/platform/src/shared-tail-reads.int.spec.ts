import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@ledger/event-store';
import { newEvent } from '@ledger/event-store/testing';
import { sharedTailReads } from './read-models.factory';

describe('the projections’ event source: the log’s tail read once for all of them', () => {
  let dir: string;
  let store: SqliteEventStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-tail-'));
    store = new SqliteEventStore({ file: join(dir, 'events.db') });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hands the same tail to each reader until something is appended, by this connection or another', async () => {
    const source = sharedTailReads(store);
    await store.append('s-1', [newEvent('E', { i: 1 }), newEvent('E', { i: 2 })], 'no_stream');
    const first = await source.readAll({ after: 0n, maxCount: 10 });
    const second = await source.readAll({ after: 0n, maxCount: 10 });
    expect(second).toBe(first); // read once
    expect(second).toEqual(await store.readAll({ after: 0n, maxCount: 10 }));

    // An append here: the next read sees it.
    await store.append('s-1', [newEvent('E', { i: 3 })], 1);
    expect((await source.readAll({ after: 0n, maxCount: 10 })).map((e) => e.data)).toEqual([{ i: 1 }, { i: 2 }, { i: 3 }]);

    // An append by another connection (another instance on the same file): seen too.
    const other = new SqliteEventStore({ file: join(dir, 'events.db') });
    await other.append('s-2', [newEvent('E', { i: 4 })], 'no_stream');
    await other.close();
    expect((await source.readAll({ after: 0n, maxCount: 10 })).map((e) => e.data)).toEqual([{ i: 1 }, { i: 2 }, { i: 3 }, { i: 4 }]);
  });

  it('does not keep full pages (a catch-up’s), only the tail', async () => {
    const source = sharedTailReads(store);
    await store.append('s-1', [newEvent('E', { i: 1 }), newEvent('E', { i: 2 })], 'no_stream');
    const page = await source.readAll({ after: 0n, maxCount: 2 });
    expect(page).toHaveLength(2);
    expect(await source.readAll({ after: 0n, maxCount: 2 })).not.toBe(page);
    expect(await source.readAll({ after: 0n, maxCount: 2 })).toEqual(page);
  });

  it('answers every reader of the tail from one read, whatever its page size or position within the tail', async () => {
    const source = sharedTailReads(store);
    await store.append('s-1', Array.from({ length: 5 }, (_, i) => newEvent('E', { i })), 'no_stream');
    const reads = jest.spyOn(store, 'readAll');
    const asks = [
      { after: 0n, maxCount: 500 },
      { after: 0n, maxCount: 2 },
      { after: 2n, maxCount: 16 },
      { after: 4n, maxCount: 64 },
      { after: 5n, maxCount: 64 },
      { after: 9n, maxCount: 64 },
    ];
    // Asked at once (as woken projections do) and again once the first read is answered.
    const atOnce = await Promise.all(asks.map((a) => source.readAll(a)));
    const later = await Promise.all(asks.map((a) => source.readAll(a)));
    expect(reads).toHaveBeenCalledTimes(1);
    reads.mockRestore();
    for (const [i, a] of asks.entries()) {
      const direct = await store.readAll(a);
      expect(atOnce[i]).toEqual(direct);
      expect(later[i]).toEqual(direct);
    }
  });

  it('a page that is not the tail answers no other page: those are read from the store', async () => {
    const source = sharedTailReads(store);
    await store.append('s-1', Array.from({ length: 5 }, (_, i) => newEvent('E', { i })), 'no_stream');
    const [full, wider, further] = await Promise.all([
      source.readAll({ after: 0n, maxCount: 2 }),
      source.readAll({ after: 1n, maxCount: 10 }),
      source.readAll({ after: 3n }),
    ]);
    expect(full.map((e) => e.position)).toEqual([1n, 2n]);
    expect(wider.map((e) => e.position)).toEqual([2n, 3n, 4n, 5n]);
    expect(further.map((e) => e.position)).toEqual([4n, 5n]);
  });

  it('live subscriptions through it see every event once, in order, woken by the store\'s commits without a subscription of its own', async () => {
    const source = sharedTailReads(store);
    await store.append('s-1', [newEvent('E', { i: 1 })], 'no_stream');
    const seen: [number[], number[]] = [[], []];
    const subscriptions = seen.map((into, n) =>
      source.subscribeToAll({ after: n === 0 ? 0n : 1n, handler: (e) => void into.push((e.data as { i: number }).i) }),
    );
    const subscribe = jest.spyOn(store, 'subscribeToAll');
    for (let i = 2; i <= 6; i++) await store.append(`s-${i}`, [newEvent('E', { i })], 'no_stream');
    await Promise.all(subscriptions.map((s) => s.caughtUp()));
    expect(seen).toEqual([
      [1, 2, 3, 4, 5, 6],
      [2, 3, 4, 5, 6],
    ]);
    expect(subscribe).not.toHaveBeenCalled(); // woken by the store's commit hook: nothing reads the log to wake them
    await Promise.all(subscriptions.map((s) => s.stop()));
    await store.append('s-7', [newEvent('E', { i: 7 })], 'no_stream');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen[0]).toHaveLength(6);
  });
});
