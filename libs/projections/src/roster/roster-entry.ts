import type { AccountKind, AccountStatus, LedgerEvent } from '@ledger/domain';

/**
 * One line of the 使用者清冊 (要點 十二(五)). The same pure fold builds today's roster (in the
 * projection) and the roster as of any past time (over the indexed account facts), so the two
 * can never disagree about what an event means.
 */
export interface RosterEntry {
  accountId: string;
  agencyCode: string;
  kind: AccountKind;
  status: AccountStatus;
  incarnation: number;
  personId: string;
  holderKey: string;
  nationalIdCiphertext: string;
  nameCiphertext: string;
  myEGovAccountId: string;
  post: string;
  unit: string;
  queryItems: string[];
  applicationId: string;
  createdAt: string;
  approvedAt: string | null;
  disabledAt: string | null;
  deletedAt: string | null;
  lastReviewId: string | null;
  lastReviewedAt: string | null;
  lastReviewFinding: string | null;
}

export const ROSTER_EVENT_TYPES = [
  'AccountCreated',
  'AccountQueryItemsGranted',
  'AccountQueryItemsRevoked',
  'AccountPostChanged',
  'AccountDisabled',
  'AccountDeleted',
  'AccessReviewFindingRecorded',
] as const satisfies readonly LedgerEvent['type'][];

export type RosterEvent = Extract<LedgerEvent, { type: (typeof ROSTER_EVENT_TYPES)[number] }>;

const ROSTER_TYPES: ReadonlySet<string> = new Set(ROSTER_EVENT_TYPES);
export const isRosterEvent = <E extends { type: string }>(event: E): event is Extract<E, { type: RosterEvent['type'] }> => ROSTER_TYPES.has(event.type);

/** An account event the roster folds (the domain's payload), with when it happened. */
export type RosterFact = RosterEvent & {
  occurredAt: string;
  /** For AccountCreated: when its application's approval chain completed. */
  approvedAt?: string | null;
};

export function evolveRosterEntry(entry: RosterEntry | undefined, fact: RosterFact): RosterEntry | undefined {
  if (fact.type === 'AccountCreated') {
    const d = fact.data;
    const { holder } = d;
    return {
      accountId: d.accountId,
      agencyCode: d.agencyCode,
      kind: d.kind,
      status: 'ACTIVE',
      incarnation: d.incarnation,
      personId: holder.personId,
      holderKey: holder.holderKey,
      nationalIdCiphertext: holder.nationalIdCiphertext,
      nameCiphertext: holder.nameCiphertext,
      myEGovAccountId: d.myEGovAccountId,
      post: d.post,
      unit: d.unit,
      queryItems: [],
      applicationId: d.applicationId,
      createdAt: fact.occurredAt,
      approvedAt: fact.approvedAt ?? null,
      disabledAt: null,
      deletedAt: null,
      // A new incarnation keeps the person's review history: the review was of the person's access.
      lastReviewId: entry?.lastReviewId ?? null,
      lastReviewedAt: entry?.lastReviewedAt ?? null,
      lastReviewFinding: entry?.lastReviewFinding ?? null,
    };
  }
  if (!entry) return entry;
  switch (fact.type) {
    case 'AccountQueryItemsGranted':
      return { ...entry, queryItems: [...new Set([...entry.queryItems, ...fact.data.operationCodes])].sort() };
    case 'AccountQueryItemsRevoked': {
      const revoked = new Set(fact.data.operationCodes);
      return { ...entry, queryItems: entry.queryItems.filter((c) => !revoked.has(c)) };
    }
    case 'AccountPostChanged':
      return { ...entry, post: fact.data.newPost ?? entry.post, unit: fact.data.newUnit ?? entry.unit };
    case 'AccountDisabled':
      return { ...entry, status: 'DISABLED', disabledAt: fact.occurredAt };
    case 'AccountDeleted':
      return { ...entry, status: 'DELETED', deletedAt: fact.occurredAt, queryItems: [] };
    case 'AccessReviewFindingRecorded':
      return { ...entry, lastReviewId: fact.data.reviewId, lastReviewedAt: fact.occurredAt, lastReviewFinding: fact.data.finding };
    default:
      return entry;
  }
}

/** Folds facts already in commit order into one entry per account. */
export function foldRoster(facts: (RosterFact & { accountId: string })[]): Map<string, RosterEntry> {
  const entries = new Map<string, RosterEntry>();
  for (const fact of facts) {
    const next = evolveRosterEntry(entries.get(fact.accountId), fact);
    if (next) entries.set(fact.accountId, next);
  }
  return entries;
}
