import { randomUUID } from 'node:crypto';
import { agencyDecider, AgencyCommand, agencyStreamId } from '@ledger/domain';
import { type EventStore, SqliteEventStore } from '@ledger/event-store';
import { FakeKurrentDbClient } from '@ledger/event-store/kurrentdb/fake-kurrentdb-client';
import { KurrentDbEventStore } from '@ledger/event-store/kurrentdb/kurrentdb-event-store';
import { CommandProcessor } from './command-processor';
import { CommandIdReusedError, reservationStreamId } from './idempotency';

/**
 * The commandId reservation relies only on what both stores guarantee — an append with expected
 * revision `no_stream` succeeds for exactly one writer — so it runs here on the embedded store and
 * on the EventStoreDB adapter (over its in-memory stand-in of the client: no server runs here).
 */
const stores: [string, () => EventStore][] = [
  ['embedded SQLite', () => new SqliteEventStore({ file: ':memory:' })],
  ['EventStoreDB adapter (fake client)', () => new KurrentDbEventStore(new FakeKurrentDbClient().asClient(), { pollIntervalMs: 50 })],
];

const register = (agencyCode: string): AgencyCommand => ({ type: 'RegisterAgency', agencyCode, name: '社會局', role: 'DATA_REQUESTER' });

describe.each(stores)('command processor on the %s', (_, make) => {
  let store: EventStore;
  let processor: CommandProcessor;
  beforeEach(() => {
    store = make();
    processor = new CommandProcessor(store, () => new Date('2025-07-01T00:00:00.000Z'));
  });
  afterEach(() => store.close());

  const run = (agencyCode: string, commandId: string, actor = 'admin') =>
    processor.execute({ streamId: agencyStreamId(agencyCode), decider: agencyDecider, request: register(agencyCode) }, { commandId, actor });

  it('reads the command\'s stream once per command', async () => {
    const reads = jest.spyOn(store, 'readStream');
    await run('SWD001', randomUUID());
    expect(reads.mock.calls.map(([id]) => id)).toEqual(['agency-SWD001']);
  });

  it('of racing different requests with one commandId, exactly one appends; the others are refused', async () => {
    const commandId = randomUUID();
    const outcomes = await Promise.allSettled(['A1', 'A2', 'A3', 'A4', 'A5'].map((code) => run(code, commandId)));
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const o of outcomes.filter((o) => o.status === 'rejected')) expect((o as PromiseRejectedResult).reason).toBeInstanceOf(CommandIdReusedError);
    const written = (await store.readAll()).filter((e) => !e.streamId.startsWith('$') && e.type !== '$metadata');
    const winner = (won[0] as PromiseFulfilledResult<{ streamId: string }>).value.streamId;
    if (store.kind === 'embedded-sqlite') {
      // Unique event ids ledger-wide: the losers' appends failed in their own transactions.
      expect(written.map((e) => [e.type, e.streamId])).toEqual([['AgencyRegistered', winner]]);
    } else {
      expect(written.map((e) => e.type).sort()).toEqual(['AgencyRegistered', 'CommandIdReserved']);
      expect((await store.readStream(reservationStreamId(commandId)))[0].data).toMatchObject({ commandId, streamId: winner });
    }
  });

  it('`accepted` runs only for a command the decider accepted: its events and fingerprinted request are the ones kept', async () => {
    // As with a query subject: the pseudonym exists only once a command was accepted, and a retry finds it.
    let pseudonym: string | null = null;
    const accepted = jest.fn(async (events: { type: string; data: object }[]) => {
      pseudonym = 'p_1';
      return { events: events.map((e) => ({ ...e, data: { ...e.data, name: '社會局(核定)' } })) as never, request: { ...register('C1'), pseudonym } };
    });
    const spec = () => ({ streamId: agencyStreamId('C1'), decider: agencyDecider, request: { ...register('C1'), pseudonym }, command: () => register('C1'), accepted });
    const commandId = randomUUID();
    await processor.execute(spec(), { commandId, actor: 'admin' });
    expect(accepted).toHaveBeenCalledTimes(1);
    expect((await store.readStream(agencyStreamId('C1')))[0].data).toMatchObject({ name: '社會局(核定)' });
    // A retry is recognised by the fingerprint of the accepted request, before anything is decided.
    await expect(processor.execute(spec(), { commandId, actor: 'admin' })).resolves.toMatchObject({ replayed: true });
    // Refused (already registered): `accepted` is not run, so nothing is created.
    await expect(processor.execute(spec(), { commandId: randomUUID(), actor: 'admin' })).rejects.toMatchObject({ code: 'AGENCY_ALREADY_REGISTERED' });
    expect(accepted).toHaveBeenCalledTimes(1);
  });

  it('another sender reusing the id for the same body is refused', async () => {
    const commandId = randomUUID();
    await run('B1', commandId, 'svc_one');
    await expect(run('B1', commandId, 'svc_two')).rejects.toBeInstanceOf(CommandIdReusedError);
  });

  it('a different request racing under one id on the same stream is refused, not answered as a replay', async () => {
    const commandId = randomUUID();
    const streamId = agencyStreamId('D1');
    const named = (name: string) => processor.execute(
      { streamId, decider: agencyDecider, request: { ...register('D1'), name } },
      { commandId, actor: 'admin' },
    );
    const outcomes = await Promise.allSettled([named('社會局'), named('勞動局')]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const lost = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(CommandIdReusedError);
    expect(await store.readStream(streamId)).toHaveLength(1);
  });

  it('a retry after a crash before the command\'s events were appended completes the command once', async () => {
    const commandId = randomUUID();
    const append = store.append.bind(store);
    jest.spyOn(store, 'append').mockImplementation(async (streamId, events, expected) => {
      if (streamId.startsWith('agency-')) throw new Error('crashed before the command\'s events were appended');
      return append(streamId, events, expected);
    });
    await expect(run('C1', commandId)).rejects.toThrow('crashed');
    jest.restoreAllMocks();
    const retried = await run('C1', commandId);
    expect(retried).toMatchObject({ streamId: 'agency-C1', revision: 0, replayed: false });
    expect(await run('C1', commandId)).toMatchObject({ eventIds: retried.eventIds, replayed: true });
    expect((await store.readStream('agency-C1')).length).toBe(1);
  });
});
