import type { ReadModelStore } from '@ledger/read-models';
import { foldRoster, RosterEntry, RosterFact } from './roster-entry';
import { ROSTER, RosterAgencyDocument, RosterFactDocument, stripMeta } from './roster.projection';

/**
 * Which "as of" a roster answers. Business time is when a fact holds in the world (a post change
 * from its effective date); ledger time is when the ledger recorded it.
 * - current: in force now, as known now;
 * - business-date: in force at `at`, as the ledger knows it now;
 * - ledger-time: in force at `at`, as the ledger knew it at that same instant;
 * - bitemporal: in force at `at`, as the ledger knew it at `knownAt` (what could have been
 *   reported to BLI on `knownAt`).
 */
export type RosterAsOf =
  | { kind: 'current' }
  | { kind: 'business-date'; at: string }
  | { kind: 'ledger-time'; at: string }
  | { kind: 'bitemporal'; at: string; knownAt: string };

export interface RosterResult {
  agencyCode: string;
  agency: Omit<RosterAgencyDocument, never> | null;
  asOf: RosterAsOf;
  entries: RosterEntry[];
}

const byKindThenId = (a: RosterEntry, b: RosterEntry) => a.kind.localeCompare(b.kind) || a.accountId.localeCompare(b.accountId);

/**
 * `now` judges the current roster: the projected documents apply a fact when it is recorded, so
 * while a recorded fact is not yet in force (a move effective next month) the roster is folded
 * at `now` instead.
 */
export async function rosterOf(store: ReadModelStore, agencyCode: string, asOf: RosterAsOf, now: string = new Date().toISOString()): Promise<RosterResult> {
  const agencyDoc = await store.get<RosterAgencyDocument>(ROSTER.agencies, agencyCode);
  const agency = agencyDoc ? stripMeta(agencyDoc) : null;
  if (asOf.kind === 'current') {
    const pending = await store.find<RosterFactDocument>(ROSTER.facts, { agencyCode, effectiveAt: { $gt: now } }, { limit: 1 });
    if (pending.length === 0) {
      const docs = await store.find<RosterEntry>(ROSTER.accounts, { agencyCode });
      return { agencyCode, agency, asOf, entries: docs.map((d) => stripMeta(d)).sort(byKindThenId) };
    }
    return { agencyCode, agency, asOf, entries: await foldInForce(store, agencyCode, now, undefined) };
  }
  const knownAt = asOf.kind === 'bitemporal' ? asOf.knownAt : asOf.kind === 'ledger-time' ? asOf.at : undefined;
  return { agencyCode, agency, asOf, entries: await foldInForce(store, agencyCode, asOf.at, knownAt) };
}

/** Facts in force at `at` (business time), of those recorded by `knownAt` (ledger time) when given, folded in business-time order. */
async function foldInForce(store: ReadModelStore, agencyCode: string, at: string, knownAt: string | undefined): Promise<RosterEntry[]> {
  const facts = await store.find<RosterFactDocument>(ROSTER.facts, { agencyCode, effectiveAt: { $lte: at } }, { sort: { effectiveAt: 1, position: 1 } });
  const known = knownAt === undefined ? facts : facts.filter((f) => f.recordedAt <= knownAt);
  // Each fact was stored by the projection from a typed event, type and data together.
  const entries = foldRoster(known.map((f) => ({ accountId: f.accountId, type: f.type, occurredAt: f.occurredAt, data: f.data, approvedAt: f.approvedAt }) as RosterFact & { accountId: string }));
  return [...entries.values()].sort(byKindThenId);
}
