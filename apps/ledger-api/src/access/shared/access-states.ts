import { Inject, Injectable } from '@nestjs/common';
import {
  accessReviewDecider,
  accessReviewStreamId,
  accountDecider,
  accountStreamId,
  agencyDecider,
  agencyStreamId,
  applicationDecider,
  applicationStreamId,
  Decider,
  DomainEvent,
  fold,
  upcastAll,
  NotFoundError,
  queryItemDecider,
  queryItemStreamId,
} from '@ledger/domain';
import type { EventStore } from '@ledger/event-store';
import { EVENT_STORE } from '../../infrastructure/event-store.provider';

/** A stream's folded state as readers see it, with the revision it reflects. */
export interface StateView<S> {
  streamId: string;
  /** -1 when the stream does not exist. */
  revision: number;
  state: S;
}

/**
 * The states handlers pass into deciders as `…State` fields — other streams than the command's own,
 * which the command processor reads — and readers see over GET; upcast to today's payloads.
 */
@Injectable()
export class AccessStates {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  agency = (agencyCode: string) => this.state(agencyStreamId(agencyCode), agencyDecider);
  application = (applicationId: string) => this.state(applicationStreamId(applicationId), applicationDecider);
  queryItem = (agencyCode: string, operationCode: string) => this.state(queryItemStreamId(agencyCode, operationCode), queryItemDecider);
  account = (accountId: string) => this.state(accountStreamId(accountId), accountDecider);
  accessReview = (reviewId: string) => this.state(accessReviewStreamId(reviewId), accessReviewDecider);

  private async state<S, E extends DomainEvent>(streamId: string, decider: Pick<Decider<unknown, E, S>, 'initialState' | 'evolve'>): Promise<S> {
    return fold(decider, upcastAll(await this.store.readStream(streamId)) as unknown as E[]);
  }

  async view<S, E extends DomainEvent>(streamId: string, decider: Pick<Decider<unknown, E, S>, 'initialState' | 'evolve'>): Promise<StateView<S>> {
    const events = await this.store.readStream(streamId);
    return { streamId, revision: events[events.length - 1]?.revision ?? -1, state: fold(decider, upcastAll(events) as unknown as E[]) };
  }

  /** As `view`, but a stream that does not exist is a 404. */
  async existing<S, E extends DomainEvent>(
    streamId: string,
    decider: Pick<Decider<unknown, E, S>, 'initialState' | 'evolve'>,
    entity: string,
    id: string,
  ): Promise<StateView<S>> {
    const found = await this.view(streamId, decider);
    if (found.revision < 0) throw new NotFoundError(entity, id);
    return found;
  }
}
