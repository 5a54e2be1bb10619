import type { DomainEvent } from '../core/decider';
import { streamIdOf } from '../core/stream-id';

/** 要點 六(六): what a review may find about a user account. */
export const ACCESS_REVIEW_FINDINGS = ['DUPLICATE', 'IDLE', 'CHANGED_DUTIES', 'DEPARTED', 'RETIRED', 'FINE'] as const;
export type AccessReviewFinding = (typeof ACCESS_REVIEW_FINDINGS)[number];

export const ACCESS_REVIEW_ACTIONS = ['NONE', 'ADJUSTED', 'REMOVED', 'DISABLED'] as const;
export type AccessReviewAction = (typeof ACCESS_REVIEW_ACTIONS)[number];

export type AccessReviewOpened = DomainEvent<'AccessReviewOpened', { reviewId: string; agencyCode: string; reviewerAccountId: string }>;

export type AccessReviewFindingRecorded = DomainEvent<
  'AccessReviewFindingRecorded',
  { reviewId: string; accountId: string; finding: AccessReviewFinding; action: AccessReviewAction; note: string | null }
>;

/**
 * The counts make the closed review readable as the record 要點 六(六) keeps five years. Schema v2:
 * every finding has its count, zero included (v1 left out the findings not made; see the event registry).
 */
export type AccessReviewClosed = DomainEvent<
  'AccessReviewClosed',
  { reviewId: string; agencyCode: string; reviewedAccounts: number; findings: Record<AccessReviewFinding, number> }
>;

export type AccessReviewEvent = AccessReviewOpened | AccessReviewFindingRecorded | AccessReviewClosed;

export const accessReviewStreamId = (reviewId: string) => streamIdOf('accessreview', reviewId);
