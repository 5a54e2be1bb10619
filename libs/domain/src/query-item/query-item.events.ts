import type { DomainEvent } from '../core/decider';
import { compositeId, streamIdOf } from '../core/stream-id';

/** A query item is one operation code at one agency. */
export interface QueryItemRef {
  agencyCode: string;
  operationCode: string;
}

/** 要點 四: the annex row — legal basis, business scope and purpose — for one agency and operation code. */
export type QueryItemApplied = DomainEvent<
  'QueryItemApplied',
  QueryItemRef & { legalBasis: string; businessScope: string; purpose: string; applicationId: string; round: number }
>;

/** 要點 三(二)2: the competent authority accepted the request and forwards it to the central admin. */
export type QueryItemApprovedByCompetentAuthority = DomainEvent<'QueryItemApprovedByCompetentAuthority', QueryItemRef>;

/** 要點 三(一)2: the central admin filed it with BLI. */
export type QueryItemSubmittedToBli = DomainEvent<'QueryItemSubmittedToBli', QueryItemRef & { reference: string | null }>;

export type QueryItemApprovedByBli = DomainEvent<'QueryItemApprovedByBli', QueryItemRef & { reference: string | null }>;

/** A rejection at either review ends the round; the agency may apply again in a new one. */
export type QueryItemRefused = DomainEvent<
  'QueryItemRefused',
  QueryItemRef & { refusedBy: 'COMPETENT_AUTHORITY' | 'BLI'; reason: string; reference: string | null }
>;

/** 要點 三(一)2: the central admin changed the agency's permissions per BLI's result. */
export type QueryItemGranted = DomainEvent<'QueryItemGranted', QueryItemRef & { applicationId: string }>;

/** 要點 九(三): no longer needed, or its legal basis changed; BLI is asked to end it. */
export type QueryItemTerminated = DomainEvent<'QueryItemTerminated', QueryItemRef & { reason: string; reference: string | null }>;

/** 要點 九(三): the central admin's yearly review of an approved item's use. */
export type QueryItemUsageReviewed = DomainEvent<'QueryItemUsageReviewed', QueryItemRef & { stillNeeded: boolean; note: string | null }>;

export type QueryItemEvent =
  | QueryItemApplied
  | QueryItemApprovedByCompetentAuthority
  | QueryItemSubmittedToBli
  | QueryItemApprovedByBli
  | QueryItemRefused
  | QueryItemGranted
  | QueryItemTerminated
  | QueryItemUsageReviewed;

export const queryItemStreamId = (agencyCode: string, operationCode: string) =>
  streamIdOf('queryitem', compositeId({ agencyCode, operationCode }));
