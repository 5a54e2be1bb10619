import { givenFor } from '../../testing/given-when-then';
import { accountCreated, accountState, AGENCY, idOf, KEY_B, KEY_C, OTHER_AGENCY } from '../../testing/test-fixtures';
import { accessReviewDecider } from './access-review.decider';
import type { AccessReviewEvent } from './access-review.events';

const given = givenFor(accessReviewDecider);
const NO_FINDINGS = { DUPLICATE: 0, IDLE: 0, CHANGED_DUTIES: 0, DEPARTED: 0, RETIRED: 0, FINE: 0 };
const reviewId = '2025:SWD001';
const admin = accountState([accountCreated('ADMIN', KEY_C)]);
const [userA, userB] = [idOf('USER'), idOf('USER', KEY_B)];
const opened: AccessReviewEvent = { type: 'AccessReviewOpened', data: { reviewId, agencyCode: AGENCY, reviewerAccountId: idOf('ADMIN', KEY_C) } };
const found = (accountId: string, finding: 'FINE' | 'IDLE', action: 'NONE' | 'DISABLED'): AccessReviewEvent => ({
  type: 'AccessReviewFindingRecorded',
  data: { reviewId, accountId, finding, action, note: null },
});
const closed: AccessReviewEvent = { type: 'AccessReviewClosed', data: { reviewId, agencyCode: AGENCY, reviewedAccounts: 0, findings: NO_FINDINGS } };

describe('access review decider', () => {
  it("要點 六(六): an agency administrator opens the review of the agency's user accounts", () =>
    given([]).when({ type: 'OpenAccessReview', reviewId, agencyCode: AGENCY, reviewer: admin }).then([opened]));

  it('要點 六(六): only an active administrator of the agency carries out the review', () => {
    given([]).when({ type: 'OpenAccessReview', reviewId, agencyCode: AGENCY, reviewer: accountState([accountCreated('USER', KEY_C)]) }).thenThrows('ACCESS_REVIEWER_NOT_ADMIN', '要點 六(六)');
    given([]).when({ type: 'OpenAccessReview', reviewId, agencyCode: OTHER_AGENCY, reviewer: admin }).thenThrows('ACCESS_REVIEWER_NOT_ADMIN');
  });

  it('要點 六(六): a finding records the account, what was found and the action taken', () =>
    given([opened])
      .when({ type: 'RecordAccessReviewFinding', reviewId, accountId: userA, finding: 'DEPARTED', action: 'REMOVED', note: '114/05 離職' })
      .then([{ type: 'AccessReviewFindingRecorded', data: { reviewId, accountId: userA, finding: 'DEPARTED', action: 'REMOVED', note: '114/05 離職' } }]));

  it('要點 六(六): a duplicate, idle, moved, departed or retired account needs an action, not NONE', () =>
    given([opened]).when({ type: 'RecordAccessReviewFinding', reviewId, accountId: userA, finding: 'IDLE', action: 'NONE' }).thenThrows('ACCESS_REVIEW_FINDING_NEEDS_ACTION', '要點 六(六)'));

  it('要點 六(六): a FINE account needs no action', () =>
    given([opened]).when({ type: 'RecordAccessReviewFinding', reviewId, accountId: userA, finding: 'FINE', action: 'NONE' }).then([found(userA, 'FINE', 'NONE')]));

  it("要點 六(六): the review covers this agency's user accounts only", () => {
    given([opened]).when({ type: 'RecordAccessReviewFinding', reviewId, accountId: idOf('USER', KEY_B, OTHER_AGENCY), finding: 'FINE', action: 'NONE' }).thenThrows('ACCESS_REVIEW_ACCOUNT_OUT_OF_SCOPE');
    given([opened]).when({ type: 'RecordAccessReviewFinding', reviewId, accountId: idOf('ADMIN'), finding: 'FINE', action: 'NONE' }).thenThrows('ACCESS_REVIEW_ACCOUNT_OUT_OF_SCOPE');
  });

  it('要點 六(六): an account gets one finding per review', () =>
    given([opened, found(userA, 'FINE', 'NONE')]).when({ type: 'RecordAccessReviewFinding', reviewId, accountId: userA, finding: 'IDLE', action: 'DISABLED' }).thenThrows('ACCESS_REVIEW_FINDING_DUPLICATE'));

  it('要點 六(六): the review closes once every account on the roster has a finding, with counts for the kept record', () =>
    given([opened, found(userA, 'FINE', 'NONE'), found(userB, 'IDLE', 'DISABLED')])
      .when({ type: 'CloseAccessReview', reviewId, rosterAccountIds: [userA, userB] })
      .then([{ type: 'AccessReviewClosed', data: { reviewId, agencyCode: AGENCY, reviewedAccounts: 2, findings: { ...NO_FINDINGS, FINE: 1, IDLE: 1 } } }]));

  it('要點 六(六): a review that skipped an account on the roster cannot close', () =>
    given([opened, found(userA, 'FINE', 'NONE')]).when({ type: 'CloseAccessReview', reviewId, rosterAccountIds: [userA, userB] }).thenThrows('ACCESS_REVIEW_INCOMPLETE', '要點 六(六)'));

  it('要點 六(六): an agency with no user accounts closes an empty review', () =>
    given([opened]).when({ type: 'CloseAccessReview', reviewId, rosterAccountIds: [] }).then([closed]));

  it('要點 六(六): nothing is recorded in a closed review', () =>
    given([opened, closed]).when({ type: 'RecordAccessReviewFinding', reviewId, accountId: userA, finding: 'FINE', action: 'NONE' }).thenThrows('ACCESS_REVIEW_CLOSED', '要點 六(六)'));

  it('要點 六(六): a review is opened once', () =>
    given([opened]).when({ type: 'OpenAccessReview', reviewId, agencyCode: AGENCY, reviewer: admin }).thenThrows('ACCESS_REVIEW_ALREADY_OPENED'));
});
