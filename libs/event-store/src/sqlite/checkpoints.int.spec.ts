import { generateSignerKey, verifierOf } from '@ledger/integrity';
import { announceSigningKey, issueCheckpoint, readAnnouncedKeys, readLoggedCheckpoints } from '../checkpoints';
import { newEvent } from '../testing';
import { verifyLedger, type VerifierState } from '../verifier';
import { SqliteEventStore } from './sqlite-event-store';

const now = () => new Date('2025-07-01T00:00:00.000Z');
const batch = (n: number) => Array.from({ length: n }, (_, i) => newEvent('E', { i }));

describe('signed checkpoints in the ledger', () => {
  it('a key rotation is an event; checkpoints of the old key stay verifiable with only the new key pinned', async () => {
    const store = new SqliteEventStore({ file: ':memory:' });
    const oldKey = generateSignerKey('webir-ledger');
    const newKey = generateSignerKey('webir-ledger');
    expect(await announceSigningKey(store, oldKey, now())).toBe(true);
    expect(await announceSigningKey(store, oldKey, now())).toBe(false); // already the latest: nothing appended
    await store.append('s-1', batch(10), 'no_stream');
    await issueCheckpoint(store, oldKey, { reason: 'events', now: now() });
    await store.append('s-1', batch(10), 9);
    await issueCheckpoint(store, oldKey, { reason: 'interval', now: now() });
    expect(await announceSigningKey(store, newKey, now())).toBe(true);
    await store.append('s-2', batch(5), 'no_stream');
    await issueCheckpoint(store, newKey, { reason: 'month-close', monthClosed: '2025-06', now: now() });

    expect((await readAnnouncedKeys(store)).map((k) => k.key.keyId)).toEqual([oldKey.keyId, newKey.keyId]);
    const logged = await readLoggedCheckpoints(store);
    expect(logged.map((c) => [c.size, c.event.data.reason])).toEqual([[11, 'events'], [22, 'interval'], [29, 'month-close']]);

    const pinnedNew = await verifyLedger(store, { densePositions: true, trustedKeys: [verifierOf(newKey)] });
    expect(pinnedNew.failures).toEqual([]);
    expect(pinnedNew.checkpoints.map((c) => [c.size, c.ok, c.signedBy])).toEqual([[11, true, ['webir-ledger']], [22, true, ['webir-ledger']], [29, true, ['webir-ledger']]]);

    // Pinning a key the ledger never announced trusts none of its checkpoints.
    const stranger = await verifyLedger(store, { densePositions: true, trustedKeys: [verifierOf(generateSignerKey('webir-ledger'))] });
    expect(stranger.failures.map((f) => f.reason)).toEqual(['CHECKPOINT_INVALID', 'CHECKPOINT_INVALID', 'CHECKPOINT_INVALID']);
    // Without a pinned key the announced keys are trusted on first use, and the report says so.
    expect(await verifyLedger(store, { densePositions: true })).toMatchObject({ intact: true, keysPinned: false });
    await store.close();
  });

  it('incremental verification re-verifies only what was appended since, with the same verdict as a full one', async () => {
    const store = new SqliteEventStore({ file: ':memory:' });
    const key = generateSignerKey('webir-ledger');
    await announceSigningKey(store, key, now());
    await store.append('s-1', batch(300), 'no_stream');
    await issueCheckpoint(store, key, { reason: 'events', now: now() });
    let state: VerifierState | undefined;
    const first = await verifyLedger(store, { densePositions: true, onState: (s) => (state = s) });
    expect(first).toMatchObject({ intact: true, eventsChecked: 302, eventsVerifiedThisRun: 302 });

    await store.append('s-2', batch(40), 'no_stream');
    await issueCheckpoint(store, key, { reason: 'events', now: now() });
    const progress: number[] = [];
    const second = await verifyLedger(store, { densePositions: true, resumeFrom: state, pageSize: 16, yieldEveryMs: 1, onProgress: (n) => progress.push(n) });
    const full = await verifyLedger(store, { densePositions: true });
    expect(second).toMatchObject({ intact: true, eventsChecked: 343, eventsVerifiedThisRun: 41 });
    expect(second.rootHash).toBe(full.rootHash);
    expect(second.checkpoints).toEqual(full.checkpoints);
    expect(progress[progress.length - 1]).toBe(343);
    await store.close();
  });
});
