import { accessReviewDecider } from '../access-review/access-review.decider';
import { ACCESS_REVIEW_FINDINGS } from '../access-review/access-review.events';
import { fold } from './decider';
import { asLedgerEvent, EVENT_REGISTRY, schemaVersionOf, UnknownSchemaVersionError, upcast } from './event-registry';

/** An AccessReviewClosed as every ledger stored it before schema v2: only the findings made are counted. */
const storedV1 = () => ({
  type: 'AccessReviewClosed',
  data: { reviewId: 'r1', agencyCode: 'SWD001', reviewedAccounts: 3, findings: { FINE: 2, IDLE: 1 } },
  metadata: { schemaVersion: 1, occurredAt: '2025-06-15T02:00:00.000Z', hash: 'h' },
});

describe('event registry', () => {
  it('要點 六(六): a v1 AccessReviewClosed is read as v2, every finding counted, zero included', () => {
    const stored = storedV1();
    const read = upcast(stored);
    expect(read.metadata).toEqual({ ...stored.metadata, schemaVersion: 2 });
    expect(read.data).toEqual({
      reviewId: 'r1', agencyCode: 'SWD001', reviewedAccounts: 3,
      findings: { DUPLICATE: 0, IDLE: 1, CHANGED_DUTIES: 0, DEPARTED: 0, RETIRED: 0, FINE: 2 },
    });
    // The stored event is left as stored: its hash covers that payload.
    expect(stored).toEqual(storedV1());
  });

  it('an event without a schemaVersion is version 1', () => {
    const { schemaVersion: _, ...metadata } = storedV1().metadata;
    const withoutVersion: { type: string; data: unknown; metadata: { schemaVersion?: number; occurredAt: string } } = { ...storedV1(), metadata };
    expect(upcast(withoutVersion).metadata.schemaVersion).toBe(2);
  });

  it('a current-version event and a type outside the registry pass through as the same object', () => {
    const current = { ...storedV1(), metadata: { schemaVersion: 2, occurredAt: 'x' } };
    expect(upcast(current)).toBe(current);
    const other = { type: 'ApiKeyIssued', data: {}, metadata: { schemaVersion: 7, occurredAt: 'x' } };
    expect(upcast(other)).toBe(other);
  });

  it('a version newer than this build knows is refused, not folded by guess', () => {
    expect(() => upcast({ ...storedV1(), metadata: { schemaVersion: 3, occurredAt: 'x' } })).toThrow(UnknownSchemaVersionError);
    expect(() => upcast({ ...storedV1(), metadata: { schemaVersion: 0, occurredAt: 'x' } })).toThrow(UnknownSchemaVersionError);
  });

  it('every type above version 1 has an upcaster from each older version', () => {
    for (const [type, schema] of Object.entries(EVENT_REGISTRY)) {
      for (let v = 1; v < schema.schemaVersion; v++) expect({ type, from: v, upcaster: typeof schema.upcasters?.[v] }).toEqual({ type, from: v, upcaster: 'function' });
    }
  });

  it('new events are written with the current version; other types with 1', () => {
    expect(schemaVersionOf('AccessReviewClosed')).toBe(2);
    expect(schemaVersionOf('AgencyRegistered')).toBe(1);
    expect(schemaVersionOf('SecurityRefusal')).toBe(1);
  });

  it('the decider folds an upcast stored history exactly as one written today', () => {
    const opened = { type: 'AccessReviewOpened', data: { reviewId: 'r1', agencyCode: 'SWD001', reviewerAccountId: 'SWD001.ADMIN.x' }, metadata: { schemaVersion: 1, occurredAt: 'x' } };
    const [first, closed] = [opened, storedV1()].map((e) => asLedgerEvent(e)!);
    if (closed.type !== 'AccessReviewClosed' || first.type !== 'AccessReviewOpened') throw new Error('types are kept');
    // Typed by the registry: `findings` is the v2 record, so this reads every key without a cast.
    expect(ACCESS_REVIEW_FINDINGS.map((f) => closed.data.findings[f])).toEqual([0, 1, 0, 0, 0, 2]);
    expect(fold(accessReviewDecider, [first, closed])).toMatchObject({ status: 'CLOSED', reviewId: 'r1' });
  });
});
