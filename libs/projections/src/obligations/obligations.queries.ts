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
