import type { Projection } from '@ledger/read-models';
import { upsert } from '@ledger/read-models';
import { asLedgerRecorded, type RecordedOf } from '../ledger-events';
import { taipeiDate } from '../time';

export const QUERY_REGISTRATIONS = 'query_registrations';

/**
 * One document per registration (要點 九(一)), for the reads by agency, account, Taipei month and
 * case number. The subject is left out entirely, person id included: these reads go to
 * integrators too, and a person id would let them link queries about one person.
 */
export interface QueryRegistrationDocument {
  registrationId: string;
  agencyCode: string;
  accountId: string;
  operationCode: string;
  /** UTC instant. */
  plannedAt: string;
  /** YYYY-MM of plannedAt in Asia/Taipei: the month a WebIR log covers. */
  month: string;
  caseNumber: string;
  reason: string;
  /** Ledger time the registration was recorded. */
  registeredAt: string;
  position: string;
}

export const queryRegistrationsProjection: Projection = {
  name: 'query_registrations',
  collections: [QUERY_REGISTRATIONS],
  // Pages are keyed by registrationId within each filter, so every index ends with it.
  indexes: {
    [QUERY_REGISTRATIONS]: [
      { fields: ['agencyCode', 'month', 'registrationId'] },
      { fields: ['accountId', 'month', 'registrationId'] },
      { fields: ['agencyCode', 'caseNumber', 'registrationId'] },
    ],
  },
  handles: (type) => type === 'QueryRegistered',
  project(event) {
    const e = asLedgerRecorded(event) as RecordedOf<'QueryRegistered'>;
    const { registrationId, agencyCode, accountId, operationCode, plannedAt, caseNumber, reason } = e.data;
    const doc: QueryRegistrationDocument = {
      registrationId,
      agencyCode,
      accountId,
      operationCode,
      plannedAt,
      month: taipeiDate(plannedAt).slice(0, 7),
      caseNumber,
      reason,
      registeredAt: e.metadata.recordedAt,
      position: e.position.toString(),
    };
    return [upsert(QUERY_REGISTRATIONS, registrationId, { ...doc })];
  },
};
