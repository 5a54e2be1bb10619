import type { Filter, ReadModelStore } from '@ledger/read-models';
import { stripMeta } from '../roster/roster.projection';
import { ObligationDocument, ObligationKind, ObligationState, ObligationView, obligationAt, OBLIGATIONS } from './obligations.projection';

export interface ObligationQuery {
  /** The instant the states are judged at: now, or a past business time. */
  at: string;
  /** Ledger time: judge as the ledger knew it then (obligations and fulfilments recorded later are unknown). */
  knownAt?: string;
  agencyCode?: string;
  kind?: ObligationKind;
  state?: ObligationState;
}

export async function obligationsAt(store: ReadModelStore, query: ObligationQuery): Promise<ObligationView[]> {
  const filter: Filter = { createdAt: { $lte: query.at } };
  if (query.agencyCode) filter.agencyCode = query.agencyCode;
  if (query.kind) filter.kind = query.kind;
  // Overdue means due before T: the index on dueAt keeps that query narrow.
  if (query.state === 'overdue') filter.dueAt = { $lt: query.at };
  const docs = await store.find<ObligationDocument>(OBLIGATIONS.items, filter, { sort: { dueAt: 1 } });
  return docs
    .map((d) => obligationAt(stripMeta(d), query.at, query.knownAt))
    .filter((v): v is ObligationView => v !== undefined && (!query.state || v.state === query.state));
}

/** Per agency, per kind: how many obligations are open, overdue and met (and of those, met late) at the time judged. */
export type ObligationCounts = Record<string, Partial<Record<ObligationKind, { open: number; overdue: number; met: number; metLate: number }>>>;

export function countByAgency(views: readonly ObligationView[]): ObligationCounts {
  const counts: ObligationCounts = {};
  for (const v of views) {
    const byKind = (counts[v.agencyCode] ??= {});
    const c = (byKind[v.kind] ??= { open: 0, overdue: 0, met: 0, metLate: 0 });
    c[v.state] += 1;
    if (v.metLate) c.metLate += 1;
  }
  return counts;
}

/*
 * The same states, judged by the store: obligationAt written as filters, so that counting and paging
 * never read every obligation out (a month's WebIR log opens one per unregistered query, ~900,000).
 * obligationAt is the definition; obligations.queries.spec.ts holds the two to the same answers.
 */

/** Exists at `at` as known at `knownAt`, under the agency and kind asked for, and in `state` when given. */
export function obligationFilter(query: ObligationQuery): Filter {
  const { at, knownAt } = query;
  const filter: Filter = { createdAt: { $lte: at } };
  if (query.agencyCode) filter.agencyCode = query.agencyCode;
  if (query.kind) filter.kind = query.kind;
  const and: Filter[] = [];
  // Documents projected before createdKnownAt / metKnownAt existed fall back to the business time, as obligationAt does.
  if (knownAt !== undefined) and.push({ $or: [{ createdKnownAt: { $lte: knownAt } }, { createdKnownAt: null, createdAt: { $lte: knownAt } }] });
  if (query.state === 'met') {
    filter.metAt = { $lte: at };
    if (knownAt !== undefined) and.push({ $or: [{ metKnownAt: { $lte: knownAt } }, { metKnownAt: null, metAt: { $lte: knownAt } }] });
  } else if (query.state) {
    filter.dueAt = query.state === 'overdue' ? { $lt: at } : { $gte: at };
    // Not met at T: never met, met after T, or (as known at knownAt) its fulfilment recorded later.
    const notMet: Filter[] = [{ metAt: null }, { metAt: { $gt: at } }];
    if (knownAt !== undefined) notMet.push({ metKnownAt: { $gt: knownAt } }, { metKnownAt: null, metAt: { $gt: knownAt } });
    and.push({ $or: notMet });
  }
  if (and.length > 0) filter.$and = and;
  return filter;
}

const zeroCounts = () => ({ open: 0, overdue: 0, met: 0, metLate: 0 });

/**
 * countByAgency(obligationsAt(store, query)), counted by the store: one GROUP BY per state (three
 * without a state, one with), agencies and kinds in ascending order.
 */
export async function obligationCounts(store: ReadModelStore, query: ObligationQuery): Promise<ObligationCounts> {
  const counts: ObligationCounts = {};
  const entry = (agencyCode: unknown, kind: unknown) => {
    const byKind = (counts[agencyCode as string] ??= {});
    return (byKind[kind as ObligationKind] ??= zeroCounts());
  };
  const states: ObligationState[] = query.state ? [query.state] : ['open', 'overdue', 'met'];
  const results = await Promise.all(
    states.map((state) => store.countBy(OBLIGATIONS.items, obligationFilter({ ...query, state }), state === 'met' ? ['agencyCode', 'kind', 'metLate'] : ['agencyCode', 'kind'])),
  );
  const legacy: Filter[] = [];
  for (const [i, state] of states.entries()) {
    for (const { group, count } of results[i]) {
      const c = entry(group.agencyCode, group.kind);
      c[state] += count;
      if (state === 'met' && group.metLate === true) c.metLate += count;
      if (state === 'met' && group.metLate === null) legacy.push({ ...obligationFilter({ ...query, state }), agencyCode: group.agencyCode, kind: group.kind, metLate: null });
    }
  }
  // Met documents projected before metLate was stored (none after the version 2 rebuild): judged one by one.
  for (const filter of legacy) {
    for (const doc of await store.find<ObligationDocument>(OBLIGATIONS.items, filter)) if (doc.metAt! > doc.dueAt) entry(doc.agencyCode, doc.kind).metLate += 1;
  }
  return sortCounts(counts);
}

function sortCounts(counts: ObligationCounts): ObligationCounts {
  const byName = <T>(entries: [string, T][]) => entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(byName(Object.entries(counts)).map(([agency, byKind]) => [agency, Object.fromEntries(byName(Object.entries(byKind)))]));
}

/** One page in (dueAt, obligationId) order, strictly after the cursor `after` (`<dueAt>|<obligationId>`, the `next` of the page before). */
export async function obligationsPage(
  store: ReadModelStore,
  query: ObligationQuery,
  page: { limit: number; after?: { dueAt: string; obligationId: string } },
): Promise<{ obligations: ObligationView[]; more: boolean }> {
  const filter = obligationFilter(query);
  if (page.after) {
    const { dueAt, obligationId } = page.after;
    // The bound on dueAt alone first, so the index range starts at the cursor instead of at the beginning.
    filter.$and = [...(filter.$and ?? []), { dueAt: { $gte: dueAt }, $or: [{ dueAt: { $gt: dueAt } }, { _id: { $gt: obligationId } }] }];
  }
  const docs = await store.find<ObligationDocument>(OBLIGATIONS.items, filter, { sort: { dueAt: 1, _id: 1 }, limit: page.limit + 1 });
  const views = docs
    .slice(0, page.limit)
    .map((d) => obligationAt(stripMeta(d), query.at, query.knownAt))
    .filter((v): v is ObligationView => v !== undefined);
  return { obligations: views, more: docs.length > page.limit };
}

/** Every obligation the query matches, a page at a time (for an export that must not hold them all). */
export async function* obligationPages(store: ReadModelStore, query: ObligationQuery, pageSize = 1000): AsyncGenerator<ObligationView[]> {
  let after: { dueAt: string; obligationId: string } | undefined;
  for (;;) {
    const { obligations, more } = await obligationsPage(store, query, { limit: pageSize, after });
    if (obligations.length > 0) yield obligations;
    if (!more || obligations.length === 0) return;
    const last = obligations[obligations.length - 1];
    after = { dueAt: last.dueAt, obligationId: last.obligationId };
  }
}
