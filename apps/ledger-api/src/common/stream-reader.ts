import { Inject, Injectable } from '@nestjs/common';
import { Decider, DomainEvent, fold, upcastAll } from '@ledger/domain';
import type { EventStore } from '@ledger/event-store';
import { EVENT_STORE } from '../infrastructure/event-store.provider';

/** Folds another stream's state, upcast to today's payloads, for a decision that spans streams (the decider itself stays pure). */
@Injectable()
export class StreamReader {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async state<S, E extends DomainEvent>(streamId: string, decider: Pick<Decider<unknown, E, S>, 'initialState' | 'evolve'>): Promise<S> {
    const events = await this.store.readStream(streamId);
    return fold(decider, upcastAll(events) as unknown as E[]);
  }
}
