import { projectEvents, projectTwice, SqliteReadModelStore } from '@ledger/read-models';
import { holder, recorded, USER_ACCOUNT } from '../testing/recorded';
import { rosterProjection } from './roster.projection';
import { rosterOf } from './roster.queries';

const acc = `account-${USER_ACCOUNT}`;
const history = () => [
  recorded('agency-SWD001', 'AgencyRegistered', { agencyCode: 'SWD001', name: '社會局', role: 'DATA_REQUESTER' }, '2025-04-01T01:00:00.000Z'),
  recorded('application-app1', 'ApplicationCompleted', { applicationId: 'app1' }, '2025-05-01T02:00:00.000Z'),
  recorded(acc, 'AccountCreated', { accountId: USER_ACCOUNT, agencyCode: 'SWD001', kind: 'USER', incarnation: 1, applicationId: 'app1', holder, myEGovAccountId: 'egov1', certificateBound: true, post: '科員', unit: '社會救助科' }, '2025-05-02T02:00:00.000Z'),
  recorded(acc, 'AccountQueryItemsGranted', { accountId: USER_ACCOUNT, operationCodes: ['L02', 'L01'], applicationId: 'app2' }, '2025-05-03T02:00:00.000Z'),
  recorded(acc, 'AccountPostChanged', { accountId: USER_ACCOUNT, effectiveDate: '2025-06-30', newPost: '專員', newUnit: null, successorAccountId: null, duty: { kind: 'ADJUST_OR_REMOVE_MOVED_USER', rule: '要點 六(五)', dueDate: '2025-06-30' } }, '2025-06-01T02:00:00.000Z'),
  // happened on 6/30 (Taipei) but reached the ledger only on 7/5
  recorded(acc, 'AccountDisabled', { accountId: USER_ACCOUNT, reason: 'moved', disabledOn: '2025-06-30', meetsDuty: 'ADJUST_OR_REMOVE_MOVED_USER' }, '2025-06-30T08:00:00.000Z', '2025-07-05T01:00:00.000Z'),
  recorded('accessreview-r1', 'AccessReviewFindingRecorded', { reviewId: 'r1', accountId: USER_ACCOUNT, finding: 'CHANGED_DUTIES', action: 'DISABLED', note: null }, '2025-07-06T02:00:00.000Z'),
  recorded('accessreview-r1', 'AccessReviewClosed', { reviewId: 'r1', agencyCode: 'SWD001', reviewedAccounts: 1, findings: { DUPLICATE: 0, IDLE: 0, CHANGED_DUTIES: 1, DEPARTED: 0, RETIRED: 0, FINE: 0 } }, '2025-07-06T03:00:00.000Z'),
];

describe('roster projection (要點 十二(五) 使用者清冊)', () => {
  let store: SqliteReadModelStore;
  beforeEach(async () => {
    store = new SqliteReadModelStore({ file: ':memory:' });
    await projectEvents(rosterProjection, store, history());
  });
  afterEach(() => store.close());

  it('shows each account with kind, status, items and its created / approved / disabled dates and last review', async () => {
    const roster = await rosterOf(store, 'SWD001', { kind: 'current' });
    expect(roster.agency).toMatchObject({ name: '社會局', lastAccessReviewId: 'r1', lastAccessReviewClosedAt: '2025-07-06T03:00:00.000Z' });
    expect(roster.entries).toEqual([
      expect.objectContaining({
        accountId: USER_ACCOUNT, kind: 'USER', status: 'DISABLED', queryItems: ['L01', 'L02'], post: '專員', unit: '社會救助科',
        createdAt: '2025-05-02T02:00:00.000Z', approvedAt: '2025-05-01T02:00:00.000Z', disabledAt: '2025-06-30T08:00:00.000Z',
        lastReviewId: 'r1', lastReviewFinding: 'CHANGED_DUTIES',
      }),
    ]);
  });

  it('as of a business date: events that occurred by the end of that Taipei day, as known now', async () => {
    const on0630 = await rosterOf(store, 'SWD001', { kind: 'business-date', at: '2025-06-30T15:59:59.999Z' });
    expect(on0630.entries[0]).toMatchObject({ status: 'DISABLED', post: '專員', lastReviewId: null });
    const on0629 = await rosterOf(store, 'SWD001', { kind: 'business-date', at: '2025-06-29T15:59:59.999Z' });
    // Reported 06-01, effective 06-30: the new post is not in force on 06-29 (要點 六(五)).
    expect(on0629.entries[0]).toMatchObject({ status: 'ACTIVE', queryItems: ['L01', 'L02'], post: '科員' });
    const on0501 = await rosterOf(store, 'SWD001', { kind: 'business-date', at: '2025-05-01T15:59:59.999Z' });
    expect(on0501.entries).toEqual([]);
  });

  it('as the ledger knew it at a ledger time: a late-recorded disable is not yet known', async () => {
    const known0701 = await rosterOf(store, 'SWD001', { kind: 'ledger-time', at: '2025-07-01T00:00:00.000Z' });
    expect(known0701.entries[0]).toMatchObject({ status: 'ACTIVE' });
    const known0705 = await rosterOf(store, 'SWD001', { kind: 'ledger-time', at: '2025-07-05T01:00:00.000Z' });
    expect(known0705.entries[0]).toMatchObject({ status: 'DISABLED' });
  });

  it('as of now folds to exactly the current read model', async () => {
    const current = await rosterOf(store, 'SWD001', { kind: 'current' });
    const asOfNow = await rosterOf(store, 'SWD001', { kind: 'ledger-time', at: '2099-01-01T00:00:00.000Z' });
    expect(asOfNow.entries).toEqual(current.entries);
  });

  it('要點 六(五): a post change enters the roster on its effective date, not on the day it was reported', async () => {
    const reported = await rosterOf(store, 'SWD001', { kind: 'business-date', at: '2025-06-02T15:59:59.999Z' });
    expect(reported.entries[0]).toMatchObject({ post: '科員' });
    const effective = await rosterOf(store, 'SWD001', { kind: 'business-date', at: '2025-06-29T16:00:00.000Z' });
    expect(effective.entries[0]).toMatchObject({ post: '專員' });
    // Known since 06-01 but in force only from 06-30: the ledger-time view at 06-15 shows the old post.
    const known0615 = await rosterOf(store, 'SWD001', { kind: 'ledger-time', at: '2025-06-15T00:00:00.000Z' });
    expect(known0615.entries[0]).toMatchObject({ post: '科員' });
  });

  it('the current roster does not show a recorded change before it is in force', async () => {
    const before = await rosterOf(store, 'SWD001', { kind: 'current' }, '2025-06-10T00:00:00.000Z');
    expect(before.entries[0]).toMatchObject({ post: '科員', status: 'ACTIVE' });
    const after = await rosterOf(store, 'SWD001', { kind: 'current' }, '2025-08-01T00:00:00.000Z');
    expect(after.entries[0]).toMatchObject({ post: '專員', status: 'DISABLED' });
  });

  it('bitemporal: in force on 06-30 as the ledger knew it on 07-01 (the late disable not yet known), and as known on 07-05', async () => {
    const knownBefore = await rosterOf(store, 'SWD001', { kind: 'bitemporal', at: '2025-06-30T15:59:59.999Z', knownAt: '2025-07-01T00:00:00.000Z' });
    expect(knownBefore.entries[0]).toMatchObject({ status: 'ACTIVE', post: '專員' });
    const knownAfter = await rosterOf(store, 'SWD001', { kind: 'bitemporal', at: '2025-06-30T15:59:59.999Z', knownAt: '2025-07-05T01:00:00.000Z' });
    expect(knownAfter.entries[0]).toMatchObject({ status: 'DISABLED', disabledAt: '2025-06-30T08:00:00.000Z' });
    // Known on 07-05 but asked about 06-29: neither the disable nor the move is in force yet.
    const earlier = await rosterOf(store, 'SWD001', { kind: 'bitemporal', at: '2025-06-29T15:59:59.999Z', knownAt: '2025-07-05T01:00:00.000Z' });
    expect(earlier.entries[0]).toMatchObject({ status: 'ACTIVE', post: '科員' });
  });

  it('run twice: replaying every event changes nothing', async () => {
    const { once, twice } = await projectTwice(rosterProjection, history());
    expect(twice).toEqual(once);
    expect(once.roster_accounts).toHaveLength(1);
    expect(once.roster_facts).toHaveLength(5);
  });
});
