import { describeWithServer, eventStoreDb, type ExternalStore } from '@ledger/testing';
import { eventStoreContract } from '../event-store.contract';
import { verifyLedger } from '../verifier';
import { KurrentDbEventStore } from './kurrentdb-event-store';

describeWithServer('EventStoreDB')('event-store contract: EventStoreDB (@kurrent/kurrentdb-client)', () => {
  jest.setTimeout(30_000);
  let external: ExternalStore | undefined;
  let store: KurrentDbEventStore;

  beforeAll(async () => {
    external = await eventStoreDb();
    if (!external.available) throw new Error(`EventStoreDB was expected but cannot be had: ${external.reason}`);
    store = KurrentDbEventStore.connect(external.url, {
      timeoutMs: Number(process.env.EVENTSTORE_TIMEOUT_MS ?? 10_000),
    });
    const health = await store.health();
    if (!health.ok) throw new Error(`EventStoreDB at ${external.url} is not healthy: ${health.detail}`);
  }, 180_000);

  afterAll(async () => {
    await store?.close();
    if (external?.available) await external.stop();
  });

  eventStoreContract(() => store);

  it('keeps system streams out of what the verifier sees, and the ledger verifies intact', async () => {
    const all = await store.readAll();
    expect(all.some((e) => e.streamId.startsWith('$') || e.type.startsWith('$'))).toBe(false);
    expect((await verifyLedger(store)).intact).toBe(true);
  });
});
