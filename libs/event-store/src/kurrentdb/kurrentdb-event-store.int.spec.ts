import { randomUUID } from 'node:crypto';
import { generateSignerKey, leafHash, verifierOf, verifyInclusion } from '@ledger/integrity';
import { describeWithServer, eventStoreDb, type ExternalStore } from '@ledger/testing';
import { announceSigningKey, issueCheckpoint } from '../checkpoints';
import { eventStoreContract } from '../event-store.contract';
import { newEvent } from '../testing';
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

  it('issues a checkpoint over the ledger in $all; it verifies with only the public key and proves an event', async () => {
    const key = generateSignerKey('webir-ledger');
    await announceSigningKey(store, key, new Date());
    const id = `tree-${randomUUID().replace(/-/g, '')}`;
    await store.append(id, Array.from({ length: 20 }, (_, i) => newEvent('E', { i })), 'no_stream');
    const checkpoint = await issueCheckpoint(store, key, { reason: 'on-demand', now: new Date() });
    const report = await verifyLedger(store, { trustedKeys: [verifierOf(key)], externalCheckpoints: [checkpoint.note] });
    expect(report.failures).toEqual([]);
    const [event] = await store.readStream(id, { fromRevision: 7, maxCount: 1 });
    const leaf = (await store.tree!.leafIndexOf(event.position))!;
    const path = await store.tree!.inclusionProof(leaf, checkpoint.treeSize);
    expect(verifyInclusion(leaf, checkpoint.treeSize, leafHash(Buffer.from(event.metadata.hash, 'hex')), path, checkpoint.rootHash)).toBe(true);
  });
});
