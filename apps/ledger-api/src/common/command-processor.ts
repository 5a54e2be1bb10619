import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { assertBusinessTime, Decider, DomainEvent, fold } from '@ledger/domain';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/platform';
import type { EventStore, RecordedEvent } from '@ledger/event-store';
import { CLOCK, Clock, EVENT_STORE } from '../infrastructure/event-store.provider';

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

/** Event ids follow from the command id, so a retried append is recognised by the store itself. */
export function eventIdFor(commandId: string, streamId: string, index: number): string {
  const h = createHash('sha256').update(`${commandId}\u0000${streamId}\u0000${index}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

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
 * read stream → fold → decide → append with the expected revision. A command id already seen in
 * the stream returns its first result; a refused command appends nothing.
 */
@Injectable()
export class CommandProcessor {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  async execute<C, E extends DomainEvent, S>(
    streamId: string,
    decider: Decider<C, E, S>,
    command: C,
    envelope: CommandEnvelope,
  ): Promise<CommandResult> {
    const history = await this.store.readStream(streamId);
    const earlier = history.filter((e) => e.metadata.commandId === envelope.commandId);
    if (earlier.length > 0) return resultOf(streamId, earlier, true);

    const state = fold(decider, history as unknown as E[]);
    const now = this.clock();
    const occurredAt = envelope.occurredAt ?? now.toISOString();
    assertBusinessTime(history, new Date(occurredAt), now, this.config.futureToleranceMs);
    const events = decider.decide(command, state, { now, occurredAt: new Date(occurredAt), actor: envelope.actor });
    if (events.length === 0) {
      const last = history[history.length - 1];
      return { streamId, revision: last?.revision ?? -1, position: last?.position.toString() ?? '0', recordedAt: null, eventIds: [], events: [], replayed: false };
    }
    const correlationId = envelope.correlationId ?? envelope.commandId;
    const toAppend = events.map((event, i) => ({
      eventId: eventIdFor(envelope.commandId, streamId, i),
      type: event.type,
      data: event.data as Record<string, unknown>,
      metadata: {
        $correlationId: correlationId,
        $causationId: envelope.causationId ?? envelope.commandId,
        commandId: envelope.commandId,
        actor: envelope.actor,
        occurredAt,
      },
    }));
    const expected = history.length === 0 ? 'no_stream' : history[history.length - 1].revision;
    const appended = await this.store.append(streamId, toAppend, expected);
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
}

export const newId = () => randomUUID();
