import type { EventMetadata, RecordedEvent } from '@ledger/event-store';
import { collapseBatch, parseFilter, ReadModelRequestError } from './documents';
import { projectEvents, ProjectionHandlerError } from './project-events';
import type { Projection } from './projection';
import { SqliteReadModelStore } from './sqlite/sqlite-read-model-store';
import { projectTwice } from './testing';
import { remove, setFields, upsert, type ReadModelStore } from './types';

const recorded = (position: number, type: string, data: Record<string, unknown> = {}): RecordedEvent => ({
  streamId: `account-${data['id'] ?? 'x'}`,
  revision: 0,
  position: BigInt(position),
  eventId: `e-${position}`,
  type,
  data,
  metadata: {} as EventMetadata,
});

/** Accounts with a login counter; Removed deletes, Restored re-creates from nothing. */
const accounts: Projection = {
  name: 'accounts',
  collections: ['accounts'],
  handles: () => true,
  async project(event, read) {
    const id = String(event.data['id']);
    const current = await read.get<{ logins: number }>('accounts', id);
    switch (event.type) {
      case 'Removed':
        return [remove('accounts', id)];
      case 'LoggedIn':
        return [upsert('accounts', id, { ...current, logins: (current?.logins ?? 0) + 1, seen: event.data['at'] })];
      default:
        return [upsert('accounts', id, { logins: 0 })];
    }
  },
};

describe('projectEvents', () => {
  let store: ReadModelStore;
  beforeEach(() => {
    store = new SqliteReadModelStore({ file: ':memory:' });
  });
  afterEach(() => store.close());

  const log = [
    recorded(1, 'Created', { id: 'u1' }),
    recorded(2, 'LoggedIn', { id: 'u1', at: 'a' }),
    recorded(3, 'LoggedIn', { id: 'u1', at: new Date('2025-01-01T00:00:00Z') }),
    recorded(4, 'Created', { id: 'u2' }),
    recorded(5, 'Removed', { id: 'u2' }),
    recorded(6, 'LoggedIn', { id: 'u2', at: 'after removal' }),
    recorded(7, 'LoggedIn', { id: 'u1', at: 'c' }),
  ];

  it('lets each event of a page see the writes of the events before it, and stores the page with its checkpoint', async () => {
    expect(await projectEvents(accounts, store, log)).toBe(7n);
    expect(await store.find('accounts')).toEqual([
      { _id: 'u1', _position: '7', logins: 3, seen: 'c' },
      { _id: 'u2', _position: '6', logins: 1, seen: 'after removal' },
    ]);
    expect(await store.checkpoint('accounts')).toBe(7n);
  });

  it('gives the same documents whether the log is applied in one page, event by event, or twice', async () => {
    await projectEvents(accounts, store, log);
    const onePage = await store.find('accounts');
    const other = new SqliteReadModelStore({ file: ':memory:' });
    for (const event of log) await projectEvents(accounts, other, [event]);
    expect(await other.find('accounts')).toEqual(onePage);
    await other.close();
    const { once, twice } = await projectTwice(accounts, log);
    expect(once).toEqual({ accounts: onePage });
    expect(twice).toEqual(once);
  });

  it('builds new events on what is stored when a page mixes already-applied and new events', async () => {
    await projectEvents(accounts, store, log.slice(0, 3));
    await projectEvents(accounts, store, log);
    expect(await store.get('accounts', 'u1')).toEqual({ _id: 'u1', _position: '7', logins: 3, seen: 'c' });
  });

  it('lets the last of several writes to one document in one event win, as the store does', async () => {
    const twice: Projection = {
      ...accounts,
      project: (event) => [upsert('accounts', 'u1', { logins: 1 }), upsert('accounts', 'u1', { logins: Number(event.position) })],
    };
    await projectEvents(twice, store, [recorded(1, 'X'), recorded(2, 'X')]);
    expect(await store.get('accounts', 'u1')).toEqual({ _id: 'u1', _position: '2', logins: 2 });
  });

  it('hands the projection frozen documents', async () => {
    await projectEvents(accounts, store, log.slice(0, 1));
    const mutating: Projection = {
      ...accounts,
      async project(_event, read) {
        const doc = (await read.get<{ logins: number }>('accounts', 'u1'))!;
        doc.logins += 1;
        return [];
      },
    };
    await expect(projectEvents(mutating, store, [recorded(2, 'LoggedIn', { id: 'u1' })])).rejects.toThrow(/Cannot assign to read only property 'logins'/);
  });

  it('names the projection, event type and position of a failure, but no event data', async () => {
    const failing: Projection = { ...accounts, project: () => Promise.reject(new Error('boom')) };
    const attempt = projectEvents(failing, store, [recorded(9, 'LoggedIn', { id: 'A123456789' })]);
    await expect(attempt).rejects.toBeInstanceOf(ProjectionHandlerError);
    await expect(attempt).rejects.toThrow(/^projection accounts failed on LoggedIn at position 9: boom$/);
    expect(await store.checkpoint('accounts')).toBeUndefined();
  });
});

describe('projectEvents with set writes (fields changed without reading the document)', () => {
  /** Flag sets a field unread; LoggedIn reads and rewrites; Reset and Mark mix a set and an upsert in one event. */
  const flags: Projection = {
    name: 'flags',
    collections: ['accounts'],
    handles: () => true,
    async project(event) {
      const id = String(event.data['id']);
      switch (event.type) {
        case 'Flag':
          return [setFields('accounts', id, { flag: event.data['v'] as string })];
        case 'LoggedIn':
          return [];
        case 'Removed':
          return [remove('accounts', id)];
        case 'Reset':
          return [setFields('accounts', id, { flag: 'lost' }), upsert('accounts', id, { logins: 9, flag: 'reset' })];
        case 'Mark':
          return [upsert('accounts', id, { logins: 5, flag: false }), setFields('accounts', id, { flag: 'marked' })];
        default:
          return [upsert('accounts', id, { logins: 0, flag: false })];
      }
    },
  };
  // LoggedIn reads what the page holds, so a set not yet stored must show in what it reads.
  const withReads: Projection = {
    ...flags,
    async project(event, read) {
      if (event.type !== 'LoggedIn') return flags.project(event, read);
      const id = String(event.data['id']);
      const current = await read.get<{ logins: number; flag: unknown }>('accounts', id);
      return current ? [upsert('accounts', id, { ...current, logins: current.logins + 1, seenFlag: current.flag })] : [];
    },
  };
  const log = [
    recorded(1, 'Created', { id: 'u1' }),
    recorded(2, 'Flag', { id: 'u1', v: 'a' }),
    recorded(3, 'Flag', { id: 'u1', v: 'b' }),
    recorded(4, 'LoggedIn', { id: 'u1' }),
    recorded(5, 'Flag', { id: 'u2', v: 'never created' }),
    recorded(6, 'Created', { id: 'u2' }),
    recorded(7, 'Removed', { id: 'u2' }),
    recorded(8, 'Flag', { id: 'u2', v: 'removed' }),
    recorded(9, 'Flag', { id: 'u1', v: 'c' }),
    recorded(10, 'Created', { id: 'u3' }),
    recorded(11, 'Flag', { id: 'u3', v: 'x' }),
    recorded(12, 'Reset', { id: 'u3' }),
    recorded(13, 'Mark', { id: 'u4' }),
    recorded(14, 'Flag', { id: 'u5', v: 'y' }),
    recorded(15, 'Created', { id: 'u5' }),
    recorded(16, 'LoggedIn', { id: 'u5' }),
  ];
  const expected = [
    { _id: 'u1', _position: '9', logins: 1, flag: 'c', seenFlag: 'b' },
    { _id: 'u3', _position: '12', logins: 9, flag: 'reset' },
    { _id: 'u4', _position: '13', logins: 5, flag: 'marked' },
    { _id: 'u5', _position: '16', logins: 1, flag: false, seenFlag: false },
  ];
  let store: ReadModelStore;
  beforeEach(() => {
    store = new SqliteReadModelStore({ file: ':memory:' });
  });
  afterEach(() => store.close());

  it('lets a later event of the page read what a set wrote, and stores what event-by-event projection stores', async () => {
    await projectEvents(withReads, store, log);
    expect(await store.find('accounts')).toEqual(expected);
    expect(await store.getEntry('accounts', 'u2')).toEqual({ position: 7n, document: undefined });
    const byEvent = new SqliteReadModelStore({ file: ':memory:' });
    for (const event of log) await projectEvents(withReads, byEvent, [event]);
    expect(await byEvent.find('accounts')).toEqual(expected);
    await byEvent.close();
  });

  it('changes nothing on a replay, whole or of a page that mixes applied and new events, with or without reads', async () => {
    const { once, twice } = await projectTwice(withReads, log);
    expect(once).toEqual({ accounts: expected });
    expect(twice).toEqual(once);
    for (const cut of [2, 3, 4, 9, 11, 14]) {
      const mixed = new SqliteReadModelStore({ file: ':memory:' });
      await projectEvents(withReads, mixed, log.slice(0, cut));
      await projectEvents(withReads, mixed, log);
      expect(await mixed.find('accounts')).toEqual(expected);
      await mixed.close();
    }
    // Without reads the sets reach the store as sets, under its guard: the same outcome.
    const unread = await projectTwice(flags, log);
    expect(unread.twice).toEqual(unread.once);
    expect(unread.once.accounts.map((d) => [d._id, d['flag']])).toEqual([['u1', 'c'], ['u3', 'reset'], ['u4', 'marked'], ['u5', false]]);
  });
  it('leaves a write to a document the page never read to the store\'s guard, and reads the stored document when a later event of the page needs it', async () => {
    await store.applyEvent('flags', 10n, [upsert('accounts', 'u1', { logins: 5, flag: 'stored' })]);
    // Created (an upsert without a read) replayed from before the stored version, then a read of that document.
    await projectEvents(withReads, store, [recorded(3, 'Created', { id: 'u1' }), recorded(4, 'Created', { id: 'u9' }), recorded(11, 'LoggedIn', { id: 'u1' })]);
    expect(await store.find('accounts')).toEqual([
      { _id: 'u1', _position: '11', logins: 6, flag: 'stored', seenFlag: 'stored' },
      { _id: 'u9', _position: '4', logins: 0, flag: false },
    ]);
  });
});

describe('projectEvents with prefetch (documents read in one read of the store)', () => {
  /** Touch writes a document without reading it; Sum prefetches three ids and reads each of them. */
  const summing: Projection = {
    name: 'sums',
    collections: ['docs'],
    handles: () => true,
    async project(event, read) {
      const ids = event.data['ids'] as string[];
      if (event.type === 'Touch') return ids.map((id) => upsert('docs', id, { n: event.data['n'] as number }));
      if (event.type === 'Drop') return ids.map((id) => remove('docs', id));
      if (event.data['prefetch']) await read.prefetch('docs', [...ids, ...ids, 'never']);
      const writes = [];
      for (const id of ids) {
        const doc = await read.get<{ n: number }>('docs', id);
        writes.push(upsert('docs', id, { n: (doc?.n ?? 0) + 1, seen: doc ? doc.n : null }));
      }
      return writes;
    },
  };
  const log = (prefetch: boolean) => [
    recorded(1, 'Touch', { ids: ['a', 'b'], n: 10 }),
    recorded(2, 'Sum', { ids: ['a', 'c'], prefetch }),
    recorded(3, 'Touch', { ids: ['c', 'd'], n: 20 }),
    recorded(4, 'Drop', { ids: ['b'] }),
    recorded(5, 'Sum', { ids: ['b', 'c', 'd', 'e'], prefetch }),
    recorded(6, 'Sum', { ids: ['a', 'e'], prefetch }),
  ];

  it('gives what gets alone give (written in the page, stored before it, dropped, never written), and reads the store once for them', async () => {
    const outcome = async (prefetch: boolean, split: number) => {
      const store = new SqliteReadModelStore({ file: ':memory:' });
      // Some documents stored before the page: the page's deferred writes are applied over what a prefetch reads.
      await projectEvents(summing, store, log(prefetch).slice(0, split));
      let single = 0;
      let many = 0;
      const counting = Object.assign(Object.create(store) as ReadModelStore, {
        getEntry: (c: string, id: string) => (single++, store.getEntry(c, id)),
        getEntries: (c: string, ids: readonly string[]) => (many++, store.getEntries(c, ids)),
      });
      await projectEvents(summing, counting, log(prefetch));
      const docs = await store.find('docs');
      await store.close();
      return { docs, single, many };
    };
    for (const split of [0, 1, 3, 5]) {
      const plain = await outcome(false, split);
      const fetched = await outcome(true, split);
      expect(fetched.docs).toEqual(plain.docs);
      expect(fetched.single).toBe(0);
      expect(fetched.many).toBeGreaterThan(0);
      expect(plain.single).toBeGreaterThan(0);
    }
    const { docs } = await outcome(true, 0);
    expect(docs).toEqual([
      { _id: 'a', _position: '6', n: 12, seen: 11 },
      { _id: 'b', _position: '5', n: 1, seen: null },
      { _id: 'c', _position: '5', n: 21, seen: 20 },
      { _id: 'd', _position: '5', n: 21, seen: 20 },
      { _id: 'e', _position: '6', n: 2, seen: 1 },
    ]);
  });
});

describe('projectEvents with a projection that folds a page in memory (startPage)', () => {
  /** The accounts projection again, its documents kept in memory over the page and handed over once. */
  const paged: Projection = {
    ...accounts,
    startPage(read) {
      const docs = new Map<string, { position: bigint; body: { logins: number; seen?: unknown } | null }>();
      let calls = 0;
      return {
        async project(event) {
          const id = String(event.data['id']);
          if (!docs.has(id)) {
            const stored = await read.get<{ logins: number; seen?: unknown }>('accounts', id);
            docs.set(id, { position: stored ? BigInt(stored._position) : -1n, body: stored ? { logins: stored.logins, seen: stored.seen } : null });
          }
          const doc = docs.get(id)!;
          // The guard, as project() meets it: an event at or before the document's position changes nothing.
          if (doc.position >= event.position) return;
          const body = event.type === 'Removed' ? null : event.type === 'LoggedIn' ? { ...doc.body, logins: (doc.body?.logins ?? 0) + 1, seen: event.data['at'] } : { logins: 0 };
          docs.set(id, { position: event.position, body });
        },
        writes() {
          calls += 1;
          if (calls > 1) throw new Error('writes() asked twice');
          return [...docs]
            .filter(([, d]) => d.position >= 0n)
            .map(([id, d]) => ({ position: d.position, writes: [d.body ? upsert('accounts', id, d.body) : remove('accounts', id)] }))
            .sort((a, b) => (a.position < b.position ? -1 : 1));
        },
      };
    },
  };
  const log = [
    recorded(1, 'Created', { id: 'u1' }),
    recorded(2, 'LoggedIn', { id: 'u1', at: 'a' }),
    recorded(3, 'LoggedIn', { id: 'u1', at: 'b' }),
    recorded(4, 'Created', { id: 'u2' }),
    recorded(5, 'Removed', { id: 'u2' }),
    recorded(6, 'LoggedIn', { id: 'u2', at: 'after removal' }),
    recorded(7, 'LoggedIn', { id: 'u1', at: 'c' }),
  ];
  let store: ReadModelStore;
  beforeEach(() => {
    store = new SqliteReadModelStore({ file: ':memory:' });
  });
  afterEach(() => store.close());

  it('stores what project() stores event by event, positions included, and the same on a replay of a mixed page', async () => {
    const byEvent = new SqliteReadModelStore({ file: ':memory:' });
    for (const event of log) await projectEvents(accounts, byEvent, [event]);
    await projectEvents(paged, store, log);
    expect(await store.find('accounts')).toEqual(await byEvent.find('accounts'));
    expect(await store.checkpoint('accounts')).toBe(7n);
    const mixed = new SqliteReadModelStore({ file: ':memory:' });
    await projectEvents(paged, mixed, log.slice(0, 3));
    await projectEvents(paged, mixed, log);
    expect(await mixed.find('accounts')).toEqual(await byEvent.find('accounts'));
    await Promise.all([byEvent.close(), mixed.close()]);
  });

  it('names the event a page failed on, and a bad write at the end by the event that made it', async () => {
    const failing: Projection = { ...paged, startPage: () => ({ project: (e) => { if (e.position === 2n) throw new Error('boom'); }, writes: () => [] }) };
    await expect(projectEvents(failing, store, log.slice(0, 3))).rejects.toThrow(/^projection accounts failed on LoggedIn at position 2: boom$/);
    const foreign: Projection = { ...paged, startPage: () => ({ project: () => undefined, writes: () => [{ position: 3n, writes: [upsert('elsewhere', 'x', {})] }] }) };
    await expect(projectEvents(foreign, store, log.slice(0, 3))).rejects.toThrow(/^projection accounts failed on LoggedIn at position 3: .*elsewhere/);
    expect(await store.checkpoint('accounts')).toBeUndefined();
  });
});

describe('collapseBatch', () => {
  it('keeps the highest-positioned write per document, whatever the order of the batch', () => {
    const { writes, lastPosition } = collapseBatch([
      { position: 5n, writes: [upsert('c', 'a', { v: 5 })] },
      { position: 3n, writes: [upsert('c', 'a', { v: 3 }), remove('c', 'b')] },
      { position: 4n, writes: [] },
    ]);
    expect(writes).toEqual([
      { collection: 'c', id: 'a', position: 5n, body: '{"v":5}' },
      { collection: 'c', id: 'b', position: 3n, body: null },
    ]);
    expect(lastPosition).toBe(5n);
  });
});

describe('collapseBatch with sets', () => {
  it('keeps the sets after the highest whole write of their document, in position order, whatever the order of the batch', () => {
    const { writes, sets } = collapseBatch([
      { position: 6n, writes: [setFields('c', 'a', { s: 6 })] },
      { position: 2n, writes: [setFields('c', 'a', { s: 2 }), setFields('c', 'b', { s: 2 })] },
      { position: 4n, writes: [upsert('c', 'a', { v: 4 }), setFields('c', 'a', { t: 4 })] },
      { position: 5n, writes: [setFields('c', 'a', { s: 5 }), setFields('c', 'a', { u: 5 })] },
    ]);
    expect(writes).toEqual([{ collection: 'c', id: 'a', position: 4n, body: '{"v":4,"t":4}' }]);
    expect(sets).toEqual([
      { collection: 'c', id: 'a', position: 5n, fields: { s: 5, u: 5 } },
      { collection: 'c', id: 'a', position: 6n, fields: { s: 6 } },
      { collection: 'c', id: 'b', position: 2n, fields: { s: 2 } },
    ]);
  });
});

describe('parseFilter', () => {
  it('flattens scalars and operators into one AND', () => {
    expect(parseFilter({ agency: 'a', dueAt: { $gte: '2025', $lte: '2026' }, state: { $in: ['open', null] } })).toEqual([
      { field: 'agency', op: 'eq', value: 'a' },
      { field: 'dueAt', op: 'gte', value: '2025' },
      { field: 'dueAt', op: 'lte', value: '2026' },
      { field: 'state', op: 'in', value: ['open', null] },
    ]);
  });

  it('refuses NaN, objects and unknown operators', () => {
    expect(() => parseFilter({ n: Number.NaN })).toThrow(ReadModelRequestError);
    expect(() => parseFilter({ n: { $gt: Infinity } })).toThrow(ReadModelRequestError);
    expect(() => parseFilter({ n: {} })).toThrow(ReadModelRequestError);
    expect(() => parseFilter({ n: { $exists: true } as never })).toThrow(ReadModelRequestError);
  });
});
