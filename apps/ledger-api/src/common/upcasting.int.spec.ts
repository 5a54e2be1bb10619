import { randomUUID } from 'node:crypto';
import { accessReviewDecider, accessReviewStreamId, upcast } from '@ledger/domain';
import { type NewEvent, type RecordedEvent, SqliteEventStore, verifyLedger } from '@ledger/event-store';
import { type Projection, ProjectionRunner, SqliteReadModelStore } from '@ledger/read-models';
import { CommandProcessor } from './command-processor';

/**
 * A ledger written before AccessReviewClosed became v2 holds v1 payloads (only the findings made are
 * counted). They stay stored as written — the hash chain covers them — and are lifted to v2 where
 * they are read: in the command path before folding, and in the projection runner before projecting.
 */
const reviewId = 'R2024_SWD001';
const streamId = accessReviewStreamId(reviewId);
const meta = (n: number) => ({ $correlationId: `c${n}`, $causationId: `c${n}`, commandId: `00000000-0000-4000-8000-00000000000${n}`, actor: 'admin', occurredAt: '2024-06-15T02:00:00.000Z', schemaVersion: 1 });
const storedV1: NewEvent[] = [
  { eventId: '10000000-0000-4000-8000-000000000001', type: 'AccessReviewOpened', data: { reviewId, agencyCode: 'SWD001', reviewerAccountId: 'SWD001.ADMIN.a1' }, metadata: meta(1) },
  { eventId: '10000000-0000-4000-8000-000000000002', type: 'AccessReviewClosed', data: { reviewId, agencyCode: 'SWD001', reviewedAccounts: 2, findings: { FINE: 2 } }, metadata: meta(2) },
];
const V2_FINDINGS = { DUPLICATE: 0, IDLE: 0, CHANGED_DUTIES: 0, DEPARTED: 0, RETIRED: 0, FINE: 2 };

describe('a stored v1 event is read as today\'s version', () => {
  let store: SqliteEventStore;
  beforeEach(async () => {
    store = new SqliteEventStore({ file: ':memory:' });
    await store.append(streamId, storedV1, 'no_stream');
  });
  afterEach(() => store.close());

  it('stays stored as v1, and the hash chain still verifies', async () => {
    const [, closed] = await store.readStream(streamId);
    expect(closed.metadata.schemaVersion).toBe(1);
    expect(closed.data).toEqual({ reviewId, agencyCode: 'SWD001', reviewedAccounts: 2, findings: { FINE: 2 } });
    expect(await verifyLedger(store)).toMatchObject({ intact: true, eventsChecked: 2, failures: [] });
  });

  it('the command path folds it as v2 (and the closed review still refuses a late finding, 要點 六(六))', async () => {
    // spyOn calls through: the real evolve folds, the spy records what it was given.
    const seen = jest.spyOn(accessReviewDecider, 'evolve');
    const processor = new CommandProcessor(store, () => new Date('2025-07-01T00:00:00.000Z'));
    const late = { type: 'RecordAccessReviewFinding' as const, reviewId, accountId: 'SWD001.USER.b2', finding: 'IDLE' as const, action: 'NONE' as const };
    await expect(processor.execute({ streamId, decider: accessReviewDecider, request: late }, { commandId: randomUUID(), actor: 'admin' })).rejects.toMatchObject({ code: 'ACCESS_REVIEW_CLOSED' });
    const closed = seen.mock.calls.map(([, event]) => event).find((e) => e.type === 'AccessReviewClosed');
    seen.mockRestore();
    expect(closed?.data).toEqual({ reviewId, agencyCode: 'SWD001', reviewedAccounts: 2, findings: V2_FINDINGS });
  });

  it('the projection runner delivers it as v2', async () => {
    const delivered: RecordedEvent[] = [];
    const capture: Projection = {
      name: 'capture',
      collections: ['seen'],
      handles: () => true,
      async project(event) {
        delivered.push(event);
        return [];
      },
    };
    const readModels = new SqliteReadModelStore({ file: ':memory:' });
    const runner = new ProjectionRunner({ projection: capture, eventStore: store, readModels, upcast, logger: { log: () => undefined, error: () => undefined } });
    await runner.start();
    await runner.caughtUp();
    await runner.stop();
    await readModels.close();
    const closed = delivered.find((e) => e.type === 'AccessReviewClosed');
    expect(closed?.metadata.schemaVersion).toBe(2);
    expect(closed?.data).toEqual({ reviewId, agencyCode: 'SWD001', reviewedAccounts: 2, findings: V2_FINDINGS });
    // The hash is the stored one: a verifier re-hashes what is stored, not what readers see.
    expect(closed?.metadata.hash).toBe((await store.readStream(streamId))[1].metadata.hash);
  });
});
