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
