import type { DomainEvent } from '../core/decider';
import { streamIdOf } from '../core/stream-id';

/**
 * 要點 九(一) 3: the query subject (被查詢者查詢條件) as events may hold it. `personId` is the ledger's
 * random person id (the same one holder data uses), so reconciliation and 政風 can match queries about
 * one person without the number; the ciphertext is under that person's data key and is erased with it.
 * Neither is derived from the number, and neither is ever part of a stream id or an API response.
 */
export interface ProtectedQuerySubject {
  personId: string;
  nationalIdCiphertext: string;
}

/** 查詢資料登記表 (要點 九(一)): recorded before the query is made. */
export type QueryRegistered = DomainEvent<
  'QueryRegistered',
  {
    registrationId: string;
    agencyCode: string;
    accountId: string;
    operationCode: string;
    /** UTC instant; the sender gave it with its offset (Asia/Taipei months and days derive from it). */
    plannedAt: string;
    caseNumber: string;
    reason: string;
    subject: ProtectedQuerySubject;
  }
>;

export type QueryRegistrationEvent = QueryRegistered;

/**
 * One stream per registration: a query registration is written once and never grows, and
 * millions of them a year spread over as many streams instead of one hot stream per agency.
 */
export const queryRegistrationStreamId = (registrationId: string) => streamIdOf('queryregistration', registrationId);
