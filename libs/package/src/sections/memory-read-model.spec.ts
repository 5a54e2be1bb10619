import type { RecordedEvent } from '@ledger/event-store/types';
import { projectEvents } from '@ledger/read-models/project-events';
import type { Projection } from '@ledger/read-models/projection';
import { SqliteReadModelStore } from '@ledger/read-models/sqlite/sqlite-read-model-store';
import { remove, setFields, upsert } from '@ledger/read-models/types';
import { MemoryReadModel } from './memory-read-model';

const event = (position: number, type: string, id: string): RecordedEvent => ({
  streamId: `s-${id}`, revision: 0, position: BigInt(position), eventId: `e${position}`, type, data: { id }, metadata: {} as RecordedEvent['metadata'],
});

/** Upserts, sets (fields of a document changed without reading it) and deletes. */
const rows: Projection = {
  name: 'rows',
  collections: ['rows'],
  handles: () => true,
  project(e) {
    const id = String(e.data['id']);
    if (e.type === 'Flag') return [setFields('rows', id, { flag: true, at: new Date(Date.UTC(2025, 2, Number(e.position))) })];
    if (e.type === 'Removed') return [remove('rows', id)];
    return [upsert('rows', id, { n: Number(e.position), flag: false })];
  },
};

describe('MemoryReadModel', () => {
  it('folds set writes as the stores do: fields over a live document, nothing without one', async () => {
    const log = [event(1, 'Created', 'a'), event(2, 'Flag', 'a'), event(3, 'Flag', 'b'), event(4, 'Created', 'c'), event(5, 'Removed', 'c'), event(6, 'Flag', 'c')];
    const memory = new MemoryReadModel(rows);
    for (const e of log) memory.accept(e);
    const store = new SqliteReadModelStore({ file: ':memory:' });
    await projectEvents(rows, store, log);
    const stored = (await store.find('rows', {}, { sort: { _id: 1 } })).map(({ _id, _position, ...doc }) => doc);
    expect(await memory.all('rows')).toEqual(stored);
    expect(stored).toEqual([{ n: 1, flag: true, at: '2025-03-02T00:00:00.000Z' }]);
    await store.close();
  });
});
