import type { IsoDate } from '../core/calendar';
import type { DutyKind } from '../core/duty';
import type { AccountKind } from './account.ids';

export interface PendingPostChange {
  effectiveDate: IsoDate;
  successorAccountId: string | null;
  duty: DutyKind;
}

export interface AccountRecord {
  accountId: string;
  agencyCode: string;
  kind: AccountKind;
  personId: string;
  incarnation: number;
  post: string;
  unit: string;
  queryItems: string[];
  /** Forms executed on this stream, across incarnations: one form, one execution. */
  usedApplicationIds: string[];
  pendingPostChange: PendingPostChange | null;
}

/**
 * ACTIVE → DISABLED → DELETED, or ACTIVE → DELETED. A disabled account can only be deleted: it is
 * never re-enabled, because access comes back only through a new, approved creation (要點 五(二)).
 * A deleted incarnation keeps its record so a later creation can check it is the same person.
 */
export type AccountStatus = 'ACTIVE' | 'DISABLED' | 'DELETED';
export type AccountState = { status: 'NONE' } | (AccountRecord & { status: AccountStatus });
