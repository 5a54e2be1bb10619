import type { Projection, ReadModelStore } from '@ledger/read-models';
import { upsert } from '@ledger/read-models';
import { asLedgerRecorded, type RecordedOf } from '../ledger-events';
import { stripMeta } from '../roster/roster.projection';

export const MONTHLY_LOG_IMPORTS = 'monthly_log_imports';
/** The accepted line numbers of each chunk of an import: the population without the lines' content, read in milliseconds. */
export const MONTHLY_LOG_LINES = 'monthly_log_lines';

export interface MonthlyLogLinesDocument {
  agencyCode: string;
  month: string;
  importId: string;
  chunk: number;
  lineNos: number[];
}

/**
 * 要點 十二(一): which WebIR log files make up an agency's month — the population of its sampling
 * check. One small document per agency and Taipei month, listing the completed imports (a file
 * still importing is not part of any month yet); the lines themselves stay in the imports' streams.
 */
export interface MonthlyLogImportsDocument {
  agencyCode: string;
  month: string;
  imports: { importId: string; sha256: string; acceptedCount: number }[];
  /** Imports of the month started and not completed (a file cut short, or still arriving): a draw waits for them. */
  importing?: string[];
}

export const monthlyLogImportsProjection: Projection = {
  name: 'monthly_log_imports',
  collections: [MONTHLY_LOG_IMPORTS, MONTHLY_LOG_LINES],
  indexes: { [MONTHLY_LOG_LINES]: [{ fields: ['agencyCode', 'month'] }] },
  handles: (type) => type === 'QueryLogImportStarted' || type === 'QueryLogImportCompleted' || type === 'QueryLogLinesAccepted',
  async project(event, read) {
    if (event.type === 'QueryLogLinesAccepted') {
      const { importId, agencyCode, period, chunk, lines } = (asLedgerRecorded(event) as RecordedOf<'QueryLogLinesAccepted'>).data;
      const doc: MonthlyLogLinesDocument = { agencyCode, month: period, importId, chunk, lineNos: lines.map((l) => l.lineNo) };
      return [upsert(MONTHLY_LOG_LINES, `${importId}#${chunk}`, { ...doc })];
    }
    const { importId, agencyCode, period } = (asLedgerRecorded(event) as RecordedOf<'QueryLogImportStarted' | 'QueryLogImportCompleted'>).data;
    const id = `${agencyCode}.${period}`;
    const stored = await read.get<MonthlyLogImportsDocument>(MONTHLY_LOG_IMPORTS, id);
    const doc: MonthlyLogImportsDocument = stored ? stripMeta(stored) : { agencyCode, month: period, imports: [] };
    const importing = doc.importing ?? [];
    if (doc.imports.some((i) => i.importId === importId)) return [];
    if (event.type === 'QueryLogImportStarted') {
      return importing.includes(importId) ? [] : [upsert(MONTHLY_LOG_IMPORTS, id, { ...doc, importing: [...importing, importId] })];
    }
    const { sha256, acceptedCount } = (asLedgerRecorded(event) as RecordedOf<'QueryLogImportCompleted'>).data;
    return [upsert(MONTHLY_LOG_IMPORTS, id, { ...doc, imports: [...doc.imports, { importId, sha256, acceptedCount }], importing: importing.filter((i) => i !== importId) })];
  },
};

export async function monthlyLogImports(store: ReadModelStore, agencyCode: string, month: string): Promise<MonthlyLogImportsDocument> {
  const doc = await store.get<MonthlyLogImportsDocument>(MONTHLY_LOG_IMPORTS, `${agencyCode}.${month}`);
  return doc ? stripMeta(doc) : { agencyCode, month, imports: [] };
}

/** The month's population from the read model: entry ids `<importId>.<lineNo>` of completed imports, and their digests. */
export async function monthlyPopulationOf(store: ReadModelStore, agencyCode: string, month: string): Promise<{ entryIds: string[]; logDigests: string[]; importsIncomplete: number }> {
  const { imports, importing = [] } = await monthlyLogImports(store, agencyCode, month);
  const completed = new Set(imports.map((i) => i.importId));
  const chunks = await store.find<MonthlyLogLinesDocument>(MONTHLY_LOG_LINES, { agencyCode, month });
  const entryIds: string[] = [];
  for (const c of chunks) if (completed.has(c.importId)) for (const lineNo of c.lineNos) entryIds.push(`${c.importId}.${lineNo}`);
  return { entryIds, logDigests: imports.map((i) => i.sha256), importsIncomplete: importing.length };
}
