import { randomUUID } from 'node:crypto';
import { accessReviewStreamId } from '@ledger/domain';
import { SqliteEventStore } from '@ledger/event-store';
import { CommandProcessor } from '../../common/command-processor';
import { AccessStates } from '../shared/access-states';
import { AccessReviewCommandHandler, AccessReviewCommandMessage } from './access-review.handler';

/**
 * Closing a review needs the review's own state (which agency's roster it must cover). The handler
 * takes it from the processor's one read of the stream instead of reading the stream itself first.
 */
describe('access review handler', () => {
  it('要點 六(六): closing a review reads the review stream once', async () => {
    const store = new SqliteEventStore({ file: ':memory:' });
    const reviewId = 'SWD001_2025';
    const streamId = accessReviewStreamId(reviewId);
    const meta = { $correlationId: 'c', $causationId: 'c', commandId: randomUUID(), actor: 'admin', occurredAt: '2025-05-01T01:00:00.000Z' };
    await store.append(streamId, [{ eventId: randomUUID(), type: 'AccessReviewOpened', data: { reviewId, agencyCode: 'SWD001', reviewerAccountId: 'SWD001.ADMIN.x' }, metadata: meta }], 'no_stream');
    const roster = { activeUserAccountIds: jest.fn(async () => []) };
    const handler = new AccessReviewCommandHandler(new CommandProcessor(store, () => new Date('2025-05-03T01:00:00.000Z')), new AccessStates(store), roster);
    const reads = jest.spyOn(store, 'readStream');

    const result = await handler.execute(new AccessReviewCommandMessage({ type: 'CloseAccessReview', reviewId }, { commandId: randomUUID(), actor: 'admin' }));

    expect(result.events.map((e) => e.type)).toEqual(['AccessReviewClosed']);
    expect(roster.activeUserAccountIds).toHaveBeenCalledWith('SWD001');
    expect(reads.mock.calls.map(([id]) => id)).toEqual([streamId]);
    await store.close();
  });
});
