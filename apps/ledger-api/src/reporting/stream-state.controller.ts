import { Controller, Get, Inject, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { accessReviewDecider, accountDecider, agencyDecider, applicationDecider, businessTimeOf, Decider, DomainEvent, fold, queryItemDecider, upcastAll } from '@ledger/domain';
import { EventStore, isValidStreamId, RecordedEvent } from '@ledger/event-store';
import { Roles } from '../auth/auth.guard';
import { EVENT_STORE } from '../infrastructure/event-store.provider';
import { AsOfQueryDto, fieldError, parseTimes } from './as-of.dto';

type AnyDecider = Pick<Decider<unknown, DomainEvent, unknown>, 'initialState' | 'evolve'>;

/** Stream categories whose state the domain knows how to fold. */
const DECIDERS: Record<string, AnyDecider> = {
  agency: agencyDecider as unknown as AnyDecider,
  application: applicationDecider as unknown as AnyDecider,
  queryitem: queryItemDecider as unknown as AnyDecider,
  account: accountDecider as unknown as AnyDecider,
  accessreview: accessReviewDecider as unknown as AnyDecider,
};

export class StreamStateQueryDto extends AsOfQueryDto {
  @ApiPropertyOptional({ example: '3', description: 'State after this revision (inclusive)' })
  @IsOptional()
  @Matches(/^\d{1,9}$/, { message: 'revision must be a non-negative integer' })
  revision?: string;
}

/** Holder ciphertexts are not personal data in the clear, but nothing here needs to show them. */
function redact(state: unknown): unknown {
  return JSON.parse(JSON.stringify(state, (key, value) => (/Ciphertext$/.test(key) ? '[encrypted]' : value)));
}

@ApiTags('ledger')
@ApiSecurity('api-key')
@Controller('ledger/streams/:streamId/state')
export class StreamStateController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get()
  @Roles('auditor', 'ethics')
  @ApiOperation({
    summary: "A stream's state at a revision, at a business time, as the ledger knew it at a ledger time, or both",
    description:
      'asOf (business time): events in force by then, a fact with an effective date from that Taipei day; knownAt (ledger time): events recorded by then; both: in force on asOf as known at knownAt. ' +
      'The event store is read directly, so minPosition is always met once the command that returned it has answered.',
  })
  @ApiOkResponse({
    schema: {
      example: {
        streamId: 'agency-SWD001', asOf: { kind: 'revision', revision: 1 }, revision: 1, eventsApplied: 2,
        lastEvent: { eventId: '…', type: 'AgencyApprovedForWebIR', occurredAt: '2025-01-03T01:00:00.000Z', recordedAt: '2025-01-03T01:00:00.210Z', hash: '9f2c4be1d0a7c3e5f6a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0' },
        state: { registered: true, agencyCode: 'SWD001', name: '臺北市政府社會局', role: 'DATA_REQUESTER', approvedForWebIR: true },
      },
    },
  })
  async state(@Param('streamId') streamId: string, @Query() query: StreamStateQueryDto) {
    if (!isValidStreamId(streamId)) throw fieldError('streamId', 'must be category-id with exactly one dash');
    const category = streamId.split('-')[0];
    // Own keys only: `__proto__-x` or `toString-x` must not find Object.prototype's members.
    const decider = Object.hasOwn(DECIDERS, category) ? DECIDERS[category] : undefined;
    if (!decider) throw new NotFoundException({ code: 'NOT_FOUND', message: `no state is defined for streams of category ${category}` });
    const times = parseTimes(query);
    if (times.kind !== 'now' && query.revision !== undefined) throw fieldError('revision', 'give either revision or asOf/knownAt, not both');
    const events = await this.store.readStream(streamId);
    let included: RecordedEvent[] = events;
    let asOf: Record<string, unknown> = { kind: 'head' };
    if (query.revision !== undefined) {
      const revision = Number(query.revision);
      included = events.filter((e) => e.revision <= revision);
      asOf = { kind: 'revision', revision };
    } else if (times.kind !== 'now') {
      const { at, knownAt } = times;
      // In business-time order: a fact enters the timeline on its effective day, not when reported.
      included = events
        .filter((e) => (knownAt === undefined || e.metadata.recordedAt <= knownAt) && businessTimeOf(e.data, e.metadata.occurredAt) <= at!)
        .map((e) => ({ e, t: businessTimeOf(e.data, e.metadata.occurredAt) }))
        .sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.e.revision - b.e.revision))
        .map(({ e }) => e);
      asOf = { kind: times.kind, at, ...(knownAt && { knownAt }) };
    }
    const last = included.reduce<RecordedEvent | undefined>((a, e) => (a === undefined || e.revision > a.revision ? e : a), undefined);
    return {
      streamId,
      asOf,
      revision: last?.revision ?? -1,
      eventsApplied: included.length,
      lastEvent: last ? { eventId: last.eventId, type: last.type, occurredAt: last.metadata.occurredAt, recordedAt: last.metadata.recordedAt, hash: last.metadata.hash } : null,
      state: redact(fold(decider, upcastAll(included) as unknown as DomainEvent[])),
    };
  }
}
