import { randomUUID } from 'node:crypto';
import { leafHash, verifyConsistency, verifyInclusion } from '@ledger/integrity';
import { WrongExpectedRevisionError } from './errors';
import { GENESIS_HASH, computeEventHash } from './integrity';
import { newEvent } from './testing';
import type { EventStore, RecordedEvent } from './types';

/**
 * One behaviour on every adapter. Each case uses its own streams so the suite also runs against a
 * shared server; global-order cases look only at their own streams.
 */
export function eventStoreContract(getStore: () => EventStore): void {
  const uniq = () => randomUUID().replace(/-/g, '');
  const stream = (category = 'contract') => `${category}-${uniq()}`;
  const event = newEvent;
  const ofStreams = (ids: string[]) => (e: RecordedEvent) => ids.includes(e.streamId);

  async function readAllOf(streams: string[]): Promise<RecordedEvent[]> {
    const store = getStore();
    const out: RecordedEvent[] = [];
    let after: bigint | undefined;
    for (;;) {
      const page = await store.readAll({ after, maxCount: 1000 });
      out.push(...page.filter(ofStreams(streams)));
      if (page.length < 1000) return out;
      after = page[page.length - 1].position;
    }
  }

  it('keeps a Merkle tree over its global order: leaf = the event hash, inclusion and consistency proofs verify', async () => {
    const store = getStore();
    const tree = store.tree;
    expect(tree).toBeDefined();
    const before = await tree!.size();
    const rootBefore = await tree!.root(before);
    const id = stream();
    await store.append(id, [event('A'), event('B'), event('C')], 'no_stream');
    const size = await tree!.size();
    expect(size).toBeGreaterThanOrEqual(before + 3);
    const root = await tree!.root(size);
    const leaves: number[] = [];
    for (const e of await store.readStream(id)) {
      expect(await tree!.positionOfEvent(e.eventId)).toBe(e.position);
      const leaf = await tree!.leafIndexOf(e.position);
      expect(leaf).toBeGreaterThanOrEqual(before);
      leaves.push(leaf!);
      expect(await tree!.leaves(leaf!, 1)).toEqual([e.metadata.hash]);
      const path = await tree!.inclusionProof(leaf!, size);
      expect(verifyInclusion(leaf!, size, leafHash(Buffer.from(e.metadata.hash, 'hex')), path, root)).toBe(true);
      expect(verifyInclusion(leaf!, size, leafHash(Buffer.from(GENESIS_HASH, 'hex')), path, root)).toBe(false);
    }
    // The leaf index is the ledger's own dense sequence, whatever the store's positions are.
    expect(leaves[1] - leaves[0]).toBeGreaterThanOrEqual(1);
    expect(leaves[2] - leaves[1]).toBeGreaterThanOrEqual(1);
    for (const from of [1, before].filter((n) => n > 0)) {
      expect(verifyConsistency(from, size, await tree!.root(from), root, await tree!.consistencyProof(from, size))).toBe(true);
    }
    if (before > 0) expect(rootBefore.equals(await tree!.root(before))).toBe(true);
    expect(await tree!.positionOfEvent(randomUUID())).toBeUndefined();
    await expect(tree!.inclusionProof(0, Number.MAX_SAFE_INTEGER)).rejects.toThrow(RangeError);
  });

  it('appends to a new stream and reads back one envelope with metadata and a hash chain', async () => {
    const store = getStore();
    const id = stream();
    const sent = [event('First', { n: 1, text: '社會局' }), event('Second', { n: 2 })];
    const result = await store.append(id, sent, 'no_stream');
    expect(result.nextExpectedRevision).toBe(1);
    expect(result.idempotentReplay).toBe(false);

    const read = await store.readStream(id);
    expect(read.map((e) => [e.streamId, e.revision, e.eventId, e.type, e.data])).toEqual([
      [id, 0, sent[0].eventId, 'First', { n: 1, text: '社會局' }],
      [id, 1, sent[1].eventId, 'Second', { n: 2 }],
    ]);
    expect(read[1].position).toBe(result.position);
    expect(read[0].position < read[1].position).toBe(true);
    const meta = read[0].metadata;
    expect(meta).toMatchObject({ ...sent[0].metadata, schemaVersion: 1, prevHash: GENESIS_HASH });
    expect(Date.parse(meta.recordedAt)).not.toBeNaN();
    expect(read[1].metadata.prevHash).toBe(meta.hash);
    for (const e of read) expect(computeEventHash(e)).toBe(e.metadata.hash);
  });

  it('refuses no_stream on an existing stream with a typed error and appends nothing', async () => {
    const store = getStore();
    const id = stream();
    await store.append(id, [event()], 'no_stream');
    const error = await store.append(id, [event(), event()], 'no_stream').catch((e) => e);
    expect(error).toBeInstanceOf(WrongExpectedRevisionError);
    expect(error).toMatchObject({ streamId: id, expected: 'no_stream', actual: 0 });
    expect(await store.readStream(id)).toHaveLength(1);
  });

  it('refuses a stale exact revision, reporting expected and actual, and appends nothing', async () => {
    const store = getStore();
    const id = stream();
    await store.append(id, [event(), event(), event()], 'no_stream');
    const error = await store.append(id, [event()], 1).catch((e) => e);
    expect(error).toBeInstanceOf(WrongExpectedRevisionError);
    expect(error).toMatchObject({ expected: '1', actual: 2 });
    const missing = await store.append(stream(), [event()], 0).catch((e) => e);
    expect(missing).toBeInstanceOf(WrongExpectedRevisionError);
    expect(missing).toMatchObject({ expected: '0', actual: -1 });
    expect(await store.streamRevision(id)).toBe(2);
  });

  it('accepts the exact revision and "any"', async () => {
    const store = getStore();
    const id = stream();
    await store.append(id, [event()], 'no_stream');
    expect((await store.append(id, [event()], 0)).nextExpectedRevision).toBe(1);
    expect((await store.append(id, [event()], 'any')).nextExpectedRevision).toBe(2);
    expect((await store.append(stream(), [event()], 'any')).nextExpectedRevision).toBe(0);
    expect(await store.streamRevision(stream())).toBe(-1);
  });

  it('two writers racing on one stream: exactly one wins, the other gets the concurrency error', async () => {
    const store = getStore();
    const id = stream();
    await store.append(id, [event()], 'no_stream');
    const results = await Promise.allSettled([
      store.append(id, [event('A1'), event('A2')], 0),
      store.append(id, [event('B1'), event('B2')], 0),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0].reason).toBeInstanceOf(WrongExpectedRevisionError);
    expect(lost[0].reason).toMatchObject({ expected: '0', actual: 2 });
    const types = (await store.readStream(id)).map((e) => e.type);
    // the winner's batch is whole and not interleaved with the loser's
    expect([['Something', 'A1', 'A2'], ['Something', 'B1', 'B2']]).toContainEqual(types);
  });

  it('retrying an append with the same event ids changes nothing', async () => {
    const store = getStore();
    const id = stream();
    const batch = [event(), event()];
    const first = await store.append(id, batch, 'no_stream');
    const retry = await store.append(id, batch, 'no_stream');
    expect(retry.nextExpectedRevision).toBe(first.nextExpectedRevision);
    expect(retry.position).toBe(first.position);
    const again = await store.append(id, batch, 'any');
    expect(again.nextExpectedRevision).toBe(1);
    expect((await store.readStream(id)).map((e) => e.eventId)).toEqual(batch.map((e) => e.eventId));
  });

  it('a concurrent duplicate of one batch at the same expected revision is acknowledged, and stored once', async () => {
    // What EventStoreDB does for an exact expected revision (the client's docs: idempotency is
    // assured for every expected version except ANY): the same event ids at the same place are
    // an idempotent write, not a conflict.
    const store = getStore();
    const id = stream();
    await store.append(id, [event()], 'no_stream');
    const batch = [event('D1'), event('D2')];
    const results = await Promise.all([store.append(id, batch, 0), store.append(id, batch, 0)]);
    expect(results.map((r) => r.nextExpectedRevision)).toEqual([2, 2]);
    expect(results[0].position).toBe(results[1].position);
    const stored = await store.readStream(id);
    expect(stored.map((e) => e.eventId)).toEqual([stored[0].eventId, ...batch.map((e) => e.eventId)]);
    expect(stored[2].position).toBe(results[0].position);
  });

  it('reads a stream forwards and backwards from a revision, with a limit', async () => {
    const store = getStore();
    const id = stream();
    await store.append(id, [0, 1, 2, 3, 4].map((n) => event('N', { n })), 'no_stream');
    const ns = (es: RecordedEvent[]) => es.map((e) => e.data.n);
    expect(ns(await store.readStream(id, { fromRevision: 2 }))).toEqual([2, 3, 4]);
    expect(ns(await store.readStream(id, { fromRevision: 1, maxCount: 2 }))).toEqual([1, 2]);
    expect(ns(await store.readStream(id, { direction: 'backwards' }))).toEqual([4, 3, 2, 1, 0]);
    expect(ns(await store.readStream(id, { direction: 'backwards', fromRevision: 3, maxCount: 2 }))).toEqual([3, 2]);
    expect(await store.readStream(stream())).toEqual([]);
  });

  it('reads asked for side by side answer as reads one at a time: many streams, one stream twice from two revisions, missing streams', async () => {
    const store = getStore();
    const ids = Array.from({ length: 300 }, () => stream());
    await Promise.all(ids.map((id, i) => store.append(id, Array.from({ length: 1 + (i % 4) }, (_, n) => event('N', { i, n })), 'no_stream')));
    const asks: { id: string; fromRevision?: number }[] = [
      ...ids.map((id, i) => ({ id, fromRevision: i % 3 === 0 ? undefined : i % 4 })),
      { id: ids[3], fromRevision: 0 },
      { id: ids[3], fromRevision: 2 },
      { id: ids[3], fromRevision: 2 },
      { id: stream() },
      { id: stream(), fromRevision: 5 },
    ];
    const together = await Promise.all(asks.map(({ id, fromRevision }) => store.readStream(id, fromRevision === undefined ? {} : { fromRevision })));
    const alone: RecordedEvent[][] = [];
    for (const { id, fromRevision } of asks) alone.push(await store.readStream(id, fromRevision === undefined ? {} : { fromRevision }));
    expect(together).toEqual(alone);
    expect(together[3].map((e) => e.data.n)).toEqual([0, 1, 2, 3]);
    expect(together.at(-4)!.map((e) => e.data.n)).toEqual([2, 3]);
    // The same stream read twice: each caller has events of its own.
    expect(together.at(-4)![0]).not.toBe(together.at(-3)![0]);
    expect(together.at(-2)).toEqual([]);
    expect(together.at(-1)).toEqual([]);
  });

  it('reads all events in one global commit order from a position', async () => {
    const store = getStore();
    const [a, b] = [stream(), stream()];
    await store.append(a, [event('a0')], 'no_stream');
    await store.append(b, [event('b0'), event('b1')], 'no_stream');
    await store.append(a, [event('a1')], 0);
    const mine = await readAllOf([a, b]);
    expect(mine.map((e) => e.type)).toEqual(['a0', 'b0', 'b1', 'a1']);
    for (let i = 1; i < mine.length; i++) expect(mine[i].position > mine[i - 1].position).toBe(true);
    const fromB1 = (await store.readAll({ after: mine[1].position, maxCount: 10_000 })).filter(ofStreams([a, b]));
    expect(fromB1.map((e) => e.type)).toEqual(['b1', 'a1']);
  });

  it('a catch-up subscription hands over to live events with no gap and no duplicate', async () => {
    const store = getStore();
    const id = stream('live');
    const before = await readAllHead(store);
    for (let i = 0; i < 5; i++) await store.append(id, [event('E', { i })], i === 0 ? 'no_stream' : i - 1);
    const seen: number[] = [];
    const sub = store.subscribeToAll({
      after: before,
      handler: (e) => {
        if (e.streamId === id) seen.push(e.data.i as number);
      },
    });
    await sub.caughtUp();
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    // live writes, some concurrent, while the subscription runs
    await Promise.all([5, 6, 7].map((i) => store.append(stream('other'), [event('Noise', { i })], 'no_stream')));
    for (let i = 5; i < 10; i++) await store.append(id, [event('E', { i })], i - 1);
    await sub.caughtUp();
    await sub.stop();
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('a subscription resumes after the position its subscriber kept', async () => {
    const store = getStore();
    const id = stream('resume');
    const before = await readAllHead(store);
    await store.append(id, [0, 1, 2].map((i) => event('E', { i })), 'no_stream');
    const first: number[] = [];
    const sub1 = store.subscribeToAll({
      after: before,
      handler: (e) => void (e.streamId === id && first.push(e.data.i as number)),
    });
    await sub1.caughtUp();
    await sub1.stop();
    expect(first).toEqual([0, 1, 2]);
    const kept = sub1.lastPosition;
    expect(kept).toBeDefined();

    await store.append(id, [3, 4].map((i) => event('E', { i })), 2);
    const second: number[] = [];
    const sub2 = store.subscribeToAll({
      after: kept,
      handler: (e) => void (e.streamId === id && second.push(e.data.i as number)),
    });
    await sub2.caughtUp();
    await sub2.stop();
    expect(second).toEqual([3, 4]);
  });

  it('a handler error stops the subscription and is reported', async () => {
    const store = getStore();
    const before = await readAllHead(store);
    const id = stream('failing');
    await store.append(id, [event()], 'no_stream');
    const errors: unknown[] = [];
    const reported = new Promise<void>((resolve) => {
      const sub = store.subscribeToAll({
        after: before,
        handler: (e) => {
          if (e.streamId === id) throw new Error('projection broke');
        },
        onError: (error) => {
          errors.push(error);
          resolve();
          void sub.stop();
        },
      });
    });
    await reported;
    expect(String(errors[0])).toContain('projection broke');
  });
}

async function readAllHead(store: EventStore): Promise<bigint | undefined> {
  const last = await store.readAll({ after: undefined, maxCount: Number.MAX_SAFE_INTEGER });
  return last.length ? last[last.length - 1].position : undefined;
}
