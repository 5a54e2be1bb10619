import { randomUUID } from 'node:crypto';
import { generateSignerKey, leafHash, MemoryTree, verifierOf, verifyInclusion } from '@ledger/integrity';
import { announceSigningKey, issueCheckpoint, readLoggedCheckpoints } from '../checkpoints';
import { newEvent } from '../testing';
import { verifyLedger } from '../verifier';
import { FakeKurrentDbClient } from './fake-kurrentdb-client';
import { KurrentDbEventStore } from './kurrentdb-event-store';

/**
 * The Merkle tree of the EventStoreDB adapter, over the in-memory stand-in of the client: this
 * checks the adapter's own logic (dense leaf sequence over sparse $all positions, catch-up, proofs,
 * checkpoints, the verifier); it is not a server test (those run in kurrentdb-event-store.int.spec.ts
 * when EVENTSTORE_URL is set).
 */
const now = () => new Date('2025-07-01T00:00:00.000Z');
const batch = (n: number) => Array.from({ length: n }, (_, i) => newEvent('E', { i }));
const stream = () => `tree-${randomUUID().replace(/-/g, '')}`;

describe('Merkle tree on the EventStoreDB adapter (in-memory stand-in of the client, not a server)', () => {
  let fake: FakeKurrentDbClient;
  let store: KurrentDbEventStore;
  beforeEach(() => {
    fake = new FakeKurrentDbClient();
    store = new KurrentDbEventStore(fake.asClient(), { pollIntervalMs: 50, now });
  });
  afterEach(() => store.close());

  it("leaf i is the i-th ledger event in $all: sparse positions, system events and links left out", async () => {
    const a = stream();
    const b = stream();
    await store.append(a, batch(20), 'no_stream');
    await store.append(b, batch(17), 'no_stream');
    await store.append(a, batch(5), 19);
    const all = await store.readAll();
    expect(all).toHaveLength(42);
    expect(fake.log.length).toBeGreaterThan(42); // $settings and the $ce- links are in $all too
    expect(all[1].position - all[0].position).toBeGreaterThan(1n); // not dense

    const reference = new MemoryTree();
    for (const e of all) reference.appendLeafHash(leafHash(Buffer.from(e.metadata.hash, 'hex')));
    const tree = store.tree!;
    expect(await tree.size()).toBe(42);
    for (const size of [1, 15, 16, 17, 32, 41, 42]) expect((await tree.root(size)).equals(reference.root(size))).toBe(true);
    expect((await tree.inclusionProof(20, 42)).map((h) => h.toString('hex'))).toEqual(reference.inclusionProof(20, 42).map((h) => h.toString('hex')));
    expect((await tree.consistencyProof(13, 42)).map((h) => h.toString('hex'))).toEqual(reference.consistencyProof(13, 42).map((h) => h.toString('hex')));
    for (const [i, e] of all.entries()) {
      expect(await tree.leafIndexOf(e.position)).toBe(i);
      expect(await tree.positionOfEvent(e.eventId.toUpperCase())).toBe(e.position);
    }
    expect(await tree.leafIndexOf(all[0].position + 1n)).toBeUndefined(); // inside an event, or a system event's
    expect(await tree.leaves(0, 42)).toEqual(all.map((e) => e.metadata.hash));
    expect((await tree.storedNodes()).map((n) => `${n.level}/${n.index}`)).toEqual(['4/0', '4/1', '5/0']);
  });

  it('catches up with events appended since it was last asked, also by another writer of the same server', async () => {
    const tree = store.tree!;
    expect(await tree.size()).toBe(0);
    await store.append(stream(), batch(3), 'no_stream');
    const other = new KurrentDbEventStore(fake.asClient(), { now });
    const id = stream();
    await other.append(id, batch(2), 'no_stream');
    const [, second] = await other.readStream(id);
    // Asked by position or id first, before any size: it reads on to find them.
    expect(await tree.leafIndexOf(second.position)).toBe(4);
    await other.append(id, batch(1), 1);
    const [third] = await other.readStream(id, { fromRevision: 2 });
    expect(await tree.positionOfEvent(third.eventId)).toBe(third.position);
    // Concurrent askers all see every append that completed before they asked.
    const appends = Array.from({ length: 5 }, () => store.append(stream(), batch(2), 'no_stream'));
    await Promise.all(appends);
    expect(await Promise.all([tree.size(), tree.size(), tree.size()])).toEqual([16, 16, 16]);
  });

  it('an event position minus one still reads that event (the server is given a position it holds)', async () => {
    const id = stream();
    await store.append(id, batch(3), 'no_stream');
    const all = await store.readAll();
    await store.tree!.size();
    const read = jest.spyOn(fake, 'readAll');
    const [next] = await store.readAll({ after: all[1].position - 1n, maxCount: 1 });
    expect(next.eventId).toBe(all[1].eventId);
    expect(read.mock.calls[0][0]).toMatchObject({ fromPosition: { commit: all[0].position } });
    read.mockRestore();
  });

  it('checkpoints are issued and verify with only the public key; proofs of a checkpoint verify offline', async () => {
    const key = generateSignerKey('webir-ledger');
    await announceSigningKey(store, key, now());
    const id = stream();
    await store.append(id, batch(30), 'no_stream');
    const first = await issueCheckpoint(store, key, { reason: 'events', now: now() });
    await store.append(id, batch(10), 29);
    const second = await issueCheckpoint(store, key, { reason: 'interval', now: now() });
    expect([first.treeSize, second.treeSize]).toEqual([31, 42]);
    expect((await readLoggedCheckpoints(store)).map((c) => c.size)).toEqual([31, 42]);

    const report = await verifyLedger(store, { trustedKeys: [verifierOf(key)], externalCheckpoints: [first.note] });
    expect(report.failures).toEqual([]);
    expect(report).toMatchObject({ intact: true, treeSize: 43, keysPinned: true });
    expect(report.checkpoints.map((c) => [c.source, c.size, c.ok])).toEqual([['external', 31, true], ['ledger', 31, true], ['ledger', 42, true]]);

    const [event] = await store.readStream(id, { fromRevision: 7, maxCount: 1 });
    const leaf = (await store.tree!.leafIndexOf(event.position))!;
    const path = await store.tree!.inclusionProof(leaf, second.treeSize);
    expect(verifyInclusion(leaf, second.treeSize, leafHash(Buffer.from(event.metadata.hash, 'hex')), path, second.rootHash)).toBe(true);
  });

  it('a log changed behind the service (event deleted, event data rewritten) fails verify against an earlier checkpoint', async () => {
    const key = generateSignerKey('webir-ledger');
    await announceSigningKey(store, key, now());
    const id = stream();
    await store.append(id, batch(20), 'no_stream');
    await store.append(stream(), batch(20), 'no_stream');
    const checkpoint = await issueCheckpoint(store, key, { reason: 'events', now: now() });
    const options = { trustedKeys: [verifierOf(key)], externalCheckpoints: [checkpoint.note] };
    expect((await verifyLedger(store, options)).intact).toBe(true);

    // Deleted from the middle: the stream's chain has a gap, and the log no longer extends the checkpoint.
    const victim = fake.log.findIndex((r) => r.streamId === id && r.revision === 5n);
    const [removed] = fake.log.splice(victim, 1);
    const afterDelete = new KurrentDbEventStore(fake.asClient(), { now });
    const deleted = await verifyLedger(afterDelete, options);
    expect(deleted.intact).toBe(false);
    expect(deleted.failures.map((f) => f.reason)).toEqual(expect.arrayContaining(['REVISION_GAP', 'CHECKPOINT_NOT_EXTENDED']));
    await afterDelete.close();
    fake.log.splice(victim, 0, removed);

    // Data rewritten in place and its chain recomputed cannot be done without the key being noticed:
    // the content no longer hashes to the leaf every checkpoint signed.
    const target = fake.log.find((r) => r.streamId === id && r.revision === 3n)!;
    target.data = JSON.stringify({ i: 999 });
    const afterEdit = new KurrentDbEventStore(fake.asClient(), { now });
    const edited = await verifyLedger(afterEdit, options);
    expect(edited.failures.map((f) => f.reason)).toEqual(expect.arrayContaining(['HASH_MISMATCH', 'CHECKPOINT_NOT_EXTENDED']));
    await afterEdit.close();
  });

  it('can be turned off, and then no checkpoint can be signed', async () => {
    const plain = new KurrentDbEventStore(fake.asClient(), { merkleTree: false });
    expect(plain.tree).toBeUndefined();
    await expect(issueCheckpoint(plain, generateSignerKey('webir-ledger'), { reason: 'on-demand', now: now() })).rejects.toThrow(/no Merkle tree/);
    await plain.close();
  });
});
