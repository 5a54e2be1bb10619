import Database from 'better-sqlite3';
import { leafHash, MemoryTree, verifyConsistency, verifyInclusion } from '@ledger/integrity';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newEvent } from '../testing';
import { SqliteEventStore } from './sqlite-event-store';

const batch = (n: number) => Array.from({ length: n }, (_, i) => newEvent('E', { i }));

/** The reference: a whole tree in memory over the events' own hashes, in global order. */
async function referenceTree(store: SqliteEventStore): Promise<MemoryTree> {
  const tree = new MemoryTree();
  for (const e of await store.readAll()) tree.appendLeafHash(leafHash(Buffer.from(e.metadata.hash, 'hex')));
  return tree;
}

describe('Merkle tree maintained by the embedded store', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-tree-'));
    file = join(dir, 'events.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is the RFC 6962 tree of the events in global order, through group commits, failed appends and a reopen', async () => {
    let store = new SqliteEventStore({ file });
    await store.append('big-1', batch(300), 'no_stream');
    // A group of concurrent appends with one refused: its leaves must not stay in the tree.
    const results = await Promise.allSettled([
      ...Array.from({ length: 20 }, (_, i) => store.append(`w-${i}`, batch(3), 'no_stream')),
      store.append('big-1', batch(2), 5), // wrong expected revision
    ]);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    await store.close();

    store = new SqliteEventStore({ file });
    await store.append('big-2', batch(200), 'no_stream');
    const reference = await referenceTree(store);
    expect(reference.size).toBe(560);
    expect(await store.tree!.size()).toBe(560);
    expect((await store.tree!.root()).equals(reference.root())).toBe(true);
    for (const size of [1, 255, 256, 257, 300, 512, 559]) {
      expect((await store.tree!.root(size)).equals(reference.root(size))).toBe(true);
    }
    const nodes = await store.tree!.storedNodes();
    // 560 leaves: 35 subtrees of 16, 17 of 32, 8 of 64, 4 of 128, 2 of 256, 1 of 512.
    expect(nodes.filter((n) => n.level === 4)).toHaveLength(35);
    expect(nodes.filter((n) => n.level >= 8).map((n) => `${n.level}/${n.index}`)).toEqual(['8/0', '8/1', '9/0']);
    expect(nodes).toHaveLength(35 + 17 + 8 + 4 + 2 + 1);
    for (const n of nodes) expect(n.hash.equals(reference.subtree(n.level, n.index))).toBe(true);

    const leaf = reference.subtree(0, 400);
    const path = await store.tree!.inclusionProof(400, 560);
    expect(verifyInclusion(400, 560, leaf, path, reference.root())).toBe(true);
    const consistency = await store.tree!.consistencyProof(257, 560);
    expect(verifyConsistency(257, 560, reference.root(257), reference.root(), consistency)).toBe(true);
    await expect(store.tree!.inclusionProof(0, 561)).rejects.toThrow(RangeError);
    await store.close();
  });

  it('the tree kept on append is the one rebuilt from the log, node for node, after group commits, refusals, another writer and a reopen', async () => {
    const first = new SqliteEventStore({ file });
    const other = new SqliteEventStore({ file }); // a second instance on the same file: the first catches up on its events
    const taken = (await first.append('first-1', batch(1), 'no_stream')) && (await first.readAll())[0].eventId;
    for (let round = 0; round < 6; round++) {
      const results = await Promise.allSettled([
        ...Array.from({ length: 7 }, (_, i) => first.append(`g${round}-${i}`, batch(1 + ((round * 7 + i) % 23)), 'no_stream')),
        first.append(`g${round}-0`, batch(3), 'no_stream'), // refused (the stream exists by then): rolled back with its nodes
        // refused at its third event (an id already stored), after two of its leaves joined the tree
        first.append(`d${round}-1`, [...batch(2), { ...newEvent('E'), eventId: taken }], 'no_stream'),
      ]);
      expect(results.filter((r) => r.status === 'rejected')).toHaveLength(2);
      await other.append(`o${round}-1`, batch(5 + round * 11), 'no_stream');
    }
    await other.close();
    await first.close();
    const store = new SqliteEventStore({ file });
    await store.append('big-1', batch(1000), 'no_stream');
    const size = await store.tree!.size();
    const kept = await store.tree!.storedNodes();
    const keptRoot = await store.tree!.root();
    await store.close();

    // Independently of the store's hashing: Node's SHA-256 over the events as read back.
    const readonly = new SqliteEventStore({ file, readonly: true });
    const reference = await referenceTree(readonly);
    await readonly.close();
    expect(reference.size).toBe(size);
    expect(keptRoot.equals(reference.root())).toBe(true);

    const rebuilt = new SqliteEventStore({ file });
    expect(rebuilt.rebuildTree().leaves).toBe(size);
    const fromLog = await rebuilt.tree!.storedNodes();
    expect(fromLog.length).toBeGreaterThan(size / 16);
    expect(kept.map((n) => `${n.level}/${n.index}/${n.hash.toString('hex')}`)).toEqual(fromLog.map((n) => `${n.level}/${n.index}/${n.hash.toString('hex')}`));
    expect((await rebuilt.tree!.root()).equals(keptRoot)).toBe(true);
    for (const n of fromLog) expect(n.hash.equals(reference.subtree(n.level, n.index))).toBe(true);
    await rebuilt.close();
  });

  it('a ledger written before the tree existed gets its tree built from the log when opened', async () => {
    let store = new SqliteEventStore({ file });
    await store.append('old-1', batch(270), 'no_stream');
    const before = await store.tree!.root();
    await store.close();
    const db = new Database(file);
    db.exec('DROP TABLE merkle_nodes');
    db.close();

    store = new SqliteEventStore({ file });
    expect((await store.tree!.root()).equals(before)).toBe(true);
    expect((await store.tree!.storedNodes()).filter((n) => n.level === 8).map((n) => `${n.level}/${n.index}`)).toEqual(['8/0']);
    expect(await store.tree!.storedNodes()).toHaveLength(16 + 8 + 4 + 2 + 1); // 270 leaves
    await store.close();
  });

  it('opened read-only it creates nothing: a dropped trigger stays dropped and is reported', async () => {
    const store = new SqliteEventStore({ file });
    await store.append('ro-1', batch(3), 'no_stream');
    expect(await store.missingAppendOnlyGuards()).toEqual([]);
    await store.close();
    const db = new Database(file);
    db.exec('DROP TRIGGER events_refuse_delete');
    db.close();

    const readonly = new SqliteEventStore({ file, readonly: true });
    expect(await readonly.missingAppendOnlyGuards()).toEqual(['trigger events_refuse_delete is missing']);
    await expect(readonly.append('ro-1', batch(1), 2)).rejects.toThrow(/read-only/);
    await readonly.close();
    const check = new Database(file, { readonly: true });
    expect(check.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'").pluck().get()).toBe(1);
    check.close();

    // The service re-creates it (appends must stay guarded) but keeps reporting that it was gone.
    const service = new SqliteEventStore({ file });
    expect(await service.missingAppendOnlyGuards()).toEqual([expect.stringMatching(/events_refuse_delete was missing when the store was opened/)]);
    await service.close();
  });

  it('with the tree off (for measuring its cost) nothing is stored', async () => {
    const store = new SqliteEventStore({ file, merkleTree: false });
    await store.append('off-1', batch(300), 'no_stream');
    expect(store.tree).toBeUndefined();
    await store.close();
  });
});
