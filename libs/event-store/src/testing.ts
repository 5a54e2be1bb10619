import { randomUUID } from 'node:crypto';
import type { EventData, NewEvent } from './types';

/** A new event with fresh ids and full sender metadata, for the store's own tests. */
export function newEvent(type = 'Something', data: EventData = {}, occurredAt = '2025-06-30T16:00:00.000Z'): NewEvent {
  return {
    eventId: randomUUID(),
    type,
    data,
    metadata: {
      $correlationId: randomUUID(),
      $causationId: randomUUID(),
      commandId: randomUUID(),
      actor: 'test-writer',
      occurredAt,
    },
  };
}
