import type { Filter, ReadModelStore } from '@ledger/read-models';
import { stripMeta } from '../roster/roster.projection';
import { INCIDENTS, IncidentDocument } from './incidents.projection';

/** Incidents newest discovery first, by agency and status. */
export async function findIncidents(store: ReadModelStore, query: { agencyCode?: string; status?: 'OPEN' | 'CLOSED' }): Promise<IncidentDocument[]> {
  const filter: Filter = {};
  if (query.agencyCode) filter.agencyCode = query.agencyCode;
  if (query.status) filter.status = query.status;
  const docs = await store.find<IncidentDocument>(INCIDENTS, filter, { sort: { discoveredAt: -1 } });
  return docs.map((d) => stripMeta(d) as IncidentDocument);
}
