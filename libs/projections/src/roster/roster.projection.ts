import { businessTimeOf } from '@ledger/domain';
import type { RecordedEvent } from '@ledger/event-store';
import { Projection, ReadModelWrite, upsert } from '@ledger/read-models';
import { evolveRosterEntry, ROSTER_EVENT_TYPES, RosterEntry } from './roster-entry';

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
  type: string;
  data: Record<string, unknown>;
  approvedAt: string | null;
}

export interface RosterAgencyDocument {
  agencyCode: string;
  name: string;
  role: string;
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

  async project(event: RecordedEvent, read): Promise<ReadModelWrite[]> {
    const d = event.data as Record<string, unknown>;
    switch (event.type) {
      case 'AgencyRegistered':
        return [
          upsert(ROSTER.agencies, String(d.agencyCode), {
            agencyCode: d.agencyCode,
            name: d.name,
            role: d.role,
            lastAccessReviewId: null,
            lastAccessReviewClosedAt: null,
          }),
        ];
      case 'AccessReviewClosed': {
        const agency = await read.get<RosterAgencyDocument>(ROSTER.agencies, String(d.agencyCode));
        if (!agency) return [];
        return [
          upsert(ROSTER.agencies, agency._id, {
            ...stripMeta(agency),
            lastAccessReviewId: d.reviewId,
            lastAccessReviewClosedAt: event.metadata.occurredAt,
          }),
        ];
      }
      case 'ApplicationCompleted':
        return [upsert(ROSTER.applications, String(d.applicationId), { approvedAt: event.metadata.occurredAt })];
    }
    const accountId = String(d.accountId);
    const approvedAt =
      event.type === 'AccountCreated'
        ? ((await read.get<{ approvedAt: string }>(ROSTER.applications, String(d.applicationId)))?.approvedAt ?? null)
        : null;
    const current = await read.get<RosterEntry>(ROSTER.accounts, accountId);
    const next = evolveRosterEntry(current ? stripMeta(current) : undefined, {
      type: event.type,
      occurredAt: event.metadata.occurredAt,
      data: d,
      approvedAt,
    });
    const fact: RosterFactDocument = {
      agencyCode: agencyOfAccount(accountId),
      accountId,
      position: Number(event.position),
      occurredAt: event.metadata.occurredAt,
      effectiveAt: businessTimeOf(d, event.metadata.occurredAt),
      recordedAt: event.metadata.recordedAt,
      type: event.type,
      data: d,
      approvedAt,
    };
    // Keyed by the zero-padded position: facts then append at the end of the table's key order.
    const writes: ReadModelWrite[] = [upsert(ROSTER.facts, event.position.toString().padStart(20, '0'), { ...fact })];
    if (next) writes.push(upsert(ROSTER.accounts, accountId, { ...next }));
    return writes;
  },
};
