import { randomUUID } from 'node:crypto';
import { agencyDecider, AgencyCommand, type AgencyEvent, agencyStreamId } from '@ledger/domain';
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

  describe('the folded state it keeps per stream', () => {
    const designate = (agencyCode: string, personId: string) => ({
      streamId: agencyStreamId(agencyCode),
      decider: agencyDecider,
      request: { type: 'DesignateAgencyPersonnel', agencyCode, personnelRole: 'CONTACT_WINDOW', personId, effectiveDate: '2025-07-01' } as AgencyCommand,
    });
    const at = () => new Date('2025-07-01T00:00:00.000Z');

    it('the next command reads only the events appended since, and sees another writer\'s appends', async () => {
      await run('F1', randomUUID());
      const reads = jest.spyOn(store, 'readStream');
      await processor.execute(designate('F1', 'p_a'), { commandId: randomUUID(), actor: 'admin' });
      // Folded at revision 0 (the whole stream, once); the next command reads from revision 1 on.
      await expect(processor.execute(designate('F1', 'p_a'), { commandId: randomUUID(), actor: 'admin' })).rejects.toMatchObject({ code: 'PERSONNEL_UNCHANGED' });
      expect(reads.mock.calls).toEqual([['agency-F1', {}], ['agency-F1', { fromRevision: 1 }]]);
      // Another instance (its own processor) designates p_b: this processor must decide on top of it.
      await new CommandProcessor(store, at).execute(designate('F1', 'p_b'), { commandId: randomUUID(), actor: 'admin' });
      await expect(processor.execute(designate('F1', 'p_b'), { commandId: randomUUID(), actor: 'admin' })).rejects.toMatchObject({ code: 'PERSONNEL_UNCHANGED' });
      // p_b holds the role now, so handing it back to p_a is a change, appended after the other writer's event.
      await expect(processor.execute(designate('F1', 'p_a'), { commandId: randomUUID(), actor: 'admin' })).resolves.toMatchObject({ revision: 3 });
    });

    it('decides, refuses and answers retries exactly as a processor folding the whole stream each time', async () => {
      const other = make();
      try {
        type Step = { spec: Parameters<CommandProcessor['execute']>[0]; commandId: string; occurredAt?: string };
        const ids = Array.from({ length: 8 }, () => randomUUID());
        const steps: Step[] = [
          { spec: { streamId: agencyStreamId('G1'), decider: agencyDecider, request: register('G1') }, commandId: ids[0] },
          { spec: designate('G1', 'p_a'), commandId: ids[1] },
          { spec: designate('G1', 'p_a'), commandId: ids[2] }, // refused: unchanged
          { spec: designate('G1', 'p_b'), commandId: ids[3] },
          { spec: designate('G1', 'p_a'), commandId: ids[1] }, // a retry of the second step
          { spec: designate('G1', 'p_c'), commandId: ids[1] }, // the second step's id reused for another request
          { spec: designate('G1', 'p_c'), commandId: ids[4], occurredAt: '2020-01-01T00:00:00.000Z' }, // before the agency began
          { spec: designate('G1', 'p_c'), commandId: ids[5] },
          { spec: { streamId: agencyStreamId('G1'), decider: agencyDecider, request: register('G1') }, commandId: ids[6] }, // already registered
        ];
        const outcome = async (p: Promise<unknown>) => {
          try {
            const r = (await p) as Record<string, unknown>;
            return { ok: { ...r, position: undefined, recordedAt: undefined } };
          } catch (error) {
            return { refused: (error as { code?: string }).code ?? (error as Error).name };
          }
        };
        for (const step of steps) {
          const envelope = { commandId: step.commandId, actor: 'admin', ...(step.occurredAt ? { occurredAt: step.occurredAt } : {}) };
          const kept = await outcome(processor.execute(step.spec, envelope));
          const fresh = await outcome(new CommandProcessor(other, at).execute(step.spec, envelope));
          expect(kept).toEqual(fresh);
        }
        const stored = async (st: EventStore) => (await st.readStream('agency-G1')).map((e) => ({ ...e, position: undefined, metadata: { ...e.metadata, recordedAt: undefined, hash: undefined, prevHash: undefined } }));
        expect(await stored(store)).toEqual(await stored(other));
        expect((await stored(store)).map((e) => e.type)).toEqual(['AgencyRegistered', 'AgencyPersonnelDesignated', 'AgencyPersonnelDesignated', 'AgencyPersonnelDesignated']);
      } finally {
        await other.close();
      }
    });

    it('hands deciders a frozen state, so one that mutates it fails loudly instead of corrupting the next command', async () => {
      const mutating = { ...agencyDecider, decide: (_c: unknown, state: { personnel?: unknown }) => ((state.personnel = {}), []) };
      await run('H1', randomUUID());
      await expect(processor.execute({ streamId: agencyStreamId('H1'), decider: mutating as never, request: register('H1') }, { commandId: randomUUID(), actor: 'admin' })).rejects.toThrow(TypeError);
    });
  });

  describe('a command that begins its stream (createsStream)', () => {
    const begin = (agencyCode: string, name = '社會局') => ({ streamId: agencyStreamId(agencyCode), decider: agencyDecider, request: { ...register(agencyCode), name }, createsStream: true });
    const at = () => new Date('2025-07-01T00:00:00.000Z');

    it('on the embedded store appends without reading the stream first; on EventStoreDB it reads it as any command', async () => {
      const reads = jest.spyOn(store, 'readStream');
      await expect(processor.execute(begin('K1'), { commandId: randomUUID(), actor: 'admin' })).resolves.toMatchObject({ streamId: 'agency-K1', revision: 0, replayed: false, events: [{ type: 'AgencyRegistered', revision: 0 }] });
      expect(reads.mock.calls.map(([id]) => id)).toEqual(store.kind === 'embedded-sqlite' ? [] : ['agency-K1']);
      expect((await store.readStream('agency-K1')).map((e) => e.type)).toEqual(['AgencyRegistered']);
    });

    it('decides, refuses and answers retries exactly as a command that reads its stream first, on a processor that never saw the stream', async () => {
      const other = make();
      try {
        const ids = Array.from({ length: 4 }, () => randomUUID());
        const steps: [string, string, string?][] = [
          ['L1', ids[0]],
          ['L1', ids[0]], // a retry (after a restart: the processor is new)
          ['L1', ids[1]], // registered already
          ['L2', ids[0]], // the first command's id reused for another stream
          ['L1', ids[0], '勞動局'], // the first command's id reused on its own stream for another request
          ['L3', ids[2]],
        ];
        const outcome = async (p: Promise<unknown>) => {
          try {
            return { ok: { ...((await p) as object), position: undefined, recordedAt: undefined } };
          } catch (error) {
            return { refused: (error as { code?: string }).code ?? (error as Error).name };
          }
        };
        const outcomes: unknown[] = [];
        for (const [code, commandId, name] of steps) {
          const envelope = { commandId, actor: 'admin' };
          const beginning = await outcome(new CommandProcessor(store, at).execute(begin(code, name), envelope));
          const { createsStream: _, ...reading } = begin(code, name);
          expect(beginning).toEqual(await outcome(new CommandProcessor(other, at).execute(reading, envelope)));
          outcomes.push(beginning);
        }
        expect(outcomes.map((o) => ('refused' in (o as object) ? (o as { refused: string }).refused : (o as { ok: { replayed: boolean } }).ok.replayed))).toEqual([
          false, true, 'AGENCY_ALREADY_REGISTERED', 'COMMAND_ID_REUSED', 'COMMAND_ID_REUSED', false,
        ]);
        const stored = async (st: EventStore) => (await st.readAll()).filter((e) => e.streamId.startsWith('agency-')).map((e) => [e.streamId, e.type, e.eventId]);
        expect(await stored(store)).toEqual(await stored(other));
        expect(await stored(store)).toHaveLength(2);
      } finally {
        await other.close();
      }
    });

    it('keeps the stream it began as folded: the next command reads only what was appended since, and answers as a full fold does', async () => {
      const other = make();
      try {
        const designate = (personId: string) => ({ streamId: agencyStreamId('P1'), decider: agencyDecider, request: { type: 'DesignateAgencyPersonnel', agencyCode: 'P1', personnelRole: 'CONTACT_WINDOW', personId, effectiveDate: '2025-07-01' } as AgencyCommand });
        const ids = Array.from({ length: 4 }, () => randomUUID());
        const steps: [Parameters<CommandProcessor['execute']>[0], string][] = [
          [begin('P1'), ids[0]],
          [designate('p_a'), ids[1]],
          [designate('p_a'), ids[2]], // refused: unchanged
          [begin('P1'), ids[0]], // a retry of the registration
          [begin('P1'), ids[3]], // registered already
        ];
        const outcome = async (p: Promise<unknown>) => {
          try {
            return { ok: { ...((await p) as object), position: undefined, recordedAt: undefined } };
          } catch (error) {
            return { refused: (error as { code?: string }).code ?? (error as Error).name };
          }
        };
        const reads = jest.spyOn(store, 'readStream');
        const kept: unknown[] = [];
        for (const [spec, commandId] of steps) {
          const got = await outcome(processor.execute(spec, { commandId, actor: 'admin' }));
          expect(got).toEqual(await outcome(new CommandProcessor(other, at).execute(spec, { commandId, actor: 'admin' })));
          kept.push(got);
          if (kept.length === 2) {
            // Embedded: only the tail after the registration was read, for the designation. EventStoreDB:
            // the stream was read empty for the registration and whole for the designation.
            expect(reads.mock.calls).toEqual(store.kind === 'embedded-sqlite' ? [['agency-P1', { fromRevision: 1 }]] : [['agency-P1', {}], ['agency-P1', {}]]);
          }
        }
        expect(kept.map((o) => ('refused' in (o as object) ? (o as { refused: string }).refused : (o as { ok: { replayed: boolean } }).ok.replayed))).toEqual([
          false, false, 'PERSONNEL_UNCHANGED', true, 'AGENCY_ALREADY_REGISTERED',
        ]);
        const stored = async (st: EventStore) => (await st.readStream('agency-P1')).map((e) => [e.type, e.eventId, e.data]);
        expect(await stored(store)).toEqual(await stored(other));
      } finally {
        await other.close();
      }
    });

    it('answers a begun stream as appended even when its state cannot be kept (an evolve that throws)', async () => {
      const failing = { ...agencyDecider, evolve: () => { throw new Error('evolve failed'); } };
      const spec = { ...begin('Q1'), decider: failing as unknown as typeof agencyDecider };
      await expect(processor.execute(spec, { commandId: randomUUID(), actor: 'admin' })).resolves.toMatchObject({ revision: 0, replayed: false });
      expect(await store.readStream(agencyStreamId('Q1'))).toHaveLength(1);
    });

    it('of racing registrations of one new agency exactly one appends; on the embedded store the others are refused as registered already', async () => {
      const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => new CommandProcessor(store, at).execute(begin('M1'), { commandId: randomUUID(), actor: 'admin' })));
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      // The losers' appends were refused, so they went the usual way and found the stream begun. On
      // EventStoreDB they all read it empty first and the losers' appends conflict, as any race does.
      const expected = store.kind === 'embedded-sqlite' ? 'AGENCY_ALREADY_REGISTERED' : 'WRONG_EXPECTED_REVISION';
      const refused = outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason.code);
      expect(refused).toEqual([expected, expected, expected, expected]);
      expect(await store.readStream(agencyStreamId('M1'))).toHaveLength(1);
    });

    it('is read first as any command when `accepted` would create something before the append', async () => {
      const reads = jest.spyOn(store, 'readStream');
      const accepted = jest.fn(async (events: AgencyEvent[]) => ({ events, request: register('N1') }));
      await processor.execute({ ...begin('N1'), accepted }, { commandId: randomUUID(), actor: 'admin' });
      expect(reads.mock.calls.map(([id]) => id)).toEqual(['agency-N1']);
      // A second registration is refused before `accepted` runs: nothing of it is created.
      await expect(new CommandProcessor(store, at).execute({ ...begin('N1'), accepted }, { commandId: randomUUID(), actor: 'admin' })).rejects.toMatchObject({ code: 'AGENCY_ALREADY_REGISTERED' });
      expect(accepted).toHaveBeenCalledTimes(1);
    });
  });
});
