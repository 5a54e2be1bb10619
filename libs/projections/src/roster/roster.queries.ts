import type { ReadModelStore } from '@ledger/read-models';
import { foldRoster, RosterEntry, RosterFact } from './roster-entry';
import { ROSTER, RosterAgencyDocument, RosterFactDocument, stripMeta } from './roster.projection';

/**
 * Which "as of" a roster answers: today's read model; the effective state on a business date as
 * the ledger knows it now (events that occurred by T); or what the ledger knew at a ledger time
 * (events recorded by T).
 */
export type RosterAsOf =
  | { kind: 'current' }
  | { kind: 'business-date'; at: string }
  | { kind: 'ledger-time'; at: string };

export interface RosterResult {
  agencyCode: string;
  agency: Omit<RosterAgencyDocument, never> | null;
  asOf: RosterAsOf;
  entries: RosterEntry[];
}

const byKindThenId = (a: RosterEntry, b: RosterEntry) => a.kind.localeCompare(b.kind) || a.accountId.localeCompare(b.accountId);

export async function rosterOf(store: ReadModelStore, agencyCode: string, asOf: RosterAsOf): Promise<RosterResult> {
  const agencyDoc = await store.get<RosterAgencyDocument>(ROSTER.agencies, agencyCode);
  const agency = agencyDoc ? stripMeta(agencyDoc) : null;
  if (asOf.kind === 'current') {
    const docs = await store.find<RosterEntry>(ROSTER.accounts, { agencyCode });
    return { agencyCode, agency, asOf, entries: docs.map((d) => stripMeta(d)).sort(byKindThenId) };
  }
  const timeField = asOf.kind === 'business-date' ? 'occurredAt' : 'recordedAt';
  const facts = await store.find<RosterFactDocument>(ROSTER.facts, { agencyCode, [timeField]: { $lte: asOf.at } }, { sort: { position: 1 } });
  // Each fact was stored by the projection from a typed event, type and data together.
  const entries = foldRoster(facts.map((f) => ({ accountId: f.accountId, type: f.type, occurredAt: f.occurredAt, data: f.data, approvedAt: f.approvedAt }) as RosterFact & { accountId: string }));
  return { agencyCode, agency, asOf, entries: [...entries.values()].sort(byKindThenId) };
}
