import type { ReadModelStore } from '@ledger/read-models';
import { stripMeta } from '../roster/roster.projection';
import { WEBIR_SERVICE, WebIRServiceDocument, webirServiceStatusAt, webirServiceStopPeriods } from './webir-service.projection';

/** The agency's service document (no transitions: never suspended). */
export async function webirServiceOf(store: ReadModelStore, agencyCode: string): Promise<WebIRServiceDocument> {
  const doc = await store.get<WebIRServiceDocument>(WEBIR_SERVICE, agencyCode);
  return doc ? (stripMeta(doc) as WebIRServiceDocument) : { agencyCode, transitions: [], reappliedAt: null };
}

/**
 * "Was agency X suspended (or terminated) at instant T?" (要點 十二(六)), from the read model.
 * To judge many instants (a month's query log), read the document once with webirServiceOf and apply
 * webirServiceStatusAt / webirServiceStoppedAt to each.
 */
export async function webirServiceAt(store: ReadModelStore, agencyCode: string, at: string) {
  const doc = await webirServiceOf(store, agencyCode);
  const { status, since } = webirServiceStatusAt(doc.transitions, at);
  return { agencyCode, at, status, since, stopPeriods: webirServiceStopPeriods(doc.transitions) };
}
