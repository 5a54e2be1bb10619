import { createHash, hash as oneShotHash } from 'node:crypto';
import { DomainRuleError } from '@ledger/domain';
import { canonicalJson, type EventStore, type RecordedEvent, WrongExpectedRevisionError } from '@ledger/event-store';

/**
 * A commandId (or `Idempotency-Key`) names one request for the whole ledger, as the IETF
 * Idempotency-Key draft has it: a retry of that request returns its first result, and the key
 * reused for any other request is refused (422) without appending anything.
 *
 * Every event a command appends carries the request's fingerprint (`metadata.requestHash`), so a
 * reuse on the same stream is told from a retry by the one read the command makes anyway. A reuse
 * on another stream is refused by the store, atomically with the append, in one of two ways:
 *
 * - embedded store: the first event of a command has an event id derived from the commandId alone,
 *   and event ids are UNIQUE across the whole ledger there; the append that would put the id on a
 *   second stream fails in its own transaction (one write per command, nothing else to keep);
 * - EventStoreDB: event ids are unique only within a stream, so the command first reserves its id in
 *   a stream of its own, `command-<sha256(commandId)>`, appended with expected revision `no_stream`
 *   (the server's optimistic concurrency lets exactly one writer create a stream). The reservation
 *   records the fingerprint; a loser reads it and is refused unless it is the same request.
 *   (KurrentDB 25.1's atomic multi-stream append could write both in one call.)
 *
 * The id is hashed in the stream name only to keep stream ids well-formed whatever a client sends.
 */
/** SHA-256 in hex, one shot where Node has crypto.hash (20.12+): no Hash object per call. */
const sha256Hex = (text: string): string => (typeof oneShotHash === 'function' ? oneShotHash('sha256', text, 'hex') : createHash('sha256').update(text).digest('hex'));

export const RESERVATION_EVENT = 'CommandIdReserved';

export interface Reservation {
  commandId: string;
  /** SHA-256 of the request as the ledger identifies it (see fingerprintOf). */
  fingerprint: string;
  /** The stream the command's events go to. */
  streamId: string;
}

export const reservationStreamId = (commandId: string) =>
  `command-${sha256Hex(commandId.toLowerCase())}`;

/**
 * What makes two requests "the same": who sent it, to which stream, what it asked, and the
 * envelope fields the client chose. `request` carries no personal data in clear (handlers pass the
 * pseudonymous ids they derived), so the fingerprint links nothing to a person.
 */
export function fingerprintOf(parts: {
  actor: string;
  streamId: string;
  request: unknown;
  occurredAt?: string;
  correlationId?: string;
  causationId?: string;
}): string {
  const canonical = canonicalJson({
    actor: parts.actor,
    streamId: parts.streamId,
    request: parts.request,
    occurredAt: parts.occurredAt ?? null,
    correlationId: parts.correlationId ?? null,
    causationId: parts.causationId ?? null,
  });
  return sha256Hex(canonical);
}

/** 422: the id was used for another request (another body, stream or sender). */
export class CommandIdReusedError extends DomainRuleError {
  constructor() {
    super(
      'COMMAND_ID_REUSED',
      'IETF Idempotency-Key',
      'this commandId (Idempotency-Key) was already used for a different request; send a new id for a new request',
    );
    this.name = 'CommandIdReusedError';
  }
}

function reservationOf(events: RecordedEvent[]): Reservation | undefined {
  const first = events[0];
  return first?.type === RESERVATION_EVENT ? (first.data as unknown as Reservation) : undefined;
}

export class CommandIdRegistry {
  constructor(private readonly store: EventStore) {}

  /** The reservation of this id, if one was made. */
  async find(commandId: string): Promise<Reservation | undefined> {
    return reservationOf(await this.store.readStream(reservationStreamId(commandId), { maxCount: 1 }));
  }

  /** Throws CommandIdReusedError unless the id is unused or was reserved by this very request. */
  async assertSameRequest(commandId: string, fingerprint: string): Promise<void> {
    const found = await this.find(commandId);
    // Commands accepted before reservations existed have none: nothing to compare with.
    if (found && found.fingerprint !== fingerprint) throw new CommandIdReusedError();
  }

  /**
   * Reserves the id for this request, or confirms that this request already holds it (a retry, or
   * a concurrent duplicate of it). The event id follows from id and fingerprint, so the same
   * request reserving twice is an idempotent append on both stores.
   */
  async reserve(reservation: Reservation, eventId: string, metadata: { $correlationId: string; $causationId: string; actor: string; occurredAt: string }): Promise<void> {
    const streamId = reservationStreamId(reservation.commandId);
    try {
      await this.store.append(
        streamId,
        [{ eventId, type: RESERVATION_EVENT, data: { ...reservation }, metadata: { ...metadata, commandId: reservation.commandId, schemaVersion: 1 } }],
        'no_stream',
      );
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      await this.assertSameRequest(reservation.commandId, reservation.fingerprint);
    }
  }
}
