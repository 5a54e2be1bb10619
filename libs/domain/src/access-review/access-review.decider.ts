import { parseAccountId, requireAccountId } from '../account/account.ids';
import type { Decider } from '../core/decider';
import { NotFoundError, ValidationError } from '../core/domain-error';
import { optionalText, refuse, requireOneOf } from '../core/guards';
import { assertIdSegment } from '../core/stream-id';
import type { AccessReviewCommand } from './access-review.commands';
import {
  ACCESS_REVIEW_ACTIONS,
  ACCESS_REVIEW_FINDINGS,
  AccessReviewAction,
  AccessReviewEvent,
  AccessReviewFinding,
  accessReviewStreamId,
} from './access-review.events';

export interface AccessReviewRecord {
  reviewId: string;
  agencyCode: string;
  findings: Record<string, { finding: AccessReviewFinding; action: AccessReviewAction }>;
}

export type AccessReviewState = { status: 'NONE' } | (AccessReviewRecord & { status: 'OPEN' | 'CLOSED' });

const RULE = '要點 六(六)';

export const accessReviewDecider: Decider<AccessReviewCommand, AccessReviewEvent, AccessReviewState> = {
  initialState: () => ({ status: 'NONE' }),

  evolve(state, event) {
    switch (event.type) {
      case 'AccessReviewOpened':
        return { status: 'OPEN', reviewId: event.data.reviewId, agencyCode: event.data.agencyCode, findings: {} };
      case 'AccessReviewFindingRecorded': {
        if (state.status === 'NONE') return state;
        const { accountId, finding, action } = event.data;
        return { ...state, findings: { ...state.findings, [accountId]: { finding, action } } };
      }
      case 'AccessReviewClosed':
        return state.status === 'NONE' ? state : { ...state, status: 'CLOSED' };
      default:
        return state;
    }
  },

  decide(command, state) {
    if (command.type === 'OpenAccessReview') {
      const { reviewId, agencyCode, reviewer } = command;
      accessReviewStreamId(reviewId);
      assertIdSegment(agencyCode, 'agencyCode');
      if (state.status !== 'NONE') refuse('ACCESS_REVIEW_ALREADY_OPENED', RULE, `access review ${reviewId} already exists`);
      // 要點 六(六) gives the review to the agency's administrator, not to whoever sends the command.
      if (reviewer.status !== 'ACTIVE' || reviewer.kind !== 'ADMIN' || reviewer.agencyCode !== agencyCode) {
        refuse('ACCESS_REVIEWER_NOT_ADMIN', RULE, "an access review is carried out by an active administrator of the agency");
      }
      return [{ type: 'AccessReviewOpened', data: { reviewId, agencyCode, reviewerAccountId: reviewer.accountId } }];
    }

    if (state.status === 'NONE') throw new NotFoundError('access review', command.reviewId);
    // The closed review is the kept record; later findings belong to the next review.
    if (state.status === 'CLOSED') refuse('ACCESS_REVIEW_CLOSED', RULE, 'the access review is closed');
    const { reviewId, agencyCode } = state;

    switch (command.type) {
      case 'RecordAccessReviewFinding': {
        requireAccountId(command.accountId);
        if (!isAgencyUser(command.accountId, agencyCode)) {
          refuse('ACCESS_REVIEW_ACCOUNT_OUT_OF_SCOPE', RULE, "the review covers the agency's user accounts");
        }
        const finding = requireOneOf(command.finding, ACCESS_REVIEW_FINDINGS, 'finding');
        const action = requireOneOf(command.action, ACCESS_REVIEW_ACTIONS, 'action');
        if (state.findings[command.accountId]) refuse('ACCESS_REVIEW_FINDING_DUPLICATE', RULE, 'this account already has a finding in this review');
        // 要點 六(六): duplicates, idle, moved, departed or retired accounts are adjusted or removed at once.
        if (finding !== 'FINE' && action === 'NONE') {
          refuse('ACCESS_REVIEW_FINDING_NEEDS_ACTION', RULE, `a ${finding} finding needs an action`, { finding });
        }
        return [
          { type: 'AccessReviewFindingRecorded', data: { reviewId, accountId: command.accountId, finding, action, note: optionalText(command.note) } },
        ];
      }

      case 'CloseAccessReview': {
        const roster = Array.isArray(command.rosterAccountIds) ? command.rosterAccountIds : [];
        if (roster.length !== command.rosterAccountIds?.length || !roster.every((id) => isAgencyUser(id, agencyCode))) {
          throw new ValidationError('rosterAccountIds', "must list the agency's user account ids");
        }
        // A review that skipped an account proves nothing about it; an agency without users may close an empty one.
        const unreviewed = roster.filter((id) => !state.findings[id]).length;
        if (unreviewed > 0) refuse('ACCESS_REVIEW_INCOMPLETE', RULE, 'every user account on the roster needs a finding', { unreviewed });
        const findings = Object.fromEntries(ACCESS_REVIEW_FINDINGS.map((f) => [f, 0])) as Record<AccessReviewFinding, number>;
        for (const { finding } of Object.values(state.findings)) findings[finding] += 1;
        return [
          { type: 'AccessReviewClosed', data: { reviewId, agencyCode, reviewedAccounts: Object.keys(state.findings).length, findings } },
        ];
      }
    }
  },
};

function isAgencyUser(accountId: string, agencyCode: string): boolean {
  const parts = parseAccountId(accountId);
  return parts?.kind === 'USER' && parts.agencyCode === agencyCode;
}
