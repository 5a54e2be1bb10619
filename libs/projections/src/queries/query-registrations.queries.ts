import type { Filter, ReadModelStore } from '@ledger/read-models';
import { stripMeta } from '../roster/roster.projection';
import { QUERY_REGISTRATIONS, QueryRegistrationDocument } from './query-registrations.projection';

export interface QueryRegistrationFilter {
  agencyCode?: string;
  accountId?: string;
  /** YYYY-MM in Asia/Taipei. */
  month?: string;
  caseNumber?: string;
  /** The last registrationId of the previous page. */
  after?: string;
  limit: number;
}

export interface QueryRegistrationPage {
  items: QueryRegistrationDocument[];
  /** Pass as `after` for the next page; null on the last. */
  next: string | null;
}

/** Keyset pages in registrationId order: a page costs the same on page one and page ten thousand. */
export async function findQueryRegistrations(store: ReadModelStore, f: QueryRegistrationFilter): Promise<QueryRegistrationPage> {
  const filter: Filter = {};
  if (f.agencyCode) filter.agencyCode = f.agencyCode;
  if (f.accountId) filter.accountId = f.accountId;
  if (f.month) filter.month = f.month;
  if (f.caseNumber) filter.caseNumber = f.caseNumber;
  if (f.after) filter.registrationId = { $gt: f.after };
  const docs = await store.find<QueryRegistrationDocument>(QUERY_REGISTRATIONS, filter, { sort: { registrationId: 1 }, limit: f.limit + 1 });
  const items = docs.slice(0, f.limit).map((d) => stripMeta(d));
  return { items, next: docs.length > f.limit ? items[items.length - 1].registrationId : null };
}
