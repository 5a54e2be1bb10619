import type { Projection, ReadModelStore } from '@ledger/read-models';
import { upsert } from '@ledger/read-models';
import { asLedgerRecorded, type RecordedOf } from '../ledger-events';
import { stripMeta } from '../roster/roster.projection';

export const MONTHLY_LOG_IMPORTS = 'monthly_log_imports';

/**
 * 要點 十二(一): which WebIR log files make up an agency's month — the population of its sampling
 * check. One small document per agency and Taipei month, listing the completed imports (a file
 * still importing is not part of any month yet); the lines themselves stay in the imports' streams.
 */
export interface MonthlyLogImportsDocument {
  agencyCode: string;
  month: string;
  imports: { importId: string; sha256: string; acceptedCount: number }[];
}

export const monthlyLogImportsProjection: Projection = {
  name: 'monthly_log_imports',
  collections: [MONTHLY_LOG_IMPORTS],
  handles: (type) => type === 'QueryLogImportCompleted',
  async project(event, read) {
    const e = asLedgerRecorded(event) as RecordedOf<'QueryLogImportCompleted'>;
    const { importId, agencyCode, period, sha256, acceptedCount } = e.data;
    const id = `${agencyCode}.${period}`;
    const stored = await read.get<MonthlyLogImportsDocument>(MONTHLY_LOG_IMPORTS, id);
    const doc: MonthlyLogImportsDocument = stored ? stripMeta(stored) : { agencyCode, month: period, imports: [] };
    if (doc.imports.some((i) => i.importId === importId)) return [];
    return [upsert(MONTHLY_LOG_IMPORTS, id, { ...doc, imports: [...doc.imports, { importId, sha256, acceptedCount }] })];
  },
};

export async function monthlyLogImports(store: ReadModelStore, agencyCode: string, month: string): Promise<MonthlyLogImportsDocument> {
  const doc = await store.get<MonthlyLogImportsDocument>(MONTHLY_LOG_IMPORTS, `${agencyCode}.${month}`);
  return doc ? stripMeta(doc) : { agencyCode, month, imports: [] };
}
