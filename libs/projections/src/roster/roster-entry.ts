/**
 * One line of the 使用者清冊 (要點 十二(五)). The same pure fold builds today's roster (in the
 * projection) and the roster as of any past time (over the indexed account facts), so the two
 * can never disagree about what an event means.
 */
export type AccountStatus = 'ACTIVE' | 'DISABLED' | 'DELETED';

export interface RosterEntry {
  accountId: string;
  agencyCode: string;
  kind: 'ADMIN' | 'USER';
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

/** The fields of an account event the roster needs, with when it happened. */
export interface RosterFact {
  type: string;
  occurredAt: string;
  data: Record<string, unknown>;
  /** For AccountCreated: when its application's approval chain completed. */
  approvedAt?: string | null;
}

export const ROSTER_EVENT_TYPES = [
  'AccountCreated',
  'AccountQueryItemsGranted',
  'AccountQueryItemsRevoked',
  'AccountPostChanged',
  'AccountDisabled',
  'AccountDeleted',
  'AccessReviewFindingRecorded',
] as const;

export function evolveRosterEntry(entry: RosterEntry | undefined, fact: RosterFact): RosterEntry | undefined {
  const d = fact.data;
  if (fact.type === 'AccountCreated') {
    const holder = d.holder as { personId: string; holderKey: string; nationalIdCiphertext: string; nameCiphertext: string };
    return {
      accountId: String(d.accountId),
      agencyCode: String(d.agencyCode),
      kind: d.kind as RosterEntry['kind'],
      status: 'ACTIVE',
      incarnation: Number(d.incarnation ?? 1),
      personId: holder.personId,
      holderKey: holder.holderKey,
      nationalIdCiphertext: holder.nationalIdCiphertext,
      nameCiphertext: holder.nameCiphertext,
      myEGovAccountId: String(d.myEGovAccountId ?? ''),
      post: String(d.post ?? ''),
      unit: String(d.unit ?? ''),
      queryItems: [],
      applicationId: String(d.applicationId ?? ''),
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
      return { ...entry, queryItems: [...new Set([...entry.queryItems, ...(d.operationCodes as string[])])].sort() };
    case 'AccountQueryItemsRevoked': {
      const revoked = new Set(d.operationCodes as string[]);
      return { ...entry, queryItems: entry.queryItems.filter((c) => !revoked.has(c)) };
    }
    case 'AccountPostChanged':
      return { ...entry, post: (d.newPost as string | null) ?? entry.post, unit: (d.newUnit as string | null) ?? entry.unit };
    case 'AccountDisabled':
      return { ...entry, status: 'DISABLED', disabledAt: fact.occurredAt };
    case 'AccountDeleted':
      return { ...entry, status: 'DELETED', deletedAt: fact.occurredAt, queryItems: [] };
    case 'AccessReviewFindingRecorded':
      return { ...entry, lastReviewId: String(d.reviewId), lastReviewedAt: fact.occurredAt, lastReviewFinding: String(d.finding) };
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
