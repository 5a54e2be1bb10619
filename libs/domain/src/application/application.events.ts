import type { AccountKind } from '../account/account.ids';
import type { DomainEvent } from '../core/decider';
import { streamIdOf } from '../core/stream-id';

/** 要點 五(二): the forms an agency files. */
export const APPLICATION_KINDS = [
  'ADMIN_ACCOUNT_ADD',
  'ADMIN_ACCOUNT_REMOVE',
  'AGENCY_QUERY_ITEM_CHANGE',
  'USER_ACCOUNT_ADD',
  'USER_ACCOUNT_REMOVE',
  'USER_QUERY_ITEM_CHANGE',
] as const;
export type ApplicationKind = (typeof APPLICATION_KINDS)[number];

export const APPROVAL_STEPS = ['SUPERVISOR', 'COMPETENT_AUTHORITY', 'CENTRAL_ADMIN', 'BLI'] as const;
export type ApprovalStep = (typeof APPROVAL_STEPS)[number];

/** Who carries out an application once its chain is complete; the execution is the account or query-item event itself. */
export type Executor = 'CENTRAL_ADMIN' | 'AGENCY_ADMIN';

/**
 * 要點 三、五(二): sign-offs each kind needs before it may take effect, in order. For user forms the
 * supervisor's approval is enough (五(二) 但書). The central admin executes administrator forms on the
 * competent authority's review (三(一)1), but is itself a step for agency items: it files them with BLI (三(一)2).
 */
export const APPLICATION_CHAINS: Record<ApplicationKind, { steps: readonly ApprovalStep[]; executor: Executor }> = {
  ADMIN_ACCOUNT_ADD: { steps: ['SUPERVISOR', 'COMPETENT_AUTHORITY'], executor: 'CENTRAL_ADMIN' },
  ADMIN_ACCOUNT_REMOVE: { steps: ['SUPERVISOR', 'COMPETENT_AUTHORITY'], executor: 'CENTRAL_ADMIN' },
  AGENCY_QUERY_ITEM_CHANGE: { steps: ['SUPERVISOR', 'COMPETENT_AUTHORITY', 'CENTRAL_ADMIN', 'BLI'], executor: 'CENTRAL_ADMIN' },
  USER_ACCOUNT_ADD: { steps: ['SUPERVISOR'], executor: 'AGENCY_ADMIN' },
  USER_ACCOUNT_REMOVE: { steps: ['SUPERVISOR'], executor: 'AGENCY_ADMIN' },
  USER_QUERY_ITEM_CHANGE: { steps: ['SUPERVISOR'], executor: 'AGENCY_ADMIN' },
};

/** The account kind an account form concerns; the item-change forms of users concern an account too. */
export const ACCOUNT_KIND_OF: Partial<Record<ApplicationKind, AccountKind>> = {
  ADMIN_ACCOUNT_ADD: 'ADMIN',
  ADMIN_ACCOUNT_REMOVE: 'ADMIN',
  USER_ACCOUNT_ADD: 'USER',
  USER_ACCOUNT_REMOVE: 'USER',
  USER_QUERY_ITEM_CHANGE: 'USER',
};

export const ITEM_CHANGE_KINDS: readonly ApplicationKind[] = ['AGENCY_QUERY_ITEM_CHANGE', 'USER_QUERY_ITEM_CHANGE'];

export interface QueryItemChanges {
  add: string[];
  remove: string[];
}

/** The chain is stored with the form, so a later change to APPLICATION_CHAINS never rewrites what an old form needed. */
export type ApplicationSubmitted = DomainEvent<
  'ApplicationSubmitted',
  {
    applicationId: string;
    agencyCode: string;
    kind: ApplicationKind;
    chain: ApprovalStep[];
    executor: Executor;
    /** Account forms: the account concerned (its id names agency, kind and holder). */
    accountId?: string;
    /** Item-change forms: the operation codes to add and to remove. */
    queryItems?: QueryItemChanges;
  }
>;

// Unlike other events, sign-offs carry who and when in their data: they are the records 要點 五(三) keeps five years.
export type ApplicationStepApproved = DomainEvent<
  'ApplicationStepApproved',
  { applicationId: string; step: ApprovalStep; signedBy: string; signedAt: string; signedFor?: string }
>;

export type ApplicationStepRejected = DomainEvent<
  'ApplicationStepRejected',
  { applicationId: string; step: ApprovalStep; signedBy: string; signedAt: string; signedFor?: string; reason: string }
>;

/** Emitted with the last approval, so readers need not know the chain to tell a form may be executed. */
export type ApplicationCompleted = DomainEvent<'ApplicationCompleted', { applicationId: string }>;

export type ApplicationEvent = ApplicationSubmitted | ApplicationStepApproved | ApplicationStepRejected | ApplicationCompleted;

export const applicationStreamId = (applicationId: string) => streamIdOf('application', applicationId);
