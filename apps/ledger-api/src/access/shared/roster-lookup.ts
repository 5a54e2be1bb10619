import { Inject, Injectable } from '@nestjs/common';
import { AccountEvent, accountDecider, AccountState, fold } from '@ledger/domain';
import type { EventStore } from '@ledger/event-store';
import { EVENT_STORE } from '../../infrastructure/event-store.provider';

/** The agency's user accounts active now (使用者清冊): the roster an access review must cover (要點 六(六)). */
export interface RosterLookup {
  activeUserAccountIds(agencyCode: string): Promise<string[]>;
}

export const ROSTER_LOOKUP = Symbol('ROSTER_LOOKUP');

const PAGE = 1000;

/**
 * Stop-gap until the roster read model exists: scans the whole log on every call, which is fine
 * for an annual review and is why it sits behind ROSTER_LOOKUP, to be swapped for the read model.
 */
@Injectable()
export class EventLogRosterLookup implements RosterLookup {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async activeUserAccountIds(agencyCode: string): Promise<string[]> {
    const prefix = `account-${agencyCode}.USER.`;
    const streams = new Map<string, AccountEvent[]>();
    for (let after: bigint | undefined; ; ) {
      const page = await this.store.readAll({ after, maxCount: PAGE });
      for (const event of page.filter((e) => e.streamId.startsWith(prefix))) {
        const events = streams.get(event.streamId) ?? [];
        events.push(event as unknown as AccountEvent);
        streams.set(event.streamId, events);
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1].position;
    }
    return [...streams.values()]
      .map((events): AccountState => fold(accountDecider, events))
      .flatMap((state) => (state.status === 'ACTIVE' ? [state.accountId] : []))
      .sort();
  }
}
