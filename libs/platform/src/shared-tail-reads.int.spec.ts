import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore, type RecordedEvent } from '@ledger/event-store';
import { newEvent } from '@ledger/event-store/testing';
import { approximateBytes, EventWindow, sharedTailReads } from './read-models.factory';

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

  it('answers other page sizes and later positions from the events it has read, exactly as the store would', async () => {
    const source = sharedTailReads(store);
    await store.append('s-1', [1, 2, 3, 4, 5].map((i) => newEvent('E', { i })), 'no_stream');
    const tail = await source.readAll({ after: 1n, maxCount: 1000 });
    expect(tail.map((e) => e.position)).toEqual([2n, 3n, 4n, 5n]);
    const reads = jest.spyOn(store, 'readAll');
    for (const [after, maxCount] of [[1n, 16], [1n, 2], [3n, 500], [4n, 64], [5n, 10]] as const) {
      const answer = await source.readAll({ after, maxCount });
      expect(reads).not.toHaveBeenCalled();
      expect(answer).toEqual(await store.readAll({ after, maxCount }));
      reads.mockClear();
    }
    // Before what it holds it cannot answer: the store is read.
    expect((await source.readAll({ after: 0n, maxCount: 10 })).map((e) => e.position)).toEqual([1n, 2n, 3n, 4n, 5n]);
    expect(reads).toHaveBeenCalledTimes(1);
    reads.mockClear();
    // After an append only the new events are read, once, whatever the readers' positions and page sizes.
    await store.append('s-2', [newEvent('E', { i: 6 }), newEvent('E', { i: 7 })], 'no_stream');
    expect((await source.readAll({ after: 4n, maxCount: 10 })).map((e) => e.position)).toEqual([5n, 6n, 7n]);
    expect(reads.mock.calls).toEqual([[{ after: 5n, maxCount: 9 }]]);
    expect((await source.readAll({ after: 2n, maxCount: 1000 })).map((e) => e.position)).toEqual([3n, 4n, 5n, 6n, 7n]);
    expect((await source.readAll({ after: 6n, maxCount: 16 })).map((e) => e.position)).toEqual([7n]);
    expect(reads).toHaveBeenCalledTimes(1);
  });

  it('gives readers of every page size each event once and in order while appends go on', async () => {
    const source = sharedTailReads(store);
    const sizes = [1, 3, 16, 64, 1000];
    const seen: bigint[][] = sizes.map(() => []);
    const positions = sizes.map(() => 0n);
    let appended = 0;
    for (let round = 0; round < 60; round++) {
      if (round % 3 === 0 || round % 7 === 0) {
        const n = 1 + (round % 5);
        await store.append(`s-${round}`, Array.from({ length: n }, () => newEvent('E', { i: ++appended })), 'no_stream');
      }
      // Readers take turns unevenly, as projections of different speeds do.
      await Promise.all(
        sizes.map(async (size, r) => {
          if ((round + r) % (r + 1) !== 0) return;
          const page = await source.readAll({ after: positions[r], maxCount: size });
          for (const e of page) seen[r].push(e.position);
          if (page.length > 0) positions[r] = page[page.length - 1].position;
        }),
      );
    }
    for (let r = 0; r < sizes.length; r++) {
      for (;;) {
        const page = await source.readAll({ after: positions[r], maxCount: sizes[r] });
        if (page.length === 0) break;
        for (const e of page) seen[r].push(e.position);
        positions[r] = page[page.length - 1].position;
      }
    }
    const all = (await store.readAll()).map((e) => e.position);
    expect(all).toHaveLength(appended);
    for (const s of seen) expect(s).toEqual(all);
  });

  it('keeps the most recent events within its count and memory bounds, and answers only what it holds', async () => {
    const small = (i: number) => newEvent('E', { i });
    const chunk = (i: number) => newEvent('Chunk', { i, lines: Array.from({ length: 500 }, (_, n) => ({ n })) });
    await store.append('s-1', [...[1, 2, 3, 4, 5, 6].map(small), ...[7, 8, 9].map(chunk)], 'no_stream');
    const all = await store.readAll();
    expect(approximateBytes(all[8])).toBeGreaterThan(500 * 1024);

    const byCount = new EventWindow(4);
    byCount.add(0n, all.slice(0, 6), undefined);
    expect(byCount.from(1n, 10)).toBeUndefined(); // positions 1–2 were let go
    expect(byCount.from(2n, 10)?.events.map((e) => e.position)).toEqual([3n, 4n, 5n, 6n]);

    // A chunk's 500 lines weigh ≈ 0.5 MB: a 1 MB budget keeps the newest ones that fit.
    const byBytes = new EventWindow(100, 1024 * 1024);
    byBytes.add(0n, all, 'marker');
    expect(byBytes.from(7n, 10)?.events.map((e) => e.position)).toEqual([8n, 9n]);
    expect(byBytes.from(6n, 10)).toBeUndefined();
    expect(byBytes.from(8n, 1)).toEqual({ events: [all[8]], end: 9n, reachesHeadAt: 'marker' });
  });

  it('slides over a long run of appends one page at a time, answering exactly the most recent events it holds at every step', () => {
    // Synthetic events (the window only reads positions and payload sizes): 1,000 appends of 3 events
    // against a window of 10 drop from the front thousands of times, with and without compaction.
    const event = (p: number) => ({ streamId: 's', revision: p - 1, position: BigInt(p), eventId: `e${p}`, type: 'E', data: { p }, metadata: {} }) as unknown as RecordedEvent;
    const window = new EventWindow(10);
    let last = 0;
    for (let k = 0; k < 1_000; k++) {
      const page = [event(last + 1), event(last + 2), event(last + 3)];
      window.add(BigInt(last), page, `m${k}`);
      last += 3;
      expect(window.size).toBe(Math.min(10, last));
      const oldest = Math.max(0, last - 10);
      if (oldest > 0) expect(window.from(BigInt(oldest - 1), 100)).toBeUndefined();
      expect(window.from(BigInt(oldest), 100)?.events.map((e) => Number(e.position))).toEqual(Array.from({ length: last - oldest }, (_, i) => oldest + 1 + i));
      expect(window.from(BigInt(last - 2), 1)).toEqual({ events: [page[1]], end: BigInt(last), reachesHeadAt: `m${k}` });
    }
  });

  it('with no window (a lone projection, as import-log runs) holds no event and answers every read as the store does', async () => {
    const none = new EventWindow(5_000, 0);
    await store.append('s-1', [1, 2, 3].map((i) => newEvent('E', { i })), 'no_stream');
    none.add(0n, await store.readAll(), 'marker');
    expect(none.from(0n, 10)).toBeUndefined();
    expect(none.from(3n, 10)).toEqual({ events: [], end: 3n, reachesHeadAt: 'marker' });

    const source = sharedTailReads(store, { windowBytes: 0 });
    const seen: unknown[] = [];
    for (let i = 4; i <= 12; i++) {
      await store.append('s-1', [newEvent('E', { i })], i - 2);
      for (const [after, maxCount] of [[0n, 100], [BigInt(i - 3), 2], [BigInt(i), 5], [BigInt(i - 1), undefined]] as const) {
        const got = await source.readAll({ after, maxCount });
        expect(got).toEqual(await store.readAll({ after, maxCount }));
        seen.push(got.length);
      }
    }
    expect(seen).toContain(0);
  });

  it('does not keep full pages (a catch-up’s), only the tail', async () => {
    const source = sharedTailReads(store);
    await store.append('s-1', [newEvent('E', { i: 1 }), newEvent('E', { i: 2 })], 'no_stream');
    const page = await source.readAll({ after: 0n, maxCount: 2 });
    expect(page).toHaveLength(2);
    expect(await source.readAll({ after: 0n, maxCount: 2 })).not.toBe(page);
    expect(await source.readAll({ after: 0n, maxCount: 2 })).toEqual(page);
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
