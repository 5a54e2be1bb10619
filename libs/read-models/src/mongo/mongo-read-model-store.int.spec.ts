import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { MongoClient } from 'mongodb';
import { describeWithServer, mongoDb, type ExternalStore } from '@ledger/testing';
import { readModelStoreContract, type ReadModelStoreHarness } from '../read-model-store.contract';
import { upsert } from '../types';
import { CHECKPOINTS_COLLECTION, MongoReadModelStore } from './mongo-read-model-store';

const describeMongo = describeWithServer('MongoDB');

describeMongo('MongoReadModelStore', () => {
  let server: ExternalStore | undefined;
  let raw: MongoClient;

  beforeAll(async () => {
    server = await mongoDb();
    if (!server.available) throw new Error(`MongoDB was expected but is unavailable: ${server.reason}`);
    raw = new MongoClient(server.url, { serverSelectionTimeoutMS: 3_000 });
    await raw.connect();
  }, 180_000);

  afterAll(async () => {
    await raw?.close();
    if (server?.available) await server.stop();
  }, 60_000);

  async function harness(): Promise<ReadModelStoreHarness & { dbName: string }> {
    if (!server?.available) throw new Error('MongoDB not started');
    const url = server.url;
    // A database per case keeps cases independent on a shared server.
    const dbName = `read_models_${randomUUID().replace(/-/g, '')}`;
    const opened: MongoReadModelStore[] = [];
    const connect = async () => {
      const store = await MongoReadModelStore.connect({ url, dbName });
      opened.push(store);
      return store;
    };
    return {
      dbName,
      store: await connect(),
      reopen: connect,
      cleanup: async () => {
        for (const store of opened.splice(0)) await store.close();
        await raw.db(dbName).dropDatabase();
      },
    };
  }

  describe('contract', () => readModelStoreContract(harness));

  it('creates the declared indexes in MongoDB', async () => {
    const h = await harness();
    await h.store.declareIndexes('obligations', [{ fields: ['agency', 'state', 'dueAt'] }]);
    const indexes = await raw.db(h.dbName).collection('obligations').indexes();
    expect(indexes).toEqual(expect.arrayContaining([expect.objectContaining({ key: { agency: 1, state: 1, dueAt: 1 } })]));
    await h.cleanup();
  });

  it('stores positions as Int64 so the guard compares numbers, not strings', async () => {
    const h = await harness();
    await h.store.applyEvent('toy', 10n, [upsert('agencies', 'a-1', { name: 'ten' })]);
    await h.store.applyEvent('toy', 9n, [upsert('agencies', 'a-1', { name: 'nine' })]);
    const stored = await raw.db(h.dbName).collection('agencies').findOne({ _id: 'a-1' as never }, { promoteLongs: false });
    expect(stored?.['_position']?._bsontype).toBe('Long');
    expect(stored?.['name']).toBe('ten');
    const checkpoint = await raw.db(h.dbName).collection(CHECKPOINTS_COLLECTION).findOne({ _id: 'toy' as never }, { promoteLongs: false });
    expect(checkpoint?.['position']?._bsontype).toBe('Long');
    await h.cleanup();
  });

  it('replays a batch whose checkpoint was lost without changing any document', async () => {
    // What a crash between the document writes and the checkpoint write leaves behind.
    const h = await harness();
    const batch = [
      { position: 1n, writes: [upsert('counters', 'c', { n: 1 })] },
      { position: 2n, writes: [upsert('counters', 'c', { n: 2 }), upsert('counters', 'd', { n: 1 })] },
    ];
    await h.store.applyBatch('lost', batch);
    await raw.db(h.dbName).collection(CHECKPOINTS_COLLECTION).deleteOne({ _id: 'lost' as never });
    const before = await h.store.find('counters');
    await h.store.applyBatch('lost', batch);
    expect(await h.store.find('counters')).toEqual(before);
    expect(await h.store.checkpoint('lost')).toBe(2n);
    await h.cleanup();
  });
});

describe('MongoReadModelStore without a server', () => {
  it('fails to connect within seconds, not the driver default of 30 s', async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const started = Date.now();
    await expect(MongoReadModelStore.connect({ url: `mongodb://127.0.0.1:${port}/?directConnection=true` })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(8_000);
  }, 15_000);
});
