/**
 * Test-only builders of the states a handler would pass in from other streams. They fold real
 * events through the real deciders, so a cross-stream test breaks if either side's rules change.
 */
import { AccountState, accountDecider } from '../src/account/account.decider';
import type { AccountEvent, AccountHolder } from '../src/account/account.events';
import { AccountKind, accountIdOf } from '../src/account/account.ids';
import { AgencyState, agencyDecider } from '../src/agency/agency.decider';
import type { AgencyEvent, AgencyRole } from '../src/agency/agency.events';
import { ApplicationState, applicationDecider } from '../src/application/application.decider';
import { APPLICATION_CHAINS, ApplicationEvent, ApplicationKind, QueryItemChanges } from '../src/application/application.events';
import { QueryItemState, queryItemDecider } from '../src/query-item/query-item.decider';
import type { QueryItemEvent } from '../src/query-item/query-item.events';
import { fold } from '../src/core/decider';

export const AGENCY = 'SWD001';
export const OTHER_AGENCY = 'DIST002';
export const KEY_A = 'a1'.repeat(32);
export const KEY_B = 'b2'.repeat(32);
export const KEY_C = 'c3'.repeat(32);

export const holderOf = (holderKey: string, personId = `person:${holderKey.slice(0, 4)}`): AccountHolder => ({
  personId,
  holderKey,
  nationalIdCiphertext: `enc:nid:${holderKey.slice(0, 6)}`,
  nameCiphertext: `enc:name:${holderKey.slice(0, 6)}`,
});

export const idOf = (kind: AccountKind, holderKey = KEY_A, agencyCode = AGENCY) => accountIdOf(agencyCode, kind, holderKey);

export const agencyEvents = (role: AgencyRole = 'DATA_REQUESTER', agencyCode = AGENCY): AgencyEvent[] => [
  { type: 'AgencyRegistered', data: { agencyCode, name: '社會局', role } },
];
export const agencyState = (events: AgencyEvent[]): AgencyState => fold(agencyDecider, events);

export interface ApplicationOptions {
  applicationId?: string;
  agencyCode?: string;
  accountId?: string;
  queryItems?: QueryItemChanges;
  /** How many steps of the chain are approved; default all. */
  approved?: number;
  rejected?: boolean;
}

export function applicationEvents(kind: ApplicationKind, options: ApplicationOptions = {}): ApplicationEvent[] {
  const { applicationId = 'app_1', agencyCode = AGENCY, accountId, queryItems } = options;
  const { steps, executor } = APPLICATION_CHAINS[kind];
  const approved = options.approved ?? steps.length;
  const signed = (i: number) => ({ applicationId, step: steps[i], signedBy: `signer:${i}`, signedAt: '2025-06-0' + (i + 1) + 'T01:00:00.000Z' });
  const events: ApplicationEvent[] = [
    {
      type: 'ApplicationSubmitted',
      data: { applicationId, agencyCode, kind, chain: [...steps], executor, ...(accountId && { accountId }), ...(queryItems && { queryItems }) },
    },
  ];
  for (let i = 0; i < approved; i++) events.push({ type: 'ApplicationStepApproved', data: signed(i) });
  if (approved === steps.length) events.push({ type: 'ApplicationCompleted', data: { applicationId } });
  if (options.rejected) events.push({ type: 'ApplicationStepRejected', data: { ...signed(approved), reason: 'not needed' } });
  return events;
}
export const applicationState = (kind: ApplicationKind, options: ApplicationOptions = {}): ApplicationState =>
  fold(applicationDecider, applicationEvents(kind, options));

export function grantedItemEvents(operationCode: string, agencyCode = AGENCY, applicationId = 'app_items'): QueryItemEvent[] {
  const item = { agencyCode, operationCode };
  return [
    { type: 'QueryItemApplied', data: { ...item, legalBasis: '社會救助法第44條之3', businessScope: '低收入戶審核', purpose: '資格審查', applicationId, round: 1 } },
    { type: 'QueryItemApprovedByCompetentAuthority', data: item },
    { type: 'QueryItemSubmittedToBli', data: { ...item, reference: null } },
    { type: 'QueryItemApprovedByBli', data: { ...item, reference: null } },
    { type: 'QueryItemGranted', data: { ...item, applicationId } },
  ];
}
export const queryItemState = (events: QueryItemEvent[]): QueryItemState => fold(queryItemDecider, events);

export function accountCreated(kind: AccountKind, holderKey = KEY_A, agencyCode = AGENCY, applicationId = 'app_add'): AccountEvent {
  return {
    type: 'AccountCreated',
    data: {
      accountId: accountIdOf(agencyCode, kind, holderKey),
      agencyCode,
      kind,
      incarnation: 1,
      applicationId,
      holder: holderOf(holderKey),
      myEGovAccountId: `egov:${holderKey.slice(0, 4)}`,
      certificateBound: true,
      post: '科員',
      unit: '社會救助科',
    },
  };
}
export const accountState = (events: AccountEvent[]): AccountState => fold(accountDecider, events);
