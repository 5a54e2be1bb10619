import type { Filter, ReadModelStore } from '@ledger/read-models';
import { stripMeta } from '../roster/roster.projection';
import { LoggedQueryDocument, QUERY_LOGS, seqOf, QueryLogImportDocument, ReconciliationMonthDocument, RejectedLineDocument } from './query-log.projection';

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
  const docs = await store.find<LoggedQueryDocument>(QUERY_LOGS.logged, filter, { sort: { sortKey: 1 }, limit: f.limit + 1 });
  const items = docs.slice(0, f.limit).map((d) => stripMeta(d) as LoggedQueryDocument);
  return { items, next: docs.length > f.limit ? items[items.length - 1].sortKey : null };
}

/** The stored rows of an import's accepted queries with no registration, in line order, after `afterSeq`. */
function unregisteredRows(store: ReadModelStore, importId: string, afterSeq: string | undefined, limit: number, fields?: readonly (keyof LoggedQueryDocument)[]) {
  const filter: Filter = { importId, status: 'UNREGISTERED' };
  if (afterSeq) filter.seq = { $gt: afterSeq };
  return store.find<LoggedQueryDocument>(QUERY_LOGS.logged, filter, { sort: { seq: 1 }, limit, ...(fields ? { fields } : {}) });
}

/** An import's accepted queries with no registration, in line order (for its reconciliation). */
export async function unregisteredOfImport(store: ReadModelStore, importId: string, afterSeq: string | undefined, limit: number): Promise<LoggedQueryDocument[]> {
  return (await unregisteredRows(store, importId, afterSeq, limit)).map((d) => stripMeta(d) as LoggedQueryDocument);
}

/** What an UNREGISTERED_QUERY listing records of a logged query. */
export type UnregisteredLine = Pick<LoggedQueryDocument, 'lineNo' | 'accountId' | 'operationCode' | 'loggedAt'>;

const LISTED_FIELDS = ['lineNo', 'accountId', 'operationCode', 'loggedAt'] as const;

/**
 * The same, after line `afterLineNo` (0: from the start), for the importer's reconciliation: only
 * the fields the listing records, the only ones read from the stored rows.
 */
export async function unregisteredOfImportAfterLine(store: ReadModelStore, importId: string, afterLineNo: number, limit: number): Promise<UnregisteredLine[]> {
  return (await unregisteredRows(store, importId, afterLineNo > 0 ? seqOf(importId, afterLineNo) : undefined, limit, LISTED_FIELDS)).map((d) => ({
    lineNo: d.lineNo, accountId: d.accountId, operationCode: d.operationCode, loggedAt: d.loggedAt,
  }));
}

export async function loggedQuery(store: ReadModelStore, importId: string, lineNo: number): Promise<LoggedQueryDocument | undefined> {
  const doc = await store.get<LoggedQueryDocument>(QUERY_LOGS.logged, `${importId}.${lineNo}`);
  return doc ? (stripMeta(doc) as LoggedQueryDocument) : undefined;
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
