import { requireAccountId } from '../account/account.ids';
import type { Decider } from '../core/decider';
import { NotFoundError, ValidationError } from '../core/domain-error';
import { refuse, requireCodeList, requireText } from '../core/guards';
import { assertIdSegment } from '../core/stream-id';
import type { ApplicationCommand, SubmitApplication } from './application.commands';
import {
  ACCOUNT_KIND_OF,
  APPLICATION_CHAINS,
  APPLICATION_KINDS,
  ApplicationEvent,
  ApplicationKind,
  ApprovalStep,
  applicationStreamId,
  Executor,
  ITEM_CHANGE_KINDS,
  QueryItemChanges,
} from './application.events';

export interface ApplicationRecord {
  applicationId: string;
  agencyCode: string;
  kind: ApplicationKind;
  chain: ApprovalStep[];
  executor: Executor;
  accountId?: string;
  queryItems?: QueryItemChanges;
  approvals: { step: ApprovalStep; signedBy: string; signedAt: string; signedFor?: string }[];
}

/** COMPLETE: every step of the chain approved; the form may now be executed. */
export type ApplicationStatus = 'PENDING' | 'COMPLETE' | 'REJECTED';
export type ApplicationState = { status: 'NONE' } | (ApplicationRecord & { status: ApplicationStatus });

export const applicationDecider: Decider<ApplicationCommand, ApplicationEvent, ApplicationState> = {
  initialState: () => ({ status: 'NONE' }),

  evolve(state, event) {
    switch (event.type) {
      case 'ApplicationSubmitted':
        return { ...event.data, status: 'PENDING', approvals: [] };
      case 'ApplicationStepApproved': {
        if (state.status === 'NONE') return state;
        const { step, signedBy, signedAt, signedFor } = event.data;
        return { ...state, approvals: [...state.approvals, { step, signedBy, signedAt, ...(signedFor !== undefined && { signedFor }) }] };
      }
      case 'ApplicationStepRejected':
        return state.status === 'NONE' ? state : { ...state, status: 'REJECTED' };
      case 'ApplicationCompleted':
        return state.status === 'NONE' ? state : { ...state, status: 'COMPLETE' };
      default:
        return state;
    }
  },

  decide(command, state, context) {
    if (command.type === 'SubmitApplication') {
      // 要點 五(三): a filed form and its sign-offs are kept as they were; a second filing would blur them.
      if (state.status !== 'NONE') refuse('APPLICATION_ALREADY_SUBMITTED', '要點 五(三)', `application ${command.applicationId} is already submitted`);
      const subject = subjectOf(command);
      const { steps, executor } = APPLICATION_CHAINS[subject.kind];
      return [{ type: 'ApplicationSubmitted', data: { ...subject, chain: [...steps], executor } }];
    }

    if (state.status === 'NONE') throw new NotFoundError('application', command.applicationId);
    // 要點 五(二): a rejection ends the form; a completed one needs no further sign-off.
    if (state.status !== 'PENDING') refuse('APPLICATION_CLOSED', '要點 五(二)', `application is ${state.status}`, { status: state.status });
    const expected = state.chain[state.approvals.length];
    if (command.step !== expected) {
      refuse('APPLICATION_STEP_OUT_OF_ORDER', '要點 五(二)', `the next sign-off is ${expected}`, { expected, received: command.step });
    }
    // 要點 三: which body signed, not only which key; the caller has checked the signer acts for it.
    const signedFor = command.signedFor === undefined ? {} : { signedFor: assertIdSegmentValue(command.signedFor, 'signedFor') };
    const signature = { applicationId: state.applicationId, step: command.step, signedBy: context.actor, signedAt: context.occurredAt.toISOString(), ...signedFor };

    switch (command.type) {
      case 'ApproveApplicationStep': {
        const last = state.approvals.length + 1 === state.chain.length;
        return [
          { type: 'ApplicationStepApproved', data: signature },
          ...(last ? [{ type: 'ApplicationCompleted' as const, data: { applicationId: state.applicationId } }] : []),
        ];
      }
      case 'RejectApplicationStep':
        return [{ type: 'ApplicationStepRejected', data: { ...signature, reason: requireText(command.reason, 'reason') } }];
    }
  },
};

/** What the form is about; only the fields its kind uses are accepted, so nothing is silently dropped. */
function subjectOf(command: SubmitApplication) {
  const { applicationId, agencyCode, kind, accountId, queryItems } = command;
  applicationStreamId(applicationId);
  assertIdSegment(agencyCode, 'agencyCode');
  if (!APPLICATION_KINDS.includes(kind)) throw new ValidationError('kind', `must be one of ${APPLICATION_KINDS.join(', ')}`);

  const accountKind = ACCOUNT_KIND_OF[kind];
  if (accountKind) {
    const parts = requireAccountId(accountId);
    if (parts.agencyCode !== agencyCode || parts.kind !== accountKind) {
      throw new ValidationError('accountId', `must be a ${accountKind} account of the applying agency`);
    }
  } else if (accountId !== undefined) {
    throw new ValidationError('accountId', `does not apply to ${kind}`);
  }

  if (ITEM_CHANGE_KINDS.includes(kind)) {
    const add = queryItems?.add?.length ? requireCodeList(queryItems.add, 'queryItems.add') : [];
    const remove = queryItems?.remove?.length ? requireCodeList(queryItems.remove, 'queryItems.remove') : [];
    if (add.length + remove.length === 0) throw new ValidationError('queryItems', 'must add or remove at least one operation code');
    if (add.some((code) => remove.includes(code))) throw new ValidationError('queryItems', 'cannot add and remove the same operation code');
    return { applicationId, agencyCode, kind, ...(accountId !== undefined && { accountId }), queryItems: { add, remove } };
  }
  if (queryItems !== undefined) throw new ValidationError('queryItems', `does not apply to ${kind}`);
  return { applicationId, agencyCode, kind, ...(accountId !== undefined && { accountId }) };
}

function assertIdSegmentValue(value: string, field: string): string {
  assertIdSegment(value, field);
  return value;
}
