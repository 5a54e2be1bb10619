import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EventStore } from '@ledger/event-store';
import { taipeiDate } from '@ledger/projections';
import { CLOCK, Clock, EVENT_STORE } from '../infrastructure/event-store.provider';

export interface PersonalDataRead {
  reader: string;
  roles: string[];
  purpose: string;
  route: string;
  agencyCode: string;
  /** Which records were revealed: account ids (keyed hashes, never the identifiers themselves). */
  accountIds: string[];
  fields: ('nationalId' | 'name')[];
  /** Whose data was looked up, by random person id (a search by subject, 要點 九(二)). */
  personIds?: string[];
  /** Other records revealed, by id (政風: the anomaly and its logged queries); never the identifiers themselves. */
  records?: string[];
}

/**
 * Every response that carries unmasked personal data is preceded by an event saying who read
 * what, when and why; if it cannot be recorded, nothing is revealed.
 */
@Injectable()
export class PersonalDataReadLog {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async record(read: PersonalDataRead): Promise<void> {
    const now = this.clock();
    const id = randomUUID();
    await this.store.append(
      `pdaccess-${taipeiDate(now).replace(/-/g, '')}`,
      [
        {
          eventId: id,
          type: 'PersonalDataRead',
          data: { ...read },
          metadata: { $correlationId: id, $causationId: id, commandId: id, actor: read.reader, occurredAt: now.toISOString() },
        },
      ],
      'any',
    );
  }
}
