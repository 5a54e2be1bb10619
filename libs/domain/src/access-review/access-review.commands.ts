import type { AccountState } from '../account/account.decider';
import type { AccessReviewAction, AccessReviewFinding } from './access-review.events';

/** The handler passes the reviewing administrator's account state (`reviewer`). */
export interface OpenAccessReview {
  type: 'OpenAccessReview';
  reviewId: string;
  agencyCode: string;
  reviewer: AccountState;
}

export interface RecordAccessReviewFinding {
  type: 'RecordAccessReviewFinding';
  reviewId: string;
  accountId: string;
  finding: AccessReviewFinding;
  action: AccessReviewAction;
  note?: string;
}

/** The handler passes the ids of the agency's user accounts active at closing (the roster). */
export interface CloseAccessReview {
  type: 'CloseAccessReview';
  reviewId: string;
  rosterAccountIds: string[];
}

export type AccessReviewCommand = OpenAccessReview | RecordAccessReviewFinding | CloseAccessReview;
