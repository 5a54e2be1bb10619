import type { LedgerEvent, LedgerEventType, Recorded } from '@ledger/domain';
import type { RecordedEvent } from '@ledger/event-store';

/**
 * Projections read the domain's own event types (types only: no domain code runs here). The
 * projection runner has already lifted every stored event to today's schema version through the
 * domain's event registry, so `type` narrows `data` to the payload the deciders write, and a field
 * renamed or removed in the domain is a compile error here rather than an `undefined` at run time.
 */
export type LedgerRecordedEvent = Recorded<RecordedEvent>;
export type RecordedOf<T extends LedgerEventType> = Recorded<RecordedEvent, Extract<LedgerEvent, { type: T }>>;

/** The runner's event, seen through the event contract. */
export const asLedgerRecorded = (event: RecordedEvent): LedgerRecordedEvent => event as unknown as LedgerRecordedEvent;
