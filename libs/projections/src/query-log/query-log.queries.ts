import type { Filter, ReadModelStore, StoredDocument } from '@ledger/read-models';
import { stripMeta } from '../roster/roster.projection';
import { ListingDocument, LoggedQueryDocument, LoggedQueryRow, QUERY_LOGS, QueryLogImportDocument, ReconciliationMonthDocument, RejectedLineDocument } from './query-log.projection';

export interface LoggedQueryFilter {
  agencyCode?: string;
  accountId?: string;
  /** YYYY-MM, Asia/Taipei. */
  month?: string;
  caseNumber?: string;
  /** The subject's person id, found by the caller through the blind index. */
  personId?: string;
  importId?: string;
  registered?: boolean;
  /** `next` of the previous page (a sortKey). */
  after?: string;
  limit: number;
}

export interface Page<T> {
  items: T[];
  next: string | null;
}

/**
 * The rows with their listing flag (LoggedQueryDocument.foundUnregistered), read from the listing
 * documents: per import, the first listing with lastLineNo ≥ each row's line. Rows of a page are
 * mostly neighbouring lines, so a page reads one or two listings per import, never one per row.
 */
export async function withListed(store: ReadModelStore, rows: readonly StoredDocument<LoggedQueryRow>[]): Promise<LoggedQueryDocument[]> {
  const byImport = new Map<string, number[]>();
  for (const r of rows) {
    const lineNos = byImport.get(r.importId);
    if (lineNos) lineNos.push(r.lineNo);
    else byImport.set(r.importId, [r.lineNo]);
  }
  // Refs (`<importId>.<lineNo>`, as the projection names its rows) of the rows listed.
  const listed = new Set<string>();
  for (const [importId, lineNos] of byImport) {
    lineNos.sort((x, y) => x - y);
    for (let i = 0; i < lineNos.length; ) {
      const [listing] = await store.find<ListingDocument>(QUERY_LOGS.listings, { importId, lastLineNo: { $gte: lineNos[i] } }, { sort: { lastLineNo: 1 }, limit: 1 });
      if (!listing) break;
      const inListing = new Set(listing.lineNos);
      for (; i < lineNos.length && lineNos[i] <= listing.lastLineNo; i++) if (inListing.has(lineNos[i])) listed.add(`${importId}.${lineNos[i]}`);
    }
  }
  return rows.map((r) => ({ ...(stripMeta(r) as LoggedQueryRow), foundUnregistered: listed.has(r.ref) }));
}

/** Keyset pages in (loggedAt, import, line) order: page ten thousand costs what page one does. */
export async function findLoggedQueries(store: ReadModelStore, f: LoggedQueryFilter): Promise<Page<LoggedQueryDocument>> {
  const filter: Filter = {};
  if (f.agencyCode) filter.agencyCode = f.agencyCode;
  if (f.accountId) filter.accountId = f.accountId;
  if (f.month) filter.month = f.month;
  if (f.caseNumber) filter.caseNumber = f.caseNumber;
  if (f.personId) filter.personId = f.personId;
  if (f.importId) filter.importId = f.importId;
  if (f.registered !== undefined) filter.status = f.registered ? 'REGISTERED' : 'UNREGISTERED';
  if (f.after) filter.sortKey = { $gt: f.after };
  const docs = await store.find<LoggedQueryRow>(QUERY_LOGS.logged, filter, { sort: { sortKey: 1 }, limit: f.limit + 1 });
  const items = await withListed(store, docs.slice(0, f.limit));
  return { items, next: docs.length > f.limit ? items[items.length - 1].sortKey : null };
}

/** The stored rows of an import's accepted queries with no registration, in line order, after line `afterLineNo` (0: from the start). */
function unregisteredRows(store: ReadModelStore, importId: string, afterLineNo: number, limit: number, fields?: readonly (keyof LoggedQueryRow)[]) {
  const filter: Filter = { importId, status: 'UNREGISTERED' };
  if (afterLineNo > 0) filter.lineNo = { $gt: afterLineNo };
  return store.find<LoggedQueryRow>(QUERY_LOGS.logged, filter, { sort: { lineNo: 1 }, limit, ...(fields ? { fields } : {}) });
}

/** An import's accepted queries with no registration, in line order, after line `afterLineNo` (0: from the start). */
export async function unregisteredOfImport(store: ReadModelStore, importId: string, afterLineNo: number, limit: number): Promise<LoggedQueryDocument[]> {
  return withListed(store, await unregisteredRows(store, importId, afterLineNo, limit));
}

/** What an UNREGISTERED_QUERY listing records of a logged query. */
export type UnregisteredLine = Pick<LoggedQueryDocument, 'lineNo' | 'accountId' | 'operationCode' | 'loggedAt'>;

const LISTED_FIELDS = ['lineNo', 'accountId', 'operationCode', 'loggedAt'] as const;

/**
 * The same, after line `afterLineNo` (0: from the start), for the importer's reconciliation: only
 * the fields the listing records, the only ones read from the stored rows.
 */
export async function unregisteredOfImportAfterLine(store: ReadModelStore, importId: string, afterLineNo: number, limit: number): Promise<UnregisteredLine[]> {
  return (await unregisteredRows(store, importId, afterLineNo, limit, LISTED_FIELDS)).map((d) => ({
    lineNo: d.lineNo, accountId: d.accountId, operationCode: d.operationCode, loggedAt: d.loggedAt,
  }));
}

export async function loggedQuery(store: ReadModelStore, importId: string, lineNo: number): Promise<LoggedQueryDocument | undefined> {
  const doc = await store.get<LoggedQueryRow>(QUERY_LOGS.logged, `${importId}.${lineNo}`);
  return doc ? (await withListed(store, [doc]))[0] : undefined;
}

export async function queryLogImport(store: ReadModelStore, importId: string): Promise<QueryLogImportDocument | undefined> {
  const doc = await store.get<QueryLogImportDocument>(QUERY_LOGS.imports, importId);
  return doc ? (stripMeta(doc) as QueryLogImportDocument) : undefined;
}

export async function queryLogImports(store: ReadModelStore, agencyCode: string, period?: string): Promise<QueryLogImportDocument[]> {
  const filter: Filter = { agencyCode };
  if (period) filter.period = period;
  return (await store.find<QueryLogImportDocument>(QUERY_LOGS.imports, filter, { sort: { period: 1, importId: 1 }, limit: 1000 })).map((d) => stripMeta(d) as QueryLogImportDocument);
}

export async function rejectedLines(store: ReadModelStore, importId: string, after: string | undefined, limit: number): Promise<Page<RejectedLineDocument>> {
  const filter: Filter = { importId };
  if (after) filter.seq = { $gt: after };
  const docs = await store.find<RejectedLineDocument>(QUERY_LOGS.rejected, filter, { sort: { seq: 1 }, limit: limit + 1 });
  const items = docs.slice(0, limit).map((d) => stripMeta(d) as RejectedLineDocument);
  return { items, next: docs.length > limit ? items[items.length - 1].seq : null };
}

export interface ReconciliationSummary extends ReconciliationMonthDocument {
  notPerformed: number;
  unregistered: number;
  /** Unregistered queries whose explanation is still missing. */
  unexplained: number;
}

/** One document read, whatever the month's size (要點 九(一)(二)、十二(一)). */
export async function reconciliationSummary(store: ReadModelStore, agencyCode: string, month: string): Promise<ReconciliationSummary> {
  const doc = await store.get<ReconciliationMonthDocument>(QUERY_LOGS.months, `${agencyCode}|${month}`);
  const m: ReconciliationMonthDocument = doc
    ? (stripMeta(doc) as ReconciliationMonthDocument)
    : { agencyCode, month, registered: 0, performed: 0, logged: 0, matched: 0, loggedMoreThanOnce: 0, severalRegistrations: 0, duplicates: 0, rejected: 0, imports: 0, importsIncomplete: 0, foundUnregistered: 0, explained: 0 };
  return { ...m, notPerformed: m.registered - m.performed, unregistered: m.logged - m.matched, unexplained: m.foundUnregistered - m.explained };
}
