import { ReadModelRequestError } from './documents';
import { remove, setFields, upsert, type ReadModelStore } from './types';

export interface ReadModelStoreHarness {
  store: ReadModelStore;
  /** A second, independent store instance over the same data. */
  reopen(): Promise<ReadModelStore>;
  cleanup(): Promise<void>;
}

/** One behaviour on every adapter; each case gets a fresh, empty store. */
export function readModelStoreContract(makeHarness: () => Promise<ReadModelStoreHarness>): void {
  let h: ReadModelStoreHarness;
  let store: ReadModelStore;
  beforeEach(async () => {
    h = await makeHarness();
    store = h.store;
  });
  afterEach(async () => {
    await h.cleanup();
  });

  const P = 'toy';

  it('returns nothing for an unknown document, collection or projection', async () => {
    expect(await store.get('agencies', 'a-1')).toBeUndefined();
    expect(await store.getEntry('agencies', 'a-1')).toBeUndefined();
    expect(await store.find('agencies')).toEqual([]);
    expect(await store.checkpoint(P)).toBeUndefined();
  });

  it('stores a document with its id and the position of the event, and moves the checkpoint with it', async () => {
    await store.applyEvent(P, 7n, [upsert('agencies', 'a-1', { name: '社會局', role: 'DATA_REQUESTER', tags: ['x'], nested: { n: 1.5 } })]);
    expect(await store.get('agencies', 'a-1')).toEqual({
      _id: 'a-1',
      _position: '7',
      name: '社會局',
      role: 'DATA_REQUESTER',
      tags: ['x'],
      nested: { n: 1.5 },
    });
    expect(await store.checkpoint(P)).toBe(7n);
    expect(await store.getEntry('agencies', 'a-1')).toMatchObject({ position: 7n, document: { name: '社會局' } });
  });

  it('getEntries answers each id as getEntry does, in the order asked, across lists longer than one statement takes', async () => {
    const collections = ['groups', ...(store.declareTable ? ['typed_groups'] : [])];
    if (store.declareTable) await store.declareTable('typed_groups', { columns: { n: 'integer', tag: 'text' } });
    for (const collection of collections) {
      const writes = Array.from({ length: 600 }, (_, i) => upsert(collection, `g-${i}`, { n: i, tag: `t${i % 7}` }));
      await store.applyEvent(P, 1n, writes);
      await store.applyEvent(P, 2n, [remove(collection, 'g-5')]);
      // Known, unknown, a tombstone, a repeat: 700 ids, so lists of 256, 256 and a padded one.
      const ids = [...Array.from({ length: 690 }, (_, i) => (i % 3 === 0 ? `missing-${i}` : `g-${(i * 37) % 600}`)), 'g-5', 'g-1', 'g-1', 'none', ...Array.from({ length: 6 }, (_, i) => `g-${599 - i}`)];
      const many = await store.getEntries(collection, ids);
      expect(many).toHaveLength(ids.length);
      for (let i = 0; i < ids.length; i++) expect(many[i]).toEqual(await store.getEntry(collection, ids[i]));
      expect(many[ids.indexOf('g-5')]).toEqual({ position: 2n, document: undefined });
      expect(many[ids.indexOf('none')]).toBeUndefined();
      expect(many[ids.indexOf('g-1')]).toMatchObject({ position: 1n, document: { _id: 'g-1', n: 1, tag: 't1' } });
      expect(await store.getEntries(collection, [])).toEqual([]);
    }
  });

  it('keeps JSON semantics: reserved fields are the store\'s, undefined disappears, a Date becomes its ISO string', async () => {
    await store.applyEvent(P, 3n, [
      upsert('agencies', 'a-1', { _id: 'forged', _position: '999', _deleted: true, gone: undefined, at: new Date('2025-06-30T16:00:00.000Z'), nothing: null }),
    ]);
    expect(await store.get('agencies', 'a-1')).toEqual({ _id: 'a-1', _position: '3', at: '2025-06-30T16:00:00.000Z', nothing: null });
  });

  it('lets a projection write back a document it read, spread and changed', async () => {
    await store.applyEvent(P, 1n, [upsert('counters', 'c', { n: 1 })]);
    const current = (await store.get<{ n: number }>('counters', 'c'))!;
    await store.applyEvent(P, 2n, [upsert('counters', 'c', { ...current, n: current.n + 1 })]);
    expect(await store.get('counters', 'c')).toEqual({ _id: 'c', _position: '2', n: 2 });
  });

  it('is idempotent: the same event applied twice changes nothing (run twice)', async () => {
    const writes = [upsert('agencies', 'a-1', { name: 'A' }), upsert('agencies', 'a-2', { name: 'B' })];
    await store.applyEvent(P, 5n, writes);
    const once = await store.find('agencies');
    await store.applyEvent(P, 5n, writes);
    expect(await store.find('agencies')).toEqual(once);
    expect(await store.checkpoint(P)).toBe(5n);
  });

  it('skips a write from an event at or before the position already stored on the document', async () => {
    await store.applyEvent(P, 10n, [upsert('agencies', 'a-1', { name: 'newer' })]);
    await store.applyEvent(P, 10n, [upsert('agencies', 'a-1', { name: 'same position, different body' })]);
    await store.applyEvent(P, 4n, [upsert('agencies', 'a-1', { name: 'older' }), upsert('agencies', 'a-2', { name: 'fresh' })]);
    expect(await store.get('agencies', 'a-1')).toEqual({ _id: 'a-1', _position: '10', name: 'newer' });
    // The guard is per document: the other write of that older event still lands.
    expect(await store.get('agencies', 'a-2')).toEqual({ _id: 'a-2', _position: '4', name: 'fresh' });
  });

  it('lets the last of several writes to one document in one event win', async () => {
    await store.applyEvent(P, 1n, [upsert('counters', 'c', { n: 1 }), upsert('counters', 'c', { n: 2 }), upsert('counters', 'd', { n: 1 })]);
    await store.applyEvent(P, 2n, [upsert('counters', 'd', { n: 2 }), remove('counters', 'd')]);
    expect(await store.find('counters')).toEqual([{ _id: 'c', _position: '1', n: 2 }]);
  });

  it('never moves the checkpoint backwards', async () => {
    await store.applyEvent(P, 10n, []);
    await store.applyEvent(P, 4n, []);
    expect(await store.checkpoint(P)).toBe(10n);
  });

  it('keeps checkpoints per projection', async () => {
    await store.applyEvent('a', 3n, []);
    await store.applyEvent('b', 9n, []);
    expect(await store.checkpoint('a')).toBe(3n);
    expect(await store.checkpoint('b')).toBe(9n);
  });

  it('deletes with a tombstone, so an older upsert replayed afterwards cannot bring the document back', async () => {
    await store.applyEvent(P, 1n, [upsert('accounts', 'u-1', { state: 'active' })]);
    await store.applyEvent(P, 2n, [remove('accounts', 'u-1')]);
    expect(await store.get('accounts', 'u-1')).toBeUndefined();
    expect(await store.getEntry('accounts', 'u-1')).toEqual({ position: 2n, document: undefined });

    await store.applyEvent(P, 1n, [upsert('accounts', 'u-1', { state: 'active' })]);
    expect(await store.get('accounts', 'u-1')).toBeUndefined();
    expect(await store.find('accounts')).toEqual([]);

    await store.applyEvent(P, 3n, [upsert('accounts', 'u-1', { state: 'recreated' })]);
    expect(await store.get('accounts', 'u-1')).toEqual({ _id: 'u-1', _position: '3', state: 'recreated' });
  });

  it('applies a batch as the last write per document by position, with the checkpoint at the highest position', async () => {
    await store.applyBatch(P, [
      { position: 11n, writes: [upsert('counters', 'x', { n: 1 }), upsert('counters', 'y', { n: 1 })] },
      { position: 12n, writes: [upsert('counters', 'x', { n: 2 })] },
      { position: 13n, writes: [remove('counters', 'y')] },
      { position: 14n, writes: [] },
    ]);
    expect(await store.find('counters')).toEqual([{ _id: 'x', _position: '12', n: 2 }]);
    expect(await store.getEntry('counters', 'y')).toEqual({ position: 13n, document: undefined });
    expect(await store.checkpoint(P)).toBe(14n);
    await store.applyBatch(P, []);
    expect(await store.checkpoint(P)).toBe(14n);
  });

  it('writes nothing of a batch that has an invalid write', async () => {
    await expect(
      store.applyBatch(P, [
        { position: 1n, writes: [upsert('counters', 'x', { n: 1 })] },
        { position: 2n, writes: [upsert('bad name!', 'y', { n: 1 })] },
      ]),
    ).rejects.toBeInstanceOf(ReadModelRequestError);
    expect(await store.get('counters', 'x')).toBeUndefined();
    expect(await store.checkpoint(P)).toBeUndefined();
    await expect(store.applyEvent(P, 3n, [upsert('counters', '', { n: 1 })])).rejects.toBeInstanceOf(ReadModelRequestError);
    await expect(store.applyEvent(P, 3n, [upsert('counters', 'x', { $set: 1 })])).rejects.toBeInstanceOf(ReadModelRequestError);
    await expect(store.applyEvent(P, -1n, [])).rejects.toBeInstanceOf(ReadModelRequestError);
  });

  it('keeps positions beyond 2^53 exact (EventStoreDB commit positions are large)', async () => {
    const big = 2n ** 60n + 1n;
    await store.applyEvent(P, big, [upsert('agencies', 'a-1', { name: 'A' })]);
    expect(await store.checkpoint(P)).toBe(big);
    expect((await store.get('agencies', 'a-1'))?._position).toBe(big.toString());
    await store.applyEvent(P, big - 1n, [upsert('agencies', 'a-1', { name: 'older' })]);
    expect((await store.get('agencies', 'a-1'))?.['name']).toBe('A');
  });

  describe('set (fields of a stored document changed without reading it)', () => {
    it('sets the given fields, keeps the others, and gives the document the write\'s position', async () => {
      await store.applyEvent(P, 1n, [upsert('rows', 'r', { a: 1, flag: false, nested: { x: 1 }, tag: 't' })]);
      await store.applyEvent(P, 2n, [setFields('rows', 'r', { flag: true, tag: null, at: new Date('2025-03-05T02:00:00.000Z') })]);
      expect(await store.get('rows', 'r')).toEqual({ _id: 'r', _position: '2', a: 1, flag: true, nested: { x: 1 }, tag: null, at: '2025-03-05T02:00:00.000Z' });
      expect(await store.find('rows', { flag: true })).toHaveLength(1);
      expect(await store.checkpoint(P)).toBe(2n);
    });

    it('creates nothing: no document, or a tombstone, stays as it is', async () => {
      await store.applyEvent(P, 1n, [upsert('rows', 'gone', { a: 1 })]);
      await store.applyEvent(P, 2n, [remove('rows', 'gone')]);
      await store.applyEvent(P, 3n, [setFields('rows', 'never', { flag: true }), setFields('rows', 'gone', { flag: true })]);
      expect(await store.getEntry('rows', 'never')).toBeUndefined();
      expect(await store.getEntry('rows', 'gone')).toEqual({ position: 2n, document: undefined });
      expect(await store.find('rows')).toEqual([]);
      expect(await store.checkpoint(P)).toBe(3n);
    });

    it('is guarded like an upsert: skipped from an event at or before the stored position, so a replay changes nothing', async () => {
      await store.applyEvent(P, 5n, [upsert('rows', 'r', { a: 1, flag: false })]);
      await store.applyEvent(P, 5n, [setFields('rows', 'r', { flag: true })]);
      await store.applyEvent(P, 4n, [setFields('rows', 'r', { flag: true })]);
      expect(await store.get('rows', 'r')).toEqual({ _id: 'r', _position: '5', a: 1, flag: false });
      await store.applyEvent(P, 6n, [setFields('rows', 'r', { flag: true })]);
      await store.applyEvent(P, 7n, [upsert('rows', 'r', { a: 2, flag: false })]);
      // The set's event replayed after a newer upsert: the newer document stays.
      await store.applyEvent(P, 6n, [setFields('rows', 'r', { flag: true })]);
      expect(await store.get('rows', 'r')).toEqual({ _id: 'r', _position: '7', a: 2, flag: false });
    });

    it('in a batch: applies over a whole write before it, is overwritten by one after it, and the last write of one event wins', async () => {
      await store.applyBatch(P, [
        { position: 1n, writes: [upsert('rows', 'a', { n: 1 }), upsert('rows', 'b', { n: 1 }), upsert('rows', 'c', { n: 1 }), upsert('rows', 'd', { n: 1 })] },
        { position: 2n, writes: [setFields('rows', 'a', { n: 2, m: 1 }), setFields('rows', 'b', { m: 1 })] },
        { position: 3n, writes: [upsert('rows', 'b', { n: 3 }), setFields('rows', 'a', { m: 2 })] },
        // One event: a set after an upsert applies over it; an upsert after a set replaces it.
        { position: 4n, writes: [upsert('rows', 'c', { n: 4 }), setFields('rows', 'c', { m: 4 }), setFields('rows', 'd', { m: 4 }), upsert('rows', 'd', { n: 4 })] },
        { position: 5n, writes: [setFields('rows', 'd', { m: 5 }), setFields('rows', 'd', { n: 5 })] },
      ]);
      expect(await store.find('rows')).toEqual([
        { _id: 'a', _position: '3', n: 2, m: 2 },
        { _id: 'b', _position: '3', n: 3 },
        { _id: 'c', _position: '4', n: 4, m: 4 },
        { _id: 'd', _position: '5', n: 5, m: 5 },
      ]);
      expect(await store.checkpoint(P)).toBe(5n);
    });

    it('refuses a set of no field, of a store field or $ name, or of a value JSON drops, and writes nothing of its batch', async () => {
      await store.applyEvent(P, 1n, [upsert('rows', 'r', { n: 1 })]);
      for (const fields of [{}, { _id: 'x' }, { _position: '9' }, { $inc: 1 }, { 'a.b': 1 }, { n: undefined }, null, [1]]) {
        await expect(
          store.applyBatch(P, [
            { position: 2n, writes: [upsert('rows', 'other', { n: 1 })] },
            { position: 3n, writes: [setFields('rows', 'r', fields as never)] },
          ]),
        ).rejects.toBeInstanceOf(ReadModelRequestError);
      }
      expect(await store.get('rows', 'other')).toBeUndefined();
      expect(await store.get('rows', 'r')).toEqual({ _id: 'r', _position: '1', n: 1 });
      expect(await store.checkpoint(P)).toBe(1n);
    });
  });

  describe('find', () => {
    const obligations = [
      { id: 'o-1', agency: 'a-1', state: 'overdue', dueAt: '2025-05-31T15:59:59.999Z', days: 40, flagged: true },
      { id: 'o-2', agency: 'a-1', state: 'open', dueAt: '2025-07-31T15:59:59.999Z', days: 2, flagged: false },
      { id: 'o-3', agency: 'a-1', state: 'overdue', dueAt: '2025-06-30T15:59:59.999Z', days: 10 },
      { id: 'o-4', agency: 'a-2', state: 'overdue', dueAt: '2025-04-30T15:59:59.999Z', days: 70, note: null },
      { id: 'o-5', agency: 'a-2', state: 'met', dueAt: '2025-03-31T15:59:59.999Z', days: 0 },
      // Same field, other types: a range must not mix them.
      { id: 'o-6', agency: 'a-3', state: 'open', dueAt: 20250101, days: '5' },
    ];
    const ids = (docs: { _id: string }[]) => docs.map((d) => d._id);

    beforeEach(async () => {
      await store.declareIndexes('obligations', [{ fields: ['agency', 'state', 'dueAt'] }]);
      await store.applyBatch(
        P,
        obligations.map(({ id, ...body }, i) => ({ position: BigInt(i + 1), writes: [upsert('obligations', id, body)] })),
      );
      await store.applyEvent(P, 100n, [upsert('obligations', 'o-gone', { agency: 'a-1', state: 'overdue', dueAt: '2025-01-01' })]);
      await store.applyEvent(P, 101n, [remove('obligations', 'o-gone')]);
    });

    it('returns every live document in _id order by default, tombstones excluded', async () => {
      expect(ids(await store.find('obligations'))).toEqual(['o-1', 'o-2', 'o-3', 'o-4', 'o-5', 'o-6']);
      expect(await store.find('obligations', { _id: 'o-2' })).toEqual([
        { _id: 'o-2', _position: '2', agency: 'a-1', state: 'open', dueAt: '2025-07-31T15:59:59.999Z', days: 2, flagged: false },
      ]);
    });

    it('returns only the fields asked for, besides _id and _position (a field a document lacks stays absent), filtered, sorted and limited as a full find', async () => {
      const filter = { agency: { $in: ['a-1', 'a-2'] } };
      const options = { sort: { days: -1 as const }, limit: 4 };
      const full = await store.find('obligations', filter, options);
      const some = await store.find('obligations', filter, { ...options, fields: ['days', 'flagged', 'note'] });
      expect(some).toEqual(
        full.map((d) => Object.fromEntries(Object.entries(d).filter(([k]) => ['_id', '_position', 'days', 'flagged', 'note'].includes(k)))),
      );
      expect(some[0]).toEqual({ _id: 'o-4', _position: '4', days: 70, note: null });
      for (const fields of [[], ['_id'], ['_position'], ['a.b'], ['days', 'days'], 'days']) {
        await expect(store.find('obligations', {}, { fields: fields as never })).rejects.toBeInstanceOf(ReadModelRequestError);
      }
    });

    it('answers "agency = X and state = overdue and dueAt <= T", sorted by dueAt', async () => {
      const found = await store.find(
        'obligations',
        { agency: 'a-1', state: 'overdue', dueAt: { $lte: '2025-06-30T15:59:59.999Z' } },
        { sort: { dueAt: 1 } },
      );
      expect(ids(found)).toEqual(['o-1', 'o-3']);
    });

    it('supports $in, $ne, $lt, $gt, $gte, and several operators on one field', async () => {
      expect(ids(await store.find('obligations', { state: { $in: ['open', 'met'] } }))).toEqual(['o-2', 'o-5', 'o-6']);
      expect(ids(await store.find('obligations', { state: { $in: [] } }))).toEqual([]);
      expect(ids(await store.find('obligations', { state: { $ne: 'overdue' } }))).toEqual(['o-2', 'o-5', 'o-6']);
      expect(ids(await store.find('obligations', { days: { $gt: 2, $lt: 70 } }))).toEqual(['o-1', 'o-3']);
      expect(ids(await store.find('obligations', { days: { $gte: 70 } }))).toEqual(['o-4']);
      expect(ids(await store.find('obligations', { dueAt: { $gte: '2025-06-01', $lt: '2025-08-01' } }))).toEqual(['o-2', 'o-3']);
      expect(ids(await store.find('obligations', { _id: { $in: ['o-5', 'o-1', 'nope'] } }))).toEqual(['o-1', 'o-5']);
    });

    it('compares like with like: string bounds skip numbers, number bounds skip strings, true is not 1', async () => {
      expect(ids(await store.find('obligations', { dueAt: { $lte: '9999' } }))).toEqual(['o-1', 'o-2', 'o-3', 'o-4', 'o-5']);
      expect(ids(await store.find('obligations', { dueAt: { $gte: 0 } }))).toEqual(['o-6']);
      expect(ids(await store.find('obligations', { days: 5 }))).toEqual([]);
      expect(ids(await store.find('obligations', { days: '5' }))).toEqual(['o-6']);
      expect(ids(await store.find('obligations', { flagged: true }))).toEqual(['o-1']);
      expect(ids(await store.find('obligations', { flagged: false }))).toEqual(['o-2']);
      expect(ids(await store.find('obligations', { days: { $in: [40, '5', true] } }))).toEqual(['o-1', 'o-6']);
    });

    it('matches null against null and missing fields, and $ne against missing fields', async () => {
      expect(ids(await store.find('obligations', { note: null }))).toEqual(['o-1', 'o-2', 'o-3', 'o-4', 'o-5', 'o-6']);
      expect(ids(await store.find('obligations', { flagged: null }))).toEqual(['o-3', 'o-4', 'o-5', 'o-6']);
      expect(ids(await store.find('obligations', { flagged: { $ne: null } }))).toEqual(['o-1', 'o-2']);
      expect(ids(await store.find('obligations', { flagged: { $ne: true } }))).toEqual(['o-2', 'o-3', 'o-4', 'o-5', 'o-6']);
      expect(ids(await store.find('obligations', { agency: { $in: [null, 'a-3'] } }))).toEqual(['o-6']);
    });

    it('sorts on several keys, breaks ties by _id, and limits', async () => {
      const found = await store.find('obligations', { state: { $in: ['overdue', 'open'] } }, { sort: { agency: -1, days: 1 } });
      expect(ids(found)).toEqual(['o-6', 'o-4', 'o-2', 'o-3', 'o-1']);
      expect(ids(await store.find('obligations', {}, { sort: { state: 1 }, limit: 3 }))).toEqual(['o-5', 'o-2', 'o-6']);
      expect(ids(await store.find('obligations', {}, { sort: { _id: -1 }, limit: 2 }))).toEqual(['o-6', 'o-5']);
    });

    it('matches one of several alternatives with $or, ANDed with the other conditions, nestable and side by side with $and', async () => {
      expect(ids(await store.find('obligations', { $or: [{ agency: 'a-2' }, { days: { $lt: 3 } }] }))).toEqual(['o-2', 'o-4', 'o-5']);
      const nested = { agency: 'a-1', $or: [{ flagged: null }, { days: { $gt: 30 }, $or: [{ flagged: true }, { note: 'x' }] }] };
      expect(ids(await store.find('obligations', nested, { sort: { dueAt: -1 } }))).toEqual(['o-3', 'o-1']);
      expect(ids(await store.find('obligations', { $or: [{}] }))).toEqual(['o-1', 'o-2', 'o-3', 'o-4', 'o-5', 'o-6']);
      // Two alternatives side by side with $and: (a-2 or days < 3) and (flagged or days = 0).
      const both = { $and: [{ $or: [{ agency: 'a-2' }, { days: { $lt: 3 } }] }, { $or: [{ flagged: { $ne: null } }, { days: 0 }] }] };
      expect(ids(await store.find('obligations', both))).toEqual(['o-2', 'o-5']);
      expect(await store.countBy('obligations', both, ['agency'])).toEqual([{ group: { agency: 'a-1' }, count: 1 }, { group: { agency: 'a-2' }, count: 1 }]);
      // A cursor past (dueAt, _id) = (o-1's): strictly after it in that order.
      const after = { dueAt: { $gte: '2025-05-31T15:59:59.999Z' }, $or: [{ dueAt: { $gt: '2025-05-31T15:59:59.999Z' } }, { _id: { $gt: 'o-1' } }] };
      expect(ids(await store.find('obligations', after, { sort: { dueAt: 1 }, limit: 2 }))).toEqual(['o-3', 'o-2']);
    });

    it('counts by group without reading the documents out: values apart by type, null and missing together, in order', async () => {
      const counts = (fields: string[], filter = {}) => store.countBy('obligations', filter, fields);
      expect(await counts(['agency'])).toEqual([
        { group: { agency: 'a-1' }, count: 3 },
        { group: { agency: 'a-2' }, count: 2 },
        { group: { agency: 'a-3' }, count: 1 },
      ]);
      expect(await counts(['agency', 'state'], { state: { $ne: 'met' } })).toEqual([
        { group: { agency: 'a-1', state: 'open' }, count: 1 },
        { group: { agency: 'a-1', state: 'overdue' }, count: 2 },
        { group: { agency: 'a-2', state: 'overdue' }, count: 1 },
        { group: { agency: 'a-3', state: 'open' }, count: 1 },
      ]);
      expect(await counts(['flagged'])).toEqual([
        { group: { flagged: null }, count: 4 },
        { group: { flagged: false }, count: 1 },
        { group: { flagged: true }, count: 1 },
      ]);
      expect((await counts(['days'])).map((g) => g.group.days)).toEqual([0, 2, 10, 40, 70, '5']);
      expect(await counts(['note'])).toEqual([{ group: { note: null }, count: 6 }]);
      expect(await counts(['state'], { $or: [{ agency: 'a-2' }, { flagged: true }] })).toEqual([
        { group: { state: 'met' }, count: 1 },
        { group: { state: 'overdue' }, count: 2 },
      ]);
      expect(await counts(['_id'], { agency: 'a-2' })).toEqual([{ group: { _id: 'o-4' }, count: 1 }, { group: { _id: 'o-5' }, count: 1 }]);
      // No group fields: the total, also when nothing (or no collection) matches; tombstones never count.
      expect(await counts([])).toEqual([{ group: {}, count: 6 }]);
      expect(await store.countBy('obligations', { agency: 'nope' })).toEqual([{ group: {}, count: 0 }]);
      expect(await store.countBy('never_written', {}, ['agency'])).toEqual([]);
    });

    it('refuses what it cannot answer the same way on every adapter', async () => {
      const refused = [
        () => store.find('obligations', { $or: [] }),
        () => store.find('obligations', { $or: 'x' as never }),
        () => store.find('obligations', { $and: [] }),
        () => store.find('obligations', { $or: [{ 'nested.field': 1 }] }),
        () => store.countBy('obligations', { $or: [] }, ['agency']),
        () => store.countBy('obligations', {}, ['nested.field']),
        () => store.countBy('obligations', {}, ['_position']),
        () => store.countBy('obligations', {}, ['agency', 'agency']),
        () => store.countBy('obligations', { days: { $lt: true } as never }),
        () => store.countBy('bad-name'),
        () => store.find('obligations', { 'nested.field': 1 }),
        () => store.find('obligations', { _position: '1' }),
        () => store.find('obligations', { state: { $regex: 'x' } as never }),
        () => store.find('obligations', { state: { $in: [['x']] } as never }),
        () => store.find('obligations', { days: { $lt: true } as never }),
        () => store.find('obligations', { tags: ['x'] as never }),
        () => store.find('obligations', {}, { limit: 0 }),
        () => store.find('obligations', {}, { sort: { days: 2 as never } }),
        () => store.find('bad-name'),
      ];
      for (const attempt of refused) await expect(attempt()).rejects.toBeInstanceOf(ReadModelRequestError);
    });
  });

  it('drops a projection\'s collections (tombstones too) and its checkpoint, and nothing else', async () => {
    await store.applyEvent(P, 1n, [upsert('agencies', 'a-1', { n: 1 }), upsert('accounts', 'u-1', { n: 1 })]);
    await store.applyEvent(P, 2n, [remove('accounts', 'u-2')]);
    await store.applyEvent('other', 5n, [upsert('roster', 'r-1', { n: 1 })]);
    await store.drop(P, ['agencies', 'accounts']);
    expect(await store.find('agencies')).toEqual([]);
    expect(await store.getEntry('accounts', 'u-2')).toBeUndefined();
    expect(await store.checkpoint(P)).toBeUndefined();
    expect(await store.get('roster', 'r-1')).toMatchObject({ n: 1 });
    expect(await store.checkpoint('other')).toBe(5n);
    // After a drop the same events apply again from scratch.
    await store.applyEvent(P, 1n, [upsert('agencies', 'a-1', { n: 1 })]);
    expect(await store.get('agencies', 'a-1')).toEqual({ _id: 'a-1', _position: '1', n: 1 });
  });

  it('declares indexes idempotently and refuses malformed ones', async () => {
    await store.declareIndexes('obligations', [{ fields: ['agency', 'state', 'dueAt'] }, { fields: ['state'] }]);
    await store.declareIndexes('obligations', [{ fields: ['agency', 'state', 'dueAt'] }, { fields: ['state'] }]);
    await store.declareIndexes('obligations', []);
    await expect(store.declareIndexes('obligations', [{ fields: [] }])).rejects.toBeInstanceOf(ReadModelRequestError);
    await expect(store.declareIndexes('obligations', [{ fields: ['a.b'] }])).rejects.toBeInstanceOf(ReadModelRequestError);
  });

  it('is durable across instances', async () => {
    await store.applyEvent(P, 8n, [upsert('agencies', 'a-1', { name: 'A' })]);
    const other = await h.reopen();
    expect(await other.get('agencies', 'a-1')).toEqual({ _id: 'a-1', _position: '8', name: 'A' });
    expect(await other.checkpoint(P)).toBe(8n);
  });

  describe('projection leases (one instance runs a projection at a time)', () => {
    const T0 = 1_750_000_000_000;
    it('gives the lease to the first holder, renews it for that holder, refuses it to another while valid', async () => {
      expect(await store.acquireLease(P, 'instance-a', 10_000, T0)).toBe(true);
      expect(await store.acquireLease(P, 'instance-b', 10_000, T0 + 1)).toBe(false);
      expect(await store.acquireLease(P, 'instance-a', 10_000, T0 + 5_000)).toBe(true);
      expect(await store.lease(P)).toEqual({ holder: 'instance-a', expiresAt: T0 + 15_000 });
      expect(await store.acquireLease(P, 'instance-b', 10_000, T0 + 14_999)).toBe(false);
      expect(await store.acquireLease('other', 'instance-b', 10_000, T0)).toBe(true);
    });

    it('lets another holder take over once the lease has expired (its holder died), across instances', async () => {
      expect(await store.acquireLease(P, 'instance-a', 10_000, T0)).toBe(true);
      const other = await h.reopen();
      expect(await other.acquireLease(P, 'instance-b', 10_000, T0 + 10_001)).toBe(true);
      expect(await store.lease(P)).toEqual({ holder: 'instance-b', expiresAt: T0 + 20_001 });
      // The old holder, back from a pause, cannot renew: it must stand by.
      expect(await store.acquireLease(P, 'instance-a', 10_000, T0 + 10_002)).toBe(false);
    });

    it('is free at once after its holder releases it; another holder cannot release it', async () => {
      expect(await store.acquireLease(P, 'instance-a', 10_000, T0)).toBe(true);
      await store.releaseLease(P, 'instance-b');
      expect(await store.acquireLease(P, 'instance-b', 10_000, T0 + 1)).toBe(false);
      await store.releaseLease(P, 'instance-a');
      expect(await store.lease(P)).toBeUndefined();
      expect(await store.acquireLease(P, 'instance-b', 10_000, T0 + 2)).toBe(true);
    });

    it('lets exactly one of many concurrent candidates win', async () => {
      const wins = await Promise.all(Array.from({ length: 8 }, (_, i) => store.acquireLease(P, `instance-${i}`, 10_000, T0)));
      expect(wins.filter(Boolean)).toHaveLength(1);
    });
  });

  it('reports health', async () => {
    expect(await store.health()).toMatchObject({ store: store.kind, ok: true });
  });
}
