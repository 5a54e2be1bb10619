import type { ApplicationState } from '../application/application.decider';
import type { IsoDate } from '../core/calendar';
import type { QueryItemState } from '../query-item/query-item.decider';
import type { AccountState } from './account.state';
import type { AccountHolder } from './account.events';
import type { AccountKind } from './account.ids';

/**
 * Fields typed `…State` are not sent by clients: the handler folds the named stream and passes
 * its state in, so the decision stays pure and every cross-stream rule is tested here.
 */
export interface CreateAccount {
  type: 'CreateAccount';
  /** `accountIdOf(agencyCode, kind, holder.holderKey)`. */
  accountId: string;
  agencyCode: string;
  kind: AccountKind;
  applicationId: string;
  /** State of `application-<applicationId>`. */
  application: ApplicationState;
  holder: AccountHolder;
  myEGovAccountId: string;
  certificateBound: boolean;
  post: string;
  unit: string;
}

export interface GrantAccountQueryItems {
  type: 'GrantAccountQueryItems';
  accountId: string;
  operationCodes: string[];
  applicationId: string;
  application: ApplicationState;
  /** States of `queryitem-<agencyCode>.<code>` for each code in `operationCodes`. */
  agencyQueryItems: QueryItemState[];
}

/** Least privilege is never blocked by paperwork (要點 六(五)(六)): revoking needs a reason, not a form. */
export interface RevokeAccountQueryItems {
  type: 'RevokeAccountQueryItems';
  accountId: string;
  operationCodes: string[];
  reason: string;
}

export interface RecordAccountPostChange {
  type: 'RecordAccountPostChange';
  accountId: string;
  effectiveDate: IsoDate;
  newPost?: string;
  newUnit?: string;
  /** Required for administrators (要點 六(四)); not accepted for users. */
  successorAccountId?: string;
}

export interface DisableAccount {
  type: 'DisableAccount';
  accountId: string;
  reason: string;
  /** During an administrator handover: state of the successor account named by the post change. */
  successor?: AccountState;
}

export interface DeleteAccount {
  type: 'DeleteAccount';
  accountId: string;
  reason: string;
  applicationId: string;
  application: ApplicationState;
}

/** Exists to be refused with a coded reason: an account is never handed to another person (要點 六(一)). */
export interface ChangeAccountHolder {
  type: 'ChangeAccountHolder';
  accountId: string;
  personId: string;
}

export type AccountCommand =
  | CreateAccount
  | GrantAccountQueryItems
  | RevokeAccountQueryItems
  | RecordAccountPostChange
  | DisableAccount
  | DeleteAccount
  | ChangeAccountHolder;
