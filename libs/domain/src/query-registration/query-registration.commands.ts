import type { AccountState } from '../account/account.decider';
import type { ProtectedQuerySubject } from './query-registration.events';

/**
 * The handler passes the account as it stood at `plannedAt` and the operation codes granted to the
 * agency, both read from other streams, so the rules stay pure. The subject arrives already
 * validated and protected: the domain never sees the number.
 */
export interface RegisterQuery {
  type: 'RegisterQuery';
  registrationId: string;
  agencyCode: string;
  accountId: string;
  operationCode: string;
  /** ISO-8601 with a UTC offset. */
  plannedAt: string;
  caseNumber: string;
  reason: string;
  subject: ProtectedQuerySubject;
  account: AccountState;
  agencyOperationCodes: readonly string[];
}

export type QueryRegistrationCommand = RegisterQuery;
