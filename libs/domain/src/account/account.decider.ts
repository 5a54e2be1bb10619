import { assertApplicationAuthorizes } from '../application/application.rules';
import type { ApplicationKind } from '../application/application.events';
import { assertIsoDate, taipeiDateOf } from '../core/calendar';
import type { Decider } from '../core/decider';
import { NotFoundError, ValidationError } from '../core/domain-error';
import type { DutyKind } from '../core/duty';
import { isBlank, optionalText, refuse, requireCodeList, requireStatus, requireText } from '../core/guards';
import { assertItemsWithinAgency } from '../core/rules';
import { grantedOperationCodes } from '../query-item/query-item.rules';
import type { AccountCommand, CreateAccount } from './account.commands';
import type { AccountEvent, AccountHolder } from './account.events';
import { AccountKind, accountIdOf, requireAccountId } from './account.ids';
import { checkAdminHandover } from './account.rules';
import type { AccountRecord, AccountState, AccountStatus } from './account.state';

export type { AccountRecord, AccountState, AccountStatus, PendingPostChange } from './account.state';

const ADD_FORM: Record<AccountKind, ApplicationKind> = { ADMIN: 'ADMIN_ACCOUNT_ADD', USER: 'USER_ACCOUNT_ADD' };
const REMOVE_FORM: Record<AccountKind, ApplicationKind> = { ADMIN: 'ADMIN_ACCOUNT_REMOVE', USER: 'USER_ACCOUNT_REMOVE' };
const POST_CHANGE_DUTY: Record<AccountKind, { kind: DutyKind; rule: string }> = {
  ADMIN: { kind: 'DISABLE_PREDECESSOR_ADMIN', rule: '要點 六(四)' },
  USER: { kind: 'ADJUST_OR_REMOVE_MOVED_USER', rule: '要點 六(五)' },
};

export const accountDecider: Decider<AccountCommand, AccountEvent, AccountState> = {
  initialState: () => ({ status: 'NONE' }),

  evolve(state, event) {
    if (event.type === 'AccountCreated') {
      const { accountId, agencyCode, kind, incarnation, applicationId, holder, post, unit } = event.data;
      const used = state.status === 'NONE' ? [] : state.usedApplicationIds;
      return {
        status: 'ACTIVE',
        accountId,
        agencyCode,
        kind,
        incarnation,
        post,
        unit,
        personId: holder.personId,
        queryItems: [],
        usedApplicationIds: [...used, applicationId],
        pendingPostChange: null,
      };
    }
    if (state.status === 'NONE') return state;
    const settled = 'meetsDuty' in event.data && event.data.meetsDuty ? { pendingPostChange: null } : {};
    switch (event.type) {
      case 'AccountQueryItemsGranted':
        return {
          ...state,
          ...settled,
          queryItems: [...new Set([...state.queryItems, ...event.data.operationCodes])],
          usedApplicationIds: [...state.usedApplicationIds, event.data.applicationId],
        };
      case 'AccountQueryItemsRevoked':
        return { ...state, ...settled, queryItems: state.queryItems.filter((code) => !event.data.operationCodes.includes(code)) };
      case 'AccountPostChanged': {
        const { effectiveDate, successorAccountId, newPost, newUnit, duty } = event.data;
        return {
          ...state,
          post: newPost ?? state.post,
          unit: newUnit ?? state.unit,
          pendingPostChange: { effectiveDate, successorAccountId, duty: duty.kind },
        };
      }
      case 'AccountDisabled':
        return { ...state, status: 'DISABLED', pendingPostChange: null };
      case 'AccountDeleted':
        return {
          ...state,
          status: 'DELETED',
          queryItems: [],
          pendingPostChange: null,
          usedApplicationIds: [...state.usedApplicationIds, event.data.applicationId],
        };
      default:
        return state;
    }
  },

  decide(command, state, context) {
    if (command.type === 'ChangeAccountHolder') {
      refuse('ACCOUNT_NOT_TRANSFERABLE', '要點 六(一)', 'an account belongs to the person it was created for and is never handed over');
    }
    if (command.type === 'CreateAccount') return [create(command, state)];
    if (state.status === 'NONE') throw new NotFoundError('account', command.accountId);

    const { accountId } = state;
    const onlyWhen = (...allowed: AccountStatus[]) => requireStatus(state.status, allowed, 'ACCOUNT_NOT_ACTIVE', '要點 六', command.type);
    const meets = state.pendingPostChange ? { meetsDuty: state.pendingPostChange.duty } : {};

    switch (command.type) {
      case 'GrantAccountQueryItems': {
        onlyWhen('ACTIVE');
        if (state.kind !== 'USER') refuse('QUERY_ITEMS_USER_ACCOUNTS_ONLY', '要點 五(二)', 'query items are granted to user accounts');
        const operationCodes = requireCodeList(command.operationCodes, 'operationCodes');
        assertApplicationAuthorizes(command.application, {
          applicationId: command.applicationId,
          kind: 'USER_QUERY_ITEM_CHANGE',
          agencyCode: state.agencyCode,
          accountId,
          addedOperationCodes: operationCodes,
          usedApplicationIds: state.usedApplicationIds,
        });
        assertItemsWithinAgency(operationCodes, grantedOperationCodes(state.agencyCode, command.agencyQueryItems ?? []));
        return [{ type: 'AccountQueryItemsGranted', data: { accountId, operationCodes, applicationId: command.applicationId, ...meets } }];
      }

      case 'RevokeAccountQueryItems': {
        onlyWhen('ACTIVE');
        const operationCodes = requireCodeList(command.operationCodes, 'operationCodes');
        const notHeld = operationCodes.filter((code) => !state.queryItems.includes(code));
        if (notHeld.length > 0) refuse('QUERY_ITEMS_NOT_HELD', '要點 四', 'the account does not hold these query items', { operationCodes: notHeld });
        return [{ type: 'AccountQueryItemsRevoked', data: { accountId, operationCodes, reason: requireText(command.reason, 'reason'), ...meets } }];
      }

      case 'RecordAccountPostChange': {
        onlyWhen('ACTIVE');
        const duty = POST_CHANGE_DUTY[state.kind];
        // One move at a time: the earlier one's duty must be met before a new deadline is set.
        if (state.pendingPostChange) refuse('POST_CHANGE_PENDING', duty.rule, 'an earlier post change has not been acted on yet');
        assertIsoDate(command.effectiveDate, 'effectiveDate');
        return [
          {
            type: 'AccountPostChanged',
            data: {
              accountId,
              effectiveDate: command.effectiveDate,
              newPost: optionalText(command.newPost),
              newUnit: optionalText(command.newUnit),
              successorAccountId: successorFor(state, command.successorAccountId),
              duty: { ...duty, dueDate: command.effectiveDate },
              reportedLate: taipeiDateOf(context.occurredAt) > command.effectiveDate,
            },
          },
        ];
      }

      case 'DisableAccount': {
        onlyWhen('ACTIVE');
        const reason = requireText(command.reason, 'reason');
        const disabledOn = taipeiDateOf(context.occurredAt);
        const handingOver = Boolean(state.pendingPostChange?.successorAccountId);
        if (handingOver && !command.successor) {
          refuse('HANDOVER_SUCCESSOR_REQUIRED', '要點 六(四)', "the successor's account must be given to disable an administrator handing over");
        }
        const handover = command.successor ? { handover: checkAdminHandover(state, command.successor, disabledOn) } : {};
        return [{ type: 'AccountDisabled', data: { accountId, reason, disabledOn, ...handover, ...meets } }];
      }

      case 'DeleteAccount': {
        onlyWhen('ACTIVE', 'DISABLED');
        const reason = requireText(command.reason, 'reason');
        assertApplicationAuthorizes(command.application, {
          applicationId: command.applicationId,
          kind: REMOVE_FORM[state.kind],
          agencyCode: state.agencyCode,
          accountId,
          usedApplicationIds: state.usedApplicationIds,
        });
        return [{ type: 'AccountDeleted', data: { accountId, reason, applicationId: command.applicationId, ...meets } }];
      }
    }
  },
};

function create(command: CreateAccount, state: AccountState): AccountEvent {
  const { accountId, agencyCode, kind, holder, applicationId } = command;
  // The id is derived from agency, kind and holder, so the stream is the uniqueness constraint (要點 六(一)).
  if (accountId !== accountIdOf(agencyCode, kind, holder?.holderKey)) {
    refuse('ACCOUNT_ID_MISMATCH', '要點 六(一)', 'the account id must be derived from its agency, kind and holder');
  }
  const sealed: AccountHolder = {
    personId: requireText(holder.personId, 'holder.personId'),
    holderKey: holder.holderKey,
    nationalIdCiphertext: requireText(holder.nationalIdCiphertext, 'holder.nationalIdCiphertext'),
    nameCiphertext: requireText(holder.nameCiphertext, 'holder.nameCiphertext'),
  };
  if (command.certificateBound !== true) {
    refuse('CERTIFICATE_NOT_BOUND', '要點 五(一)', "the holder's MyEGov account must be bound to their citizen digital certificate");
  }
  if (isBlank(command.myEGovAccountId)) refuse('MYEGOV_ACCOUNT_REQUIRED', '要點 五(一)', 'the holder must have a MyEGov government account');

  if (state.status === 'ACTIVE' || state.status === 'DISABLED') {
    refuse('ONE_ACCOUNT_PER_PERSON', '要點 六(一)', `this person already holds a ${kind} account at this agency`, { status: state.status });
  }
  if (state.status === 'DELETED' && state.personId !== sealed.personId) {
    refuse('HOLDER_MISMATCH', '要點 六(一)', 'the account was created before for another person id');
  }
  assertApplicationAuthorizes(command.application, {
    applicationId,
    kind: ADD_FORM[kind],
    agencyCode,
    accountId,
    usedApplicationIds: state.status === 'NONE' ? [] : state.usedApplicationIds,
  });
  return {
    type: 'AccountCreated',
    data: {
      accountId,
      agencyCode,
      kind,
      incarnation: state.status === 'NONE' ? 1 : state.incarnation + 1,
      applicationId,
      holder: sealed,
      myEGovAccountId: command.myEGovAccountId.trim(),
      certificateBound: true,
      post: requireText(command.post, 'post'),
      unit: requireText(command.unit, 'unit'),
    },
  };
}

/** 要點 六(四)(一): an administrator's successor is another person's own administrator account at the same agency. */
function successorFor(state: AccountRecord, successorAccountId: string | undefined): string | null {
  if (state.kind === 'USER') {
    if (successorAccountId !== undefined) throw new ValidationError('successorAccountId', 'applies to administrator accounts only');
    return null;
  }
  if (isBlank(successorAccountId)) refuse('HANDOVER_SUCCESSOR_REQUIRED', '要點 六(四)', 'an administrator post change names the successor account');
  const successor = requireAccountId(successorAccountId, 'successorAccountId');
  if (successor.kind !== 'ADMIN' || successor.agencyCode !== state.agencyCode || successorAccountId === state.accountId) {
    refuse('HANDOVER_SUCCESSOR_INVALID', '要點 六(四)', "the successor must be another person's administrator account at the same agency");
  }
  return successorAccountId as string;
}
