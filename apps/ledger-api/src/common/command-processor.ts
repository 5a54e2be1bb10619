import { Inject, Injectable, Optional } from '@nestjs/common';
import { createHash, hash as oneShotHash, randomUUID } from 'node:crypto';
import { assertBusinessTime, Decider, DomainEvent, isBeginning, schemaVersionOf, upcastAll, type TimedEvent } from '@ledger/domain';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/platform';
import { DuplicateEventIdError, StoreUnavailableError, type EventStore, type RecordedEvent } from '@ledger/event-store';
import { CLOCK, Clock, EVENT_STORE } from '../infrastructure/event-store.provider';
import { CommandIdRegistry, CommandIdReusedError, fingerprintOf } from './idempotency';
import { freezeDeep, StreamStates, type FoldedStream } from './stream-states';

/** Who sent a command, when it happened, and why: carried into every event's metadata. */
export interface CommandEnvelope {
  commandId: string;
  actor: string;
  occurredAt?: string;
  correlationId?: string;
  causationId?: string;
}

export interface CommandResult {
  streamId: string;
  /** Revision of the stream after the command. */
  revision: number;
  /** Global position of the last event appended: pass it as minPosition to read your own write. */
  position: string;
  /** Ledger time the events were recorded at (null when nothing was appended). */
  recordedAt: string | null;
  eventIds: string[];
  events: { type: string; revision: number }[];
  /** True when this commandId had already been processed: nothing new was appended. */
  replayed: boolean;
}

/**
 * One command against one stream. The processor reads that stream once, folds it, and hands the
 * state to `command`, which adds whatever the decider needs from other streams; handlers never
 * read the command's own stream themselves.
 */
export interface CommandSpec<C, E extends DomainEvent, S> {
  streamId: string;
  decider: Decider<C, E, S>;
  /**
   * The request as the client sent it, with personal data already replaced by the pseudonymous ids
   * derived from it: its fingerprint decides whether a reused commandId is a retry or a new request.
   */
  request: object | (() => Promise<object>);
  /**
   * The decider's command, built from the stream's state; defaults to `request` itself (which must
   * then be an object). `request` given as a function is called only when its fingerprint is needed —
   * a retry of a recorded commandId, or a spec without `accepted` — so that a lookup it needs (the
   * vault's person id for a subject) is not paid on every new stream.
   */
  command?: (state: S) => C | Promise<C>;
  /**
   * Runs once the decider has accepted the command and before anything is appended: the place to
   * create what only an accepted command may create (a person id and data key in the key vault), so
   * a refused command leaves nothing behind. It returns the events to append and the request as it
   * is fingerprinted, which may now name the pseudonymous id just created — and which must equal the
   * `request` a retry of the same command sends (a retry finds the id made the first time), or the
   * retry is taken for a different request under a reused commandId.
   */
  accepted?: (events: E[]) => Promise<{ events: E[]; request: object }>;
  /**
   * The command begins its stream (a registration, a new id): on the embedded store, a stream not
   * folded here yet is then decided as empty and appended expecting no stream, without reading it
   * first. Should it exist after all (registered twice, a retry after a restart, another writer),
   * the store refuses that append, keeping nothing of it, and the command goes the usual way:
   * read, fold, decide. Ignored with `accepted`, whose vault entries a refusal must not leave
   * behind, and on EventStoreDB, whose commandId reservation would be appended first.
   */
  createsStream?: boolean;
}

/**
 * Events folded onto a state, with the event `beganAt` picks kept as it goes (the latest beginning,
 * else the first event): one rule for a stream read from the store and for one just begun here.
 */
function evolveAll<E extends DomainEvent, S>(
  decider: Decider<unknown, E, S>,
  state: S,
  began: TimedEvent | undefined,
  events: readonly TimedEvent[],
): { state: S; began?: TimedEvent } {
  for (const event of events) {
    state = decider.evolve(state, event as unknown as E);
    if (began === undefined || isBeginning(event.type)) began = { type: event.type, data: {}, metadata: { occurredAt: event.metadata.occurredAt } };
  }
  return { state, began };
}

/** A retry met while beginning a stream: answered from the stored events by the usual path. */
class AlreadyBegun extends Error {}

/** A stream's state as `execute` decides on it: folded from the store, or empty for a stream being begun. */
interface Folded<S> {
  earlier: RecordedEvent[];
  state: S;
  began?: TimedEvent;
  last?: { revision: number; position: bigint };
}

/** SHA-256 in hex, one shot where Node has crypto.hash (20.12+): no Hash object per call. */
const sha256Hex = (text: string): string => (typeof oneShotHash === 'function' ? oneShotHash('sha256', text, 'hex') : createHash('sha256').update(text).digest('hex'));

/** A name-based UUID (version 5 layout) from its parts. */
function uuidFrom(...parts: (string | number)[]): string {
  const h = sha256Hex(parts.join('\u0000'));
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Event ids follow from the command id alone (a command id belongs to one stream), so a retried
 * append is recognised by the store itself, and on a store whose event ids are unique ledger-wide
 * the same command id cannot reach a second stream.
 */
export const eventIdFor = (commandId: string, index: number): string => uuidFrom('command-event', commandId, index);

export function resultOf(streamId: string, recorded: RecordedEvent[], replayed: boolean): CommandResult {
  const last = recorded[recorded.length - 1];
  return {
    streamId,
    revision: last.revision,
    position: last.position.toString(),
    recordedAt: last.metadata.recordedAt,
    eventIds: recorded.map((e) => e.eventId),
    events: recorded.map((e) => ({ type: e.type, revision: e.revision })),
    replayed,
  };
}

/**
 * read the stream once (upcast to today's payloads) → fold → command → decide → append with the
 * expected revision (on EventStoreDB after reserving the commandId, see idempotency.ts). A command
 * id already seen returns its first result if the request is the same and is refused (422) if not;
 * a refused command appends nothing.
 *
 * The stream's folded state is kept (`StreamStates`): the next command on it reads only the events
 * appended since and folds them on top, which gives the state a full read and fold gives (events
 * are append-only; the read still sees every writer's appends) at the cost of a one-row read. The
 * expected revision on append stays the concurrency check, exactly as before.
 */
@Injectable()
export class CommandProcessor {
  private readonly commandIds: CommandIdRegistry;
  /** The embedded store keeps event ids unique across the ledger; EventStoreDB only per stream. */
  private readonly ledgerUniqueEventIds: boolean;
  private readonly streams = new StreamStates();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(LEDGER_CONFIG) private readonly config: Pick<LedgerConfig, 'futureToleranceMs'> = { futureToleranceMs: 300_000 },
  ) {
    this.commandIds = new CommandIdRegistry(store);
    this.ledgerUniqueEventIds = store.kind === 'embedded-sqlite';
  }

  async execute<C, E extends DomainEvent, S>(spec: CommandSpec<C, E, S>, envelope: CommandEnvelope): Promise<CommandResult> {
    const { streamId, decider } = spec;
    // UUIDs compare case-insensitively; one spelling keeps event ids and the reservation stream in step.
    const commandId = envelope.commandId.toLowerCase();
    if (spec.createsStream && this.ledgerUniqueEventIds && !spec.accepted && !this.streams.get(streamId, decider)) {
      const created = await this.begin(spec, envelope, commandId);
      if (created) return created;
    }
    return this.decideAndAppend(spec, envelope, commandId, await this.fold(streamId, decider, commandId));
  }

  /**
   * A command that begins its stream, decided as on an empty stream and appended expecting none.
   * Undefined when the usual path must answer instead — the stream exists, or the command is refused
   * or a retry (answered from the stored events) — with nothing appended by this attempt.
   */
  private async begin<C, E extends DomainEvent, S>(spec: CommandSpec<C, E, S>, envelope: CommandEnvelope, commandId: string): Promise<CommandResult | undefined> {
    const empty: Folded<S> = { earlier: [], state: freezeDeep(spec.decider.initialState()) };
    try {
      const result = await this.decideAndAppend(spec, envelope, commandId, empty, true);
      return result.events.length === 0 ? undefined : result;
    } catch (error) {
      // A refusal or a conflict on the empty state may not be the stream's: the usual path decides.
      if (error instanceof StoreUnavailableError) throw error;
      return undefined;
    }
  }

  /** `beginning`: the stream was not read; a replay is left to the caller (it reads the stored events). */
  private async decideAndAppend<C, E extends DomainEvent, S>(
    spec: CommandSpec<C, E, S>,
    envelope: CommandEnvelope,
    commandId: string,
    folded: Folded<S>,
    beginning = false,
  ): Promise<CommandResult> {
    const { streamId, decider, request } = spec;
    // Only needed for a retry, or when no `accepted` step replaces the request: computed then.
    const requestFingerprint = async () => fingerprintOf({ ...envelope, streamId, request: typeof request === 'function' ? await request() : request });

    if (folded.earlier.length > 0) {
      const { earlier } = folded;
      // Events from before fingerprints were recorded carry none: nothing to compare with.
      const recorded = earlier[0].metadata.requestHash;
      if (recorded !== undefined && recorded !== (await requestFingerprint())) throw new CommandIdReusedError();
      return resultOf(streamId, earlier, true);
    }

    const { state } = folded;
    if (!spec.command && typeof request === 'function') throw new TypeError('a command spec without `command` needs its request as an object');
    const command = spec.command ? await spec.command(state) : (request as C);
    const now = this.clock();
    const occurredAt = envelope.occurredAt ?? now.toISOString();
    // The business-time rule looks at the event the history began with: the one kept is the one it picks.
    assertBusinessTime(folded.began ? [folded.began] : [], new Date(occurredAt), now, this.config.futureToleranceMs);
    let events = decider.decide(command, state, { now, occurredAt: new Date(occurredAt), actor: envelope.actor });
    const last = folded.last;
    if (events.length === 0) {
      return { streamId, revision: last?.revision ?? -1, position: last?.position.toString() ?? '0', recordedAt: null, eventIds: [], events: [], replayed: false };
    }
    let fingerprint: string;
    if (spec.accepted) {
      const accepted = await spec.accepted(events);
      events = accepted.events;
      fingerprint = fingerprintOf({ ...envelope, streamId, request: accepted.request });
    } else fingerprint = await requestFingerprint();

    const metadata = {
      $correlationId: envelope.correlationId ?? commandId,
      $causationId: envelope.causationId ?? commandId,
      actor: envelope.actor,
      occurredAt,
    };
    if (!this.ledgerUniqueEventIds) {
      await this.commandIds.reserve({ commandId, fingerprint, streamId }, uuidFrom('command-reservation', commandId, fingerprint), metadata);
    }

    const toAppend = events.map((event, i) => ({
      eventId: eventIdFor(commandId, i),
      type: event.type,
      data: event.data as Record<string, unknown>,
      metadata: { ...metadata, commandId, schemaVersion: schemaVersionOf(event.type), requestHash: fingerprint },
    }));
    let appended;
    try {
      appended = await this.store.append(streamId, toAppend, last ? last.revision : 'no_stream');
    } catch (error) {
      // The first event id is the command id's: stored already, in another stream or at another place.
      if (error instanceof DuplicateEventIdError) throw new CommandIdReusedError();
      throw error;
    }
    if (appended.idempotentReplay && beginning) throw new AlreadyBegun();
    if (beginning) this.rememberBegun(streamId, decider, folded.state, events, appended, occurredAt, commandId);
    if (appended.idempotentReplay) await this.assertReplayOf(streamId, commandId, fingerprint);
    const firstRevision = appended.nextExpectedRevision - toAppend.length + 1;
    return {
      streamId,
      revision: appended.nextExpectedRevision,
      position: appended.position.toString(),
      recordedAt: appended.recordedAt ?? (await this.store.readStream(streamId, { fromRevision: appended.nextExpectedRevision })).at(-1)?.metadata.recordedAt ?? null,
      eventIds: toAppend.map((e) => e.eventId),
      events: toAppend.map((e, i) => ({ type: e.type, revision: firstRevision + i })),
      replayed: appended.idempotentReplay,
    };
  }

  /**
   * A stream this processor just began is kept as folded at its first revisions, so the command that
   * usually follows (designating an agency's personnel, approving an application) reads only what
   * was appended since instead of the whole stream. The events are folded as a read gives them back:
   * through JSON, as the store keeps them.
   */
  private rememberBegun<E extends DomainEvent, S>(
    streamId: string,
    decider: Decider<unknown, E, S>,
    empty: S,
    events: E[],
    appended: { nextExpectedRevision: number; position: bigint },
    occurredAt: string,
    commandId: string,
  ): void {
    let folded: { state: S; began?: TimedEvent };
    try {
      folded = evolveAll(decider, empty, undefined, events.map((e) => ({ type: e.type, data: JSON.parse(JSON.stringify(e.data)) as object, metadata: { occurredAt } })));
    } catch {
      // The events are stored: this command is answered as appended, and the next one folds them from the store.
      return;
    }
    this.streams.set(streamId, { decider, revision: appended.nextExpectedRevision, position: appended.position, state: freezeDeep(folded.state), began: folded.began!, commandIds: new Set([commandId]) });
  }

  /**
   * The stream's state from the events appended since it was last folded here (all of them the first
   * time), or — for a command id the stream already holds — its earlier events, read from the whole
   * stream as without the cache.
   */
  private async fold<E extends DomainEvent, S>(
    streamId: string,
    decider: Decider<unknown, E, S>,
    commandId: string,
  ): Promise<Folded<S>> {
    const cached = this.streams.get<S>(streamId, decider);
    const tail = upcastAll(await this.store.readStream(streamId, cached ? { fromRevision: cached.revision + 1 } : {}));
    const isThisCommand = (e: RecordedEvent) => e.metadata.commandId.toLowerCase() === commandId;
    if (cached?.commandIds.has(commandId)) {
      const earlier = upcastAll(await this.store.readStream(streamId)).filter(isThisCommand);
      if (earlier.length > 0) return { earlier, state: cached.state };
    }
    const earlier = tail.filter(isThisCommand);
    if (earlier.length > 0 || (cached && tail.length === 0)) {
      return { earlier, state: cached?.state as S, began: cached?.began, last: cached };
    }
    if (tail.length === 0) return { earlier, state: freezeDeep(decider.initialState()) };

    const { state, began } = evolveAll(decider, cached ? cached.state : decider.initialState(), cached?.began, tail);
    // Shared with the entry it replaces: ids of stored events only ever join it.
    const commandIds = cached?.commandIds ?? new Set<string>();
    for (const event of tail) commandIds.add(event.metadata.commandId.toLowerCase());
    const last = tail[tail.length - 1];
    const entry: FoldedStream<S> = { decider, revision: last.revision, position: last.position, state: freezeDeep(state), began: began!, commandIds };
    this.streams.set(streamId, entry);
    return { earlier, state: entry.state, began, last: entry };
  }

  /**
   * The store took the append for a retry of events it already holds: ids follow from the command
   * id alone, so a different request racing under the same id on this stream lands here too.
   */
  private async assertReplayOf(streamId: string, commandId: string, fingerprint: string): Promise<void> {
    const stored = (await this.store.readStream(streamId)).find((e) => e.metadata.commandId.toLowerCase() === commandId);
    if (stored?.metadata.requestHash !== fingerprint) throw new CommandIdReusedError();
  }
}

export const newId = () => randomUUID();

