import type { Filter, ReadModelStore } from '@ledger/read-models';
import { stripMeta } from '../roster/roster.projection';
import { OBTAINED_DATA, ObtainedDataDocument } from './obtained-data.projection';

export interface OpenDeletion extends ObtainedDataDocument {
  /** Judged at `today` (an Asia/Taipei day): due before it and not yet deleted with every copy. */
  overdue: boolean;
}

/**
 * Obtained data whose use ended and which is not yet deleted with every copy and the temporary
 * files (要點 十一(二)(三)), earliest due first; `agencyCode` narrows it to one agency.
 */
export async function openDeletions(store: ReadModelStore, query: { agencyCode?: string; today: string }): Promise<OpenDeletion[]> {
  const filter: Filter = { status: 'USE_ENDED' };
  if (query.agencyCode) filter.agencyCode = query.agencyCode;
  const docs = await store.find<ObtainedDataDocument>(OBTAINED_DATA, filter, { sort: { deletionDueDate: 1 } });
  return docs.map((d) => {
    const doc = stripMeta(d) as ObtainedDataDocument;
    return { ...doc, overdue: doc.deletionDueDate !== null && doc.deletionDueDate < query.today };
  });
}

export async function obtainedDataRecord(store: ReadModelStore, recordId: string): Promise<ObtainedDataDocument | undefined> {
  const doc = await store.get<ObtainedDataDocument>(OBTAINED_DATA, recordId);
  return doc ? (stripMeta(doc) as ObtainedDataDocument) : undefined;
}
