import type { AgencyState } from '../agency/agency.decider';
import type { ApplicationState } from '../application/application.decider';
import type { QueryItemRef } from './query-item.events';

/** The handler loads `agency` and the AGENCY_QUERY_ITEM_CHANGE `application` named by `applicationId`. */
export interface ApplyForQueryItem extends QueryItemRef {
  type: 'ApplyForQueryItem';
  legalBasis: string;
  businessScope: string;
  purpose: string;
  applicationId: string;
  application: ApplicationState;
  agency: AgencyState;
}

export interface ReviewQueryItem extends QueryItemRef {
  type: 'ReviewQueryItem';
  decision: 'APPROVED' | 'REJECTED';
  reason?: string;
}

export interface SubmitQueryItemToBli extends QueryItemRef {
  type: 'SubmitQueryItemToBli';
  reference?: string;
}

export interface RecordBliResult extends QueryItemRef {
  type: 'RecordBliResult';
  result: 'APPROVED' | 'REJECTED';
  reference?: string;
  reason?: string;
}

/** The handler loads `application` from the id recorded when the item was applied for. */
export interface GrantQueryItem extends QueryItemRef {
  type: 'GrantQueryItem';
  application: ApplicationState;
}

export interface TerminateQueryItem extends QueryItemRef {
  type: 'TerminateQueryItem';
  reason: string;
  reference?: string;
}

export interface RecordQueryItemUsageReview extends QueryItemRef {
  type: 'RecordQueryItemUsageReview';
  stillNeeded: boolean;
  note?: string;
}

export type QueryItemCommand =
  | ApplyForQueryItem
  | ReviewQueryItem
  | SubmitQueryItemToBli
  | RecordBliResult
  | GrantQueryItem
  | TerminateQueryItem
  | RecordQueryItemUsageReview;
