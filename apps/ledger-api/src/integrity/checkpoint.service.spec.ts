import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLoggedCheckpoints, verifyLedger } from '@ledger/event-store';
import { newEvent } from '@ledger/event-store/testing';
import { FakeKurrentDbClient } from '@ledger/event-store/kurrentdb/fake-kurrentdb-client';
import { KurrentDbEventStore } from '@ledger/event-store/kurrentdb/kurrentdb-event-store';
import { formatSignerKey, generateSignerKey, verifierOf } from '@ledger/integrity';
import type { LedgerConfig } from '@ledger/platform';
import { CheckpointService } from './checkpoint.service';

/** The service on the EventStoreDB adapter over the in-memory stand-in of the client (not a server). */
describe('CheckpointService on the EventStoreDB adapter (in-memory stand-in of the client, not a server)', () => {
  const witnessDir = mkdtempSync(join(tmpdir(), 'witness-'));
  afterAll(() => rmSync(witnessDir, { recursive: true, force: true }));

  it('issues checkpoints every N events, counting leaves (not $all positions), and hands them to the witness', async () => {
    const fake = new FakeKurrentDbClient();
    const store = new KurrentDbEventStore(fake.asClient(), { pollIntervalMs: 50 });
    const key = generateSignerKey('webir-ledger');
    const config = {
      eventStoreUrl: 'kurrentdb://localhost:2113?tls=false',
      dataDir: witnessDir,
      integrity: { signingKey: formatSignerKey(key), witnessDir, checkpointEveryEvents: 10, checkpointIntervalSeconds: 3600 },
    } as unknown as LedgerConfig;
    const service = new CheckpointService(store, config, () => new Date());
    await service.onApplicationBootstrap();
    expect(service.enabled).toBe(true);

    await store.append('unit-a', Array.from({ length: 12 }, (_, i) => newEvent('E', { i })), 'no_stream');
    await service.tick();
    await service.tick(); // nothing new since: no second checkpoint
    await store.append('unit-a', Array.from({ length: 3 }, (_, i) => newEvent('E', { i })), 11);
    await service.tick(); // 3 + the checkpoint's own 2 events < 10: none yet
    await store.append('unit-a', Array.from({ length: 9 }, (_, i) => newEvent('E', { i })), 14);
    await service.tick();
    await service.tick(); // only the checkpoint's own event since: covered
    await store.append('unit-a', [newEvent('E', {})], 23);
    await service.beforeApplicationShutdown();
    await service.beforeApplicationShutdown(); // the tail is covered already: nothing issued

    const logged = await readLoggedCheckpoints(store);
    // 1 key announcement + 12 events; then + 1 checkpoint + 3 + 9 events; then + 1 checkpoint + 1 event.
    expect(logged.map((c) => [c.size, c.event.data.reason])).toEqual([[13, 'events'], [26, 'events'], [28, 'shutdown']]);
    expect(service.status.witnesses).toMatchObject([{ ok: true, treeSize: 28 }]);
    expect(readdirSync(witnessDir).length).toBeGreaterThan(0);
    const report = await verifyLedger(store, { trustedKeys: [verifierOf(key)] });
    expect(report.failures).toEqual([]);
    expect(report).toMatchObject({ intact: true, uncoveredEvents: 1 });
    await service.onApplicationShutdown();
    await store.close();
  });
});
