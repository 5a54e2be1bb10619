import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import {
  AccessDeniedError,
  DeadlineExceededError,
  StreamDeletedError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
  jsonEvent,
} from '@kurrent/kurrentdb-client';
import { DuplicateEventIdError, InvalidStreamIdError, StoreUnavailableError, WrongExpectedRevisionError } from '../errors';
import { eventStoreContract } from '../event-store.contract';
import { computeEventHash, GENESIS_HASH } from '../integrity';
import { newEvent } from '../testing';
import { verifyLedger } from '../verifier';
import { FakeKurrentDbClient } from './fake-kurrentdb-client';
import { KurrentDbEventStore, mapKurrentError, SealedRevisionMismatchError, withTimeout } from './kurrentdb-event-store';

const event = newEvent;
const stream = (category = 'unit') => `${category}-${randomUUID().replace(/-/g, '')}`;

describe('mapKurrentError', () => {
  it('maps a wrong expected version to the port error with expected and actual revision', () => {
    const server = new WrongExpectedVersionError(undefined, { streamName: 'case-1', expected: 1n, current: 2n });
    expect(mapKurrentError(server)).toEqual(expect.any(WrongExpectedRevisionError));
    expect(mapKurrentError(server)).toMatchObject({ streamId: 'case-1', expected: '1', actual: 2 });

    const missing = new WrongExpectedVersionError(undefined, { streamName: 'case-1', expected: 0n, current: 'no_stream' });
    expect(mapKurrentError(missing)).toMatchObject({ expected: '0', actual: -1 });

    const exists = new WrongExpectedVersionError(undefined, { streamName: 'case-1', expected: 'no_stream', current: 0n });
    expect(mapKurrentError(exists)).toMatchObject({ expected: 'no_stream', actual: 0 });
  });

  it("reports the caller's expectation when given, not the revision the adapter sent", () => {
    const server = new WrongExpectedVersionError(undefined, { streamName: 'case-1', expected: 4n, current: 6n });
    expect(mapKurrentError(server, { streamId: 'case-1', expected: 'any' })).toMatchObject({ expected: 'any', actual: 6 });
  });

  it.each([
    ['UnavailableError', new UnavailableError(undefined, 'connection lost')],
    ['DeadlineExceededError', new DeadlineExceededError(undefined, 'deadline')],
    ['a socket error', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })],
    ['an unconverted gRPC UNAVAILABLE', Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 })],
    ['an unconverted gRPC DEADLINE_EXCEEDED', Object.assign(new Error('4 DEADLINE_EXCEEDED'), { code: 4 })],
    ['a failed discovery', new Error('Failed to discover after 10 attempts.')],
    ['a busy server', new Error('Could not recognize Server Is Busy')],
  ])('maps %s to StoreUnavailableError keeping the cause', (_, error) => {
    const mapped = mapKurrentError(error);
    expect(mapped).toBeInstanceOf(StoreUnavailableError);
    expect((mapped as StoreUnavailableError).cause).toBe(error);
  });

  it('matches the client’s error classes, not look-alike objects', () => {
    const lookAlike = Object.assign(new Error('wrong version'), { type: 'wrong-expected-version', streamName: 'case-1' });
    const fakeUnavailable = Object.assign(new Error('nope'), { type: 'unavailable' });
    expect(mapKurrentError(lookAlike)).toBe(lookAlike);
    expect(mapKurrentError(fakeUnavailable)).toBe(fakeUnavailable);
    expect(mapKurrentError(new UnknownError(undefined, 'failed to discover'))).toBeInstanceOf(StoreUnavailableError);
    expect(mapKurrentError(new UnknownError(undefined, 'something else'))).toBeInstanceOf(UnknownError);
  });

  it('passes through errors a retry would not fix', () => {
    const denied = new AccessDeniedError(undefined, 'access denied');
    const deleted = StreamDeletedError.fromStreamName('case-1');
    const plain = new Error('something else');
    expect(mapKurrentError(denied)).toBe(denied);
    expect(mapKurrentError(deleted)).toBe(deleted);
    expect(mapKurrentError(plain)).toBe(plain);
    expect(mapKurrentError('not an error')).toBe('not an error');
    const port = new WrongExpectedRevisionError('case-1', '0', 3);
    expect(mapKurrentError(port)).toBe(port);
  });
});

describe('withTimeout', () => {
  it('rejects with StoreUnavailableError when the call never settles', async () => {
    const started = Date.now();
    const error = await withTimeout(new Promise<never>(() => undefined), 50, 'a test call').catch((e: StoreUnavailableError) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(String(error.message)).toContain('a test call');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('passes values and errors of calls that settle in time', async () => {
    await expect(withTimeout(Promise.resolve(7), 1000, 'x')).resolves.toBe(7);
    const boom = new Error('boom');
    await expect(withTimeout(Promise.reject(boom), 1000, 'x')).rejects.toBe(boom);
  });
});

describe('KurrentDbEventStore against a listener that accepts and never answers (real client, loopback)', () => {
  const TIMEOUT_MS = 1500;
  const BOUND_MS = 5000;
  let server: Server;
  const sockets = new Set<Socket>();
  let url: string;

  beforeAll(async () => {
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    url = `kurrentdb://127.0.0.1:${port}?tls=false`;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** A fresh client per case: a client that already gave up on the server fails fast and would hide a hang. */
  async function withStore(run: (store: KurrentDbEventStore) => Promise<void>, connectionString = url) {
    const store = KurrentDbEventStore.connect(connectionString, { timeoutMs: TIMEOUT_MS });
    try {
      await run(store);
    } finally {
      await store.close();
    }
  }

  async function boundedFailure(run: () => Promise<unknown>) {
    const started = Date.now();
    const error = await run().then(
      () => new Error('expected a rejection'),
      (e: unknown) => e,
    );
    return { error, elapsed: Date.now() - started };
  }

  it('append rejects with StoreUnavailableError within the bound', () =>
    withStore(async (store) => {
      const { error, elapsed } = await boundedFailure(() => store.append(stream(), [event()], 'no_stream'));
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(elapsed).toBeLessThan(BOUND_MS);
    }), 10_000);

  it.each([
    ['readStream', (store: KurrentDbEventStore) => store.readStream(stream())],
    ['readAll', (store: KurrentDbEventStore) => store.readAll({ maxCount: 10 })],
    ['streamRevision', (store: KurrentDbEventStore) => store.streamRevision(stream())],
  ])('%s rejects with StoreUnavailableError within the bound', (_, call) =>
    withStore(async (store) => {
      const { error, elapsed } = await boundedFailure(() => call(store));
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(elapsed).toBeLessThan(BOUND_MS);
    }), 10_000);

  it('health reports not ok within the bound and never shows credentials', () =>
    withStore(async (store) => {
      const started = Date.now();
      const health = await store.health();
      expect(Date.now() - started).toBeLessThan(BOUND_MS);
      expect(health).toMatchObject({ store: 'eventstoredb', ok: false });
      expect(health.detail).toContain('127.0.0.1');
      expect(health.detail).not.toContain('s3cret');
    }, url.replace('kurrentdb://', 'kurrentdb://ledger:s3cret@')), 10_000);
});

describe('KurrentDbEventStore against a closed port (real client, loopback)', () => {
  it('fails with StoreUnavailableError, not a hang', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const store = KurrentDbEventStore.connect(`kurrentdb://127.0.0.1:${port}?tls=false`, { timeoutMs: 1500 });
    try {
      const started = Date.now();
      await expect(store.readStream(stream())).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await store.close();
    }
  }, 10_000);
});

describe('event-store contract: KurrentDbEventStore logic over an in-memory fake client (not a server)', () => {
  const fake = new FakeKurrentDbClient();
  const store = new KurrentDbEventStore(fake.asClient(), { pollIntervalMs: 50 });
  afterAll(() => store.close());
  eventStoreContract(() => store);
});

describe('KurrentDbEventStore adapter logic (fake client)', () => {
  let fake: FakeKurrentDbClient;
  let store: KurrentDbEventStore;
  beforeEach(() => {
    fake = new FakeKurrentDbClient();
    store = new KurrentDbEventStore(fake.asClient(), {
      timeoutMs: 300,
      pollIntervalMs: 50,
      now: () => new Date('2025-07-01T08:00:00.000Z'),
    });
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await store.close();
  });

  it('stores the envelope as JSON metadata, recordedAt from the injected clock, hash over the sealed event', async () => {
    const id = stream();
    const sent = event('Recorded', { n: 1 });
    await store.append(id, [{ ...sent, metadata: { ...sent.metadata, schemaVersion: 3 } }], 'no_stream');
    const raw = fake.log.find((r) => r.streamId === id)!;
    const metadata = JSON.parse(raw.metadata);
    expect(metadata).toMatchObject({ recordedAt: '2025-07-01T08:00:00.000Z', schemaVersion: 3, prevHash: GENESIS_HASH });
    expect(metadata.hash).toBe(
      computeEventHash({ streamId: id, revision: 0, type: 'Recorded', data: { n: 1 }, metadata }),
    );
    expect(raw.id).toBe(sent.eventId);
  });

  it("appends at the exact revision it read, never at ANY, even when the caller said 'any'", async () => {
    const states: unknown[] = [];
    const append = fake.appendToStream.bind(fake);
    jest.spyOn(fake, 'appendToStream').mockImplementation((name, events, options) => {
      if (!name.startsWith('checkpoint-')) states.push(options?.streamState);
      return append(name, events, options);
    });
    const id = stream();
    await store.append(id, [event()], 'any');
    await store.append(id, [event()], 'any');
    await store.append(id, [event()], 1);
    expect(states).toEqual(['no_stream', 0n, 1n]);
  });

  it("concurrent 'any' appends re-read and retry, keeping one unbroken hash chain", async () => {
    const id = stream();
    const results = await Promise.all([0, 1, 2, 3].map((i) => store.append(id, [event('E', { i })], 'any')));
    expect(results.map((r) => r.nextExpectedRevision).sort()).toEqual([0, 1, 2, 3]);
    expect(fake.appendCalls).toBeGreaterThan(4);
    const report = await verifyLedger(store);
    expect(report).toMatchObject({ intact: true, eventsChecked: 4, streamsChecked: 1 });
  });

  it("gives up on 'any' after the configured attempts with a WrongExpectedRevisionError", async () => {
    const impatient = new KurrentDbEventStore(fake.asClient(), { anyRetries: 1 });
    const id = stream();
    const results = await Promise.allSettled([impatient.append(id, [event()], 'any'), impatient.append(id, [event()], 'any')]);
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(lost).toHaveLength(1);
    expect(lost[0].reason).toBeInstanceOf(WrongExpectedRevisionError);
    expect(lost[0].reason).toMatchObject({ expected: 'any', actual: 0 });
  });

  it('recognises a retry after other writers appended behind it, with a stale exact revision or with any', async () => {
    const id = stream();
    const batch = [event(), event()];
    const first = await store.append(id, batch, 'no_stream');
    await store.append(id, [event()], 1);
    await store.append(id, [event()], 2);
    const stale = await store.append(id, batch, 'no_stream');
    expect(stale).toEqual({ nextExpectedRevision: 1, position: first.position, idempotentReplay: true });
    const any = await store.append(id, batch, 'any');
    expect(any).toEqual(stale);
    expect(await store.streamRevision(id)).toBe(3);
  });

  it('refuses an append that repeats only part of an earlier batch', async () => {
    const id = stream();
    const [a, b] = [event(), event()];
    await store.append(id, [a, b], 'no_stream');
    await expect(store.append(id, [b, event()], 'any')).rejects.toBeInstanceOf(DuplicateEventIdError);
    await expect(store.append(id, [a, event()], 'any')).rejects.toBeInstanceOf(DuplicateEventIdError);
    expect(await store.streamRevision(id)).toBe(1);
  });

  it('maps a lost race on the server to the caller’s expectation', async () => {
    const id = stream();
    await store.append(id, [event()], 'no_stream');
    jest
      .spyOn(fake, 'appendToStream')
      .mockRejectedValueOnce(new WrongExpectedVersionError(undefined, { streamName: id, expected: 0n, current: 3n }));
    const error = await store.append(id, [event()], 0).catch((e) => e);
    expect(error).toBeInstanceOf(WrongExpectedRevisionError);
    expect(error).toMatchObject({ streamId: id, expected: '0', actual: 3 });
  });

  it('maps an unavailable server to StoreUnavailableError', async () => {
    fake.failNext = new UnavailableError(undefined, 'connection dropped');
    await expect(store.append(stream(), [event()], 'no_stream')).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('refuses input it could not store faithfully', async () => {
    await expect(store.append('no_dash', [event()], 'any')).rejects.toBeInstanceOf(InvalidStreamIdError);
    await expect(store.append('checkpoint-x', [event()], 'any')).rejects.toThrow(/reserved/);
    await expect(store.append(stream(), [{ ...event(), eventId: 'not-a-uuid' }], 'any')).rejects.toThrow(/UUID/);
    await expect(store.append(stream(), [event('$Sneaky')], 'any')).rejects.toThrow(/must not start/);
    const e = event();
    await expect(store.append(stream(), [e, e], 'any')).rejects.toThrow(/distinct/);
    await expect(store.append(stream(), [], 'any')).rejects.toThrow(/at least one/);
  });

  it('refuses to chain onto an event that carries no ledger hash', async () => {
    const id = stream();
    await fake.appendToStream(id, jsonEvent({ type: 'Foreign', data: { x: 1 } }));
    await expect(store.append(id, [event()], 0)).rejects.toThrow(/no ledger hash/);
  });

  it('keeps system events, projection links and legacy checkpoint streams out of readAll, page after page', async () => {
    const ids = [stream(), stream('other')];
    for (let i = 0; i < 5; i++) {
      await store.append(ids[i % 2], [event('E', { i })], 'any');
      // What an earlier version wrote for its subscriptions: must stay invisible to the verifier.
      await fake.appendToStream('checkpoint-paging', jsonEvent({ type: 'CheckpointStored', data: { position: String(i) } }));
    }
    const seen: number[] = [];
    let after: bigint | undefined;
    for (;;) {
      const page = await store.readAll({ after, maxCount: 2 });
      for (const e of page) {
        expect(e.streamId.startsWith('$') || e.streamId.startsWith('checkpoint-') || e.type.startsWith('$')).toBe(false);
        seen.push(e.data.i as number);
      }
      if (page.length < 2) break;
      after = page[page.length - 1].position;
    }
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(fake.log.some((r) => r.streamId.startsWith('$ce-'))).toBe(true);
    expect(await store.headPosition()).toBe((await store.readAll()).at(-1)!.position);
    expect((await verifyLedger(store)).intact).toBe(true);
  });

  it('lets the verifier report, not crash on, a foreign binary event in a ledger stream', async () => {
    const id = stream();
    await store.append(id, [event()], 'no_stream');
    await fake.appendToStream(id, {
      id: randomUUID(),
      contentType: 'application/octet-stream',
      type: 'Binary',
      data: new Uint8Array([1, 2, 3]),
      metadata: undefined,
    });
    const report = await verifyLedger(store);
    expect(report.intact).toBe(false);
    expect(report.failures.map((f) => f.reason)).toEqual(expect.arrayContaining(['HASH_MISMATCH']));
  });

  it('shares one live wake-up subscription between subscribers and drops it when the last stops', async () => {
    const a = store.subscribeToAll({ handler: () => undefined });
    const b = store.subscribeToAll({ handler: () => undefined });
    expect(fake.liveSubscriptions).toBe(1);
    await a.stop();
    expect(fake.liveSubscriptions).toBe(1);
    await b.stop();
    expect(fake.liveSubscriptions).toBe(0);
  });

  it('delivers a live append promptly through the wake-up, not the idle poll', async () => {
    const slowPoll = new KurrentDbEventStore(fake.asClient(), { pollIntervalMs: 60_000 });
    const id = stream('live');
    const seen: string[] = [];
    const sub = slowPoll.subscribeToAll({ handler: (e) => void (e.streamId === id && seen.push(e.type)) });
    await sub.caughtUp();
    await slowPoll.append(id, [event('Live')], 'no_stream');
    const started = Date.now();
    while (seen.length === 0 && Date.now() - started < 2000) await new Promise((r) => setTimeout(r, 10));
    await sub.stop();
    expect(seen).toEqual(['Live']);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('bounds every call when the server never answers', async () => {
    fake.hang = true;
    const calls: [string, () => Promise<unknown>][] = [
      ['append', () => store.append(stream(), [event()], 'any')],
      ['readStream', () => store.readStream(stream())],
      ['readAll', () => store.readAll()],
      ['streamRevision', () => store.streamRevision(stream())],
      ['headPosition', () => store.headPosition()],
    ];
    const started = Date.now();
    const outcomes = await Promise.all(calls.map(([, run]) => run().then(() => 'resolved', (e) => e)));
    expect(Date.now() - started).toBeLessThan(2000);
    outcomes.forEach((outcome, i) => expect([calls[i][0], outcome]).toEqual([calls[i][0], expect.any(StoreUnavailableError)]));
    expect(await store.health()).toMatchObject({ store: 'eventstoredb', ok: false });
  });

  it('reports health, and after close refuses calls', async () => {
    expect(await store.health()).toEqual({ store: 'eventstoredb', ok: true, detail: 'eventstoredb' });
    await store.close();
    expect(fake.disposed).toBe(true);
    await expect(store.readStream(stream())).rejects.toThrow(/closed/);
    await expect(store.append(stream(), [event()], 'any')).rejects.toThrow(/closed/);
    expect((await store.health()).ok).toBe(false);
  });

  it('a concurrent duplicate (same ids, same expected revision) is acknowledged by the server: one fresh append, one replay, one chain', async () => {
    let tick = 0;
    const ticking = new KurrentDbEventStore(fake.asClient(), { now: () => new Date(Date.UTC(2025, 6, 1, 8, 0, tick++)) });
    const id = stream();
    await ticking.append(id, [event()], 'no_stream');
    const batch = [event('D1'), event('D2')];
    const results = await Promise.all([ticking.append(id, batch, 0), ticking.append(id, batch, 0)]);
    expect(results.map((r) => r.idempotentReplay).sort()).toEqual([false, true]);
    expect(results[0]).toMatchObject({ nextExpectedRevision: 2, position: results[1].position });
    expect(fake.log.filter((r) => r.streamId === id)).toHaveLength(3);
    expect((await verifyLedger(ticking)).intact).toBe(true);
  });

  it('refuses to report success when the server stored the batch at other revisions than it was sealed for', async () => {
    const id = stream();
    await store.append(id, [event()], 'no_stream');
    jest.spyOn(fake, 'appendToStream').mockResolvedValueOnce({ success: true, nextExpectedRevision: 7n, position: { commit: 99_999n, prepare: 99_999n } });
    const error = await store.append(id, [event()], 0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SealedRevisionMismatchError);
    expect(error).toMatchObject({ streamId: id, sealedLastRevision: 1, storedLastRevision: 7 });
  });

  it('cancels a read that timed out instead of leaving it pulling', async () => {
    const id = stream();
    await store.append(id, Array.from({ length: 30 }, (_, i) => event('E', { i })), 'no_stream');
    fake.readDelayMs = 40; // 30 events × 40 ms, against a 300 ms bound
    fake.pulled = 0;
    await expect(store.readStream(id)).rejects.toBeInstanceOf(StoreUnavailableError);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const pulledSoonAfter = fake.pulled;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(fake.openReads).toBe(0);
    expect(fake.pulled).toBe(pulledSoonAfter);
    expect(fake.pulled).toBeLessThan(30);
  });

  it('refuses a timeout that is not a positive number', () => {
    expect(() => new KurrentDbEventStore(fake.asClient(), { timeoutMs: Number.NaN })).toThrow(/timeout/);
    expect(() => new KurrentDbEventStore(fake.asClient(), { timeoutMs: 0 })).toThrow(/timeout/);
  });
});
