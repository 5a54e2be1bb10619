import type { AgencyRole } from '@ledger/domain';
import { businessTimeOf } from '../time';
import { Projection, ReadModelWrite, upsert } from '@ledger/read-models';
import { asLedgerRecorded } from '../ledger-events';
import { evolveRosterEntry, isRosterEvent, ROSTER_EVENT_TYPES, RosterEntry, RosterEvent } from './roster-entry';

export const ROSTER = {
  accounts: 'roster_accounts',
  /** Every account fact with both its times, for the roster "as of" any business date or ledger time. */
  facts: 'roster_facts',
  applications: 'roster_applications',
  agencies: 'roster_agencies',
} as const;

export interface RosterFactDocument {
  agencyCode: string;
  accountId: string;
  position: number;
  occurredAt: string;
  /** Business time: when the fact comes into force (its effective date's Taipei day, else occurredAt). */
  effectiveAt: string;
  recordedAt: string;
  type: RosterEvent['type'];
  data: RosterEvent['data'];
  approvedAt: string | null;
}

export interface RosterAgencyDocument {
  agencyCode: string;
  name: string;
  role: AgencyRole;
  lastAccessReviewId: string | null;
  lastAccessReviewClosedAt: string | null;
}

const HANDLED = new Set<string>([...ROSTER_EVENT_TYPES, 'ApplicationCompleted', 'AgencyRegistered', 'AccessReviewClosed']);

/** The agency code is the first segment of an account id (`SWD001.USER.<holderKey>`). */
export const agencyOfAccount = (accountId: string) => accountId.split('.')[0];

export function stripMeta<T extends object>(doc: T & { _id: string; _position: string }): T {
  const { _id, _position, ...rest } = doc;
  return rest as unknown as T;
}

export const rosterProjection: Projection = {
  name: 'roster',
  collections: [ROSTER.accounts, ROSTER.facts, ROSTER.applications, ROSTER.agencies],
  indexes: {
    [ROSTER.accounts]: [{ fields: ['agencyCode', 'kind'] }],
    [ROSTER.facts]: [{ fields: ['agencyCode', 'effectiveAt'] }, { fields: ['agencyCode', 'recordedAt'] }],
  },
  handles: (type) => HANDLED.has(type),

  async project(recorded, read): Promise<ReadModelWrite[]> {
    const event = asLedgerRecorded(recorded);
    switch (event.type) {
      case 'AgencyRegistered': {
        const { agencyCode, name, role } = event.data;
        const agency: RosterAgencyDocument = { agencyCode, name, role, lastAccessReviewId: null, lastAccessReviewClosedAt: null };
        return [upsert(ROSTER.agencies, agencyCode, { ...agency })];
      }
      case 'AccessReviewClosed': {
        const agency = await read.get<RosterAgencyDocument>(ROSTER.agencies, event.data.agencyCode);
        if (!agency) return [];
        return [
          upsert(ROSTER.agencies, agency._id, {
            ...stripMeta(agency),
            lastAccessReviewId: event.data.reviewId,
            lastAccessReviewClosedAt: event.metadata.occurredAt,
          }),
        ];
      }
      case 'ApplicationCompleted':
        return [upsert(ROSTER.applications, event.data.applicationId, { approvedAt: event.metadata.occurredAt })];
      default:
        break; // account facts, below
    }
    if (!isRosterEvent(event)) return [];
    const { accountId } = event.data;
    const approvedAt =
      event.type === 'AccountCreated'
        ? ((await read.get<{ approvedAt: string }>(ROSTER.applications, event.data.applicationId))?.approvedAt ?? null)
        : null;
    const current = await read.get<RosterEntry>(ROSTER.accounts, accountId);
    const next = evolveRosterEntry(current ? stripMeta(current) : undefined, { ...event, occurredAt: event.metadata.occurredAt, approvedAt });
    const fact: RosterFactDocument = {
      agencyCode: agencyOfAccount(accountId),
      accountId,
      position: Number(event.position),
      occurredAt: event.metadata.occurredAt,
      effectiveAt: businessTimeOf(event.data, event.metadata.occurredAt),
      recordedAt: event.metadata.recordedAt,
      type: event.type,
      data: event.data,
      approvedAt,
    };
    // Keyed by the zero-padded position: facts then append at the end of the table's key order.
    const writes: ReadModelWrite[] = [upsert(ROSTER.facts, event.position.toString().padStart(20, '0'), { ...fact })];
    if (next) writes.push(upsert(ROSTER.accounts, accountId, { ...next }));
    return writes;
  },
};
