import type { LedgerEventData, LedgerEventType } from '@ledger/domain';
import type { RecordedEvent } from '@ledger/event-store';

let position = 0n;
const revisions = new Map<string, number>();

/**
 * Events as the store would hand them over, with both times set by the test. The payload is the
 * domain's type for `type`: a field renamed in the domain breaks the tests that build it by hand.
 */
export function recorded<T extends LedgerEventType>(streamId: string, type: T, data: LedgerEventData<T>, occurredAt: string, recordedAt = occurredAt): RecordedEvent {
  position += 1n;
  const revision = (revisions.get(streamId) ?? -1) + 1;
  revisions.set(streamId, revision);
  return {
    streamId,
    revision,
    position,
    eventId: `00000000-0000-4000-8000-${position.toString().padStart(12, '0')}`,
    type,
    data: data as unknown as Record<string, unknown>,
    metadata: {
      $correlationId: 'c', $causationId: 'c', commandId: `cmd-${position}`, actor: 'test',
      occurredAt, recordedAt, schemaVersion: 1, prevHash: '', hash: '',
    },
  };
}

export const HOLDER_KEY = 'ab'.repeat(32);
export const USER_ACCOUNT = `SWD001.USER.${HOLDER_KEY}`;
export const holder = { personId: 'person_ab', holderKey: HOLDER_KEY, nationalIdCiphertext: 'v1.iv.tag.ct1', nameCiphertext: 'v1.iv.tag.ct2' };
