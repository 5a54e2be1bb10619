import { isApprovedForWebIR } from '../agency/agency.decider';
import { assertApplicationAuthorizes } from '../application/application.rules';
import type { Decider } from '../core/decider';
import { NotFoundError, ValidationError } from '../core/domain-error';
import { isBlank, optionalText, refuse, requireOneOf, requireStatus, requireText } from '../core/guards';
import type { ApplyForQueryItem, QueryItemCommand } from './query-item.commands';
import { QueryItemEvent, queryItemStreamId } from './query-item.events';

export type QueryItemStatus =
  | 'APPLIED'
  | 'APPROVED_BY_COMPETENT_AUTHORITY'
  | 'SUBMITTED_TO_BLI'
  | 'APPROVED_BY_BLI'
  | 'GRANTED'
  | 'REFUSED'
  | 'TERMINATED';

export interface QueryItemRecord {
  agencyCode: string;
  operationCode: string;
  legalBasis: string;
  businessScope: string;
  purpose: string;
  /** The form of the current round. */
  applicationId: string;
  /** A refused or terminated item may be applied for again; each attempt is a round. */
  round: number;
  /** Forms already executed here: one form grants once. */
  usedApplicationIds: string[];
}

export type QueryItemState = { status: 'NONE' } | (QueryItemRecord & { status: QueryItemStatus });

const ORDER_RULE = '要點 五(二)';
const CLOSED: readonly QueryItemStatus[] = ['REFUSED', 'TERMINATED'];
const DECISIONS = ['APPROVED', 'REJECTED'] as const;

export const queryItemDecider: Decider<QueryItemCommand, QueryItemEvent, QueryItemState> = {
  initialState: () => ({ status: 'NONE' }),

  evolve(state, event) {
    const used = state.status === 'NONE' ? [] : state.usedApplicationIds;
    switch (event.type) {
      case 'QueryItemApplied':
        return { ...event.data, usedApplicationIds: used, status: 'APPLIED' };
      case 'QueryItemApprovedByCompetentAuthority':
        return withStatus(state, 'APPROVED_BY_COMPETENT_AUTHORITY');
      case 'QueryItemSubmittedToBli':
        return withStatus(state, 'SUBMITTED_TO_BLI');
      case 'QueryItemApprovedByBli':
        return withStatus(state, 'APPROVED_BY_BLI');
      case 'QueryItemRefused':
        return withStatus(state, 'REFUSED');
      case 'QueryItemGranted':
        return state.status === 'NONE' ? state : { ...state, status: 'GRANTED', usedApplicationIds: [...used, event.data.applicationId] };
      case 'QueryItemTerminated':
        return withStatus(state, 'TERMINATED');
      default:
        return state;
    }
  },

  decide(command, state) {
    const { agencyCode, operationCode } = command;
    const item = { agencyCode, operationCode };
    if (command.type === 'ApplyForQueryItem') return [apply(command, state)];

    if (state.status === 'NONE') throw new NotFoundError('query item', queryItemStreamId(agencyCode, operationCode));
    // A refusal or termination ends the round; only a new application reopens the item.
    if (CLOSED.includes(state.status)) refuse('QUERY_ITEM_CLOSED', ORDER_RULE, `the query item is ${state.status}`, { status: state.status });
    const step = (allowed: QueryItemStatus) => requireStatus(state.status, [allowed], 'QUERY_ITEM_STEP_OUT_OF_ORDER', ORDER_RULE, command.type);

    switch (command.type) {
      case 'ReviewQueryItem':
        step('APPLIED');
        return requireOneOf(command.decision, DECISIONS, 'decision') === 'APPROVED'
          ? [{ type: 'QueryItemApprovedByCompetentAuthority', data: item }]
          : [{ type: 'QueryItemRefused', data: { ...item, refusedBy: 'COMPETENT_AUTHORITY', reason: requireText(command.reason, 'reason'), reference: null } }];

      case 'SubmitQueryItemToBli':
        step('APPROVED_BY_COMPETENT_AUTHORITY');
        return [{ type: 'QueryItemSubmittedToBli', data: { ...item, reference: optionalText(command.reference) } }];

      case 'RecordBliResult': {
        step('SUBMITTED_TO_BLI');
        const reference = optionalText(command.reference);
        return requireOneOf(command.result, DECISIONS, 'result') === 'APPROVED'
          ? [{ type: 'QueryItemApprovedByBli', data: { ...item, reference } }]
          : [{ type: 'QueryItemRefused', data: { ...item, refusedBy: 'BLI', reason: requireText(command.reason, 'reason'), reference } }];
      }

      case 'GrantQueryItem':
        step('APPROVED_BY_BLI');
        // 要點 五(二): the form itself must be signed through BLI's reply, not only this item's review.
        assertApplicationAuthorizes(command.application, {
          applicationId: state.applicationId,
          kind: 'AGENCY_QUERY_ITEM_CHANGE',
          agencyCode,
          addedOperationCodes: [operationCode],
          usedApplicationIds: state.usedApplicationIds,
        });
        return [{ type: 'QueryItemGranted', data: { ...item, applicationId: state.applicationId } }];

      case 'TerminateQueryItem':
        step('GRANTED');
        return [
          { type: 'QueryItemTerminated', data: { ...item, reason: requireText(command.reason, 'reason'), reference: optionalText(command.reference) } },
        ];

      case 'RecordQueryItemUsageReview':
        step('GRANTED');
        if (typeof command.stillNeeded !== 'boolean') throw new ValidationError('stillNeeded', 'must be true or false');
        return [{ type: 'QueryItemUsageReviewed', data: { ...item, stillNeeded: command.stillNeeded, note: optionalText(command.note) } }];
    }
  },
};

function withStatus(state: QueryItemState, status: QueryItemStatus): QueryItemState {
  return state.status === 'NONE' ? state : { ...state, status };
}

function apply(command: ApplyForQueryItem, state: QueryItemState): QueryItemEvent {
  const { agencyCode, operationCode, agency, application, applicationId } = command;
  queryItemStreamId(agencyCode, operationCode);
  requireStatus(state.status, ['NONE', ...CLOSED], 'QUERY_ITEM_STEP_OUT_OF_ORDER', ORDER_RULE, 'ApplyForQueryItem');

  // 要點 四: minimisation is argued per item; an item without its basis, scope and purpose cannot be weighed.
  const justification = { legalBasis: command.legalBasis, businessScope: command.businessScope, purpose: command.purpose };
  const missing = Object.entries(justification).filter(([, value]) => isBlank(value)).map(([field]) => field);
  if (missing.length > 0) refuse('QUERY_ITEM_JUSTIFICATION_REQUIRED', '要點 四', 'legal basis, business scope and purpose are all required', { missing });

  if (!agency.registered) throw new NotFoundError('agency', agencyCode);
  if (agency.agencyCode !== agencyCode) throw new ValidationError('agency', 'must be the state of the applying agency');
  if (!isApprovedForWebIR(agency)) refuse('AGENCY_NOT_APPROVED_FOR_WEBIR', '要點 二(三)', 'the agency is not approved to use WebIR');

  const used = state.status === 'NONE' ? [] : state.usedApplicationIds;
  assertApplicationAuthorizes(application, {
    applicationId,
    kind: 'AGENCY_QUERY_ITEM_CHANGE',
    agencyCode,
    addedOperationCodes: [operationCode],
    // 要點 五(二): the agency's own supervisor signs before the request leaves the agency; the rest of the chain follows the item.
    approvedThrough: 'SUPERVISOR',
    usedApplicationIds: used,
  });

  return {
    type: 'QueryItemApplied',
    data: {
      agencyCode,
      operationCode,
      legalBasis: command.legalBasis.trim(),
      businessScope: command.businessScope.trim(),
      purpose: command.purpose.trim(),
      applicationId,
      round: state.status === 'NONE' ? 1 : state.round + 1,
    },
  };
}
