import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { newEvent } from '../testing';
import { SCHEMA_SQL, SqliteEventStore } from './sqlite-event-store';

/** The embedded store answers the forward reads of one synchronous stretch with one statement per 256 streams. */
describe('SqliteEventStore: forward reads asked for side by side share statements', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-reads-'));
  let store: SqliteEventStore;
  const stream = () => `batch-${randomUUID().replace(/-/g, '')}`;
  beforeAll(() => {
    store = new SqliteEventStore({ file: join(dir, 'events.db') });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads 300 streams in two statements (256 + 44 padded to 64), and a read alone in its own statement', async () => {
    const ids = Array.from({ length: 300 }, () => stream());
    await Promise.all(ids.map((id) => store.append(id, [newEvent('N', { id })], 'no_stream')));
    const sizes: number[] = [];
    const forwardsMany = (store as unknown as { forwardsMany: (size: number) => unknown }).forwardsMany.bind(store);
    const spy = jest.spyOn(store as unknown as { forwardsMany: (size: number) => unknown }, 'forwardsMany').mockImplementation((size: number) => {
      sizes.push(size);
      return forwardsMany(size);
    });
    try {
      const read = await Promise.all(ids.map((id) => store.readStream(id)));
      expect(read.map((events) => events[0].data.id)).toEqual(ids);
      expect(sizes).toEqual([256, 64]);

      sizes.length = 0;
      expect((await store.readStream(ids[7]))[0].data.id).toBe(ids[7]);
      expect(sizes).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });

  it('a read asked for before an append in the same stretch answers from before it; after the append resolves, from after it', async () => {
    const id = stream();
    await store.append(id, [newEvent('N', { n: 0 })], 'no_stream');
    const before = store.readStream(id);
    const appended = store.append(id, [newEvent('N', { n: 1 })], 0);
    expect((await before).map((e) => e.data.n)).toEqual([0]);
    await appended;
    expect((await store.readStream(id)).map((e) => e.data.n)).toEqual([0, 1]);
  });

  it('a stored event that no longer parses fails the reads of its stream only', async () => {
    const [bad, good] = [stream(), stream()];
    await store.append(bad, [newEvent('N', { n: 0 })], 'no_stream');
    await store.append(good, [newEvent('N', { n: 0 })], 'no_stream');
    // An edit behind the ledger's back (triggers dropped, as in the tamper cases), through another connection.
    const raw = new Database(join(dir, 'events.db'));
    try {
      raw.exec('DROP TRIGGER events_refuse_update');
      raw.prepare('UPDATE events SET data = ? WHERE stream_id = ?').run('{"n": 0', bad);
      raw.exec(SCHEMA_SQL);
    } finally {
      raw.close();
    }
    const [badRead, goodRead] = await Promise.allSettled([store.readStream(bad), store.readStream(good)]);
    expect(badRead.status).toBe('rejected');
    expect(goodRead).toMatchObject({ status: 'fulfilled', value: [{ data: { n: 0 } }] });
  });

  it('a failing statement rejects every read it was answering, and the next reads work', async () => {
    const ids = [stream(), stream()];
    const spy = jest.spyOn(store as unknown as { forwardsMany: (size: number) => unknown }, 'forwardsMany').mockImplementation(() => {
      throw new Error('disk I/O error');
    });
    try {
      const results = await Promise.allSettled(ids.map((id) => store.readStream(id)));
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    } finally {
      spy.mockRestore();
    }
    expect(await Promise.all(ids.map((id) => store.readStream(id)))).toEqual([[], []]);
  });
});
