import { SqliteEventStore } from '@ledger/event-store';
import { newEvent } from '@ledger/event-store/testing';
import { StreamHistories } from './stream-histories';

describe('stream histories kept between registrations', () => {
  it('gives the whole history a full read gives, reading only the events appended since, by this or another writer', async () => {
    const store = new SqliteEventStore({ file: ':memory:' });
    const reads: (number | undefined)[] = [];
    const counting = { readStream: (id: string, o?: { fromRevision?: number }) => (reads.push(o?.fromRevision), store.readStream(id, o)) };
    const histories = new StreamHistories(counting);
    await store.append('account-A', [newEvent('E', { n: 0 }), newEvent('E', { n: 1 })], 'no_stream');
    expect((await histories.read('account-A')).map((e) => e.data.n)).toEqual([0, 1]);
    await store.append('account-A', [newEvent('E', { n: 2 })], 1);
    const after = await histories.read('account-A');
    expect(after.map((e) => e.data.n)).toEqual([0, 1, 2]);
    expect(after).toEqual(await store.readStream('account-A'));
    expect(await histories.read('account-A')).toEqual(after);
    expect(reads).toEqual([undefined, 2, 3]);
    expect(Object.isFrozen(after[0].data)).toBe(true);
  });

  it('a stream not written yet is read again in full, and the oldest used stream leaves first beyond the bound', async () => {
    const store = new SqliteEventStore({ file: ':memory:' });
    const histories = new StreamHistories(store, 2);
    expect(await histories.read('account-B')).toEqual([]);
    await store.append('account-B', [newEvent('E', { n: 0 })], 'no_stream');
    expect((await histories.read('account-B')).map((e) => e.data.n)).toEqual([0]);
    for (const id of ['account-C', 'account-D']) {
      await store.append(id, [newEvent('E', { n: 1 })], 'no_stream');
      await histories.read(id);
    }
    expect(histories.size).toBe(2);
    expect((await histories.read('account-B')).map((e) => e.data.n)).toEqual([0]);
  });
});
