import type { AnomalyKind } from '@ledger/domain';
import type { Filter, ReadModelStore } from '@ledger/read-models';
import { stripMeta } from '../roster/roster.projection';
import { AnomalyDocument, AnomalyState, CountsDocument, ETHICS, InvestigationDocument } from './anomalies.projection';

/** An anomaly as readers get it: never the subject's person id. */
export type AnomalyView = Omit<AnomalyDocument, 'subjectPersonId'> & { asOf: { knownAt: string | null } };

/**
 * The anomaly as the ledger knew it at `knownAt` (ledger time): undefined when its first evidence was
 * recorded later; else only the evidence and state changes recorded by then.
 */
export function anomalyAt(doc: AnomalyDocument, knownAt?: string): AnomalyView | undefined {
  const { subjectPersonId: _subject, ...rest } = doc;
  if (knownAt === undefined) return { ...rest, asOf: { knownAt: null } };
  if (doc.detectedKnownAt > knownAt) return undefined;
  const evidence = doc.evidence.filter((e) => e.knownAt <= knownAt);
  const history = doc.stateHistory.filter((s) => s.knownAt <= knownAt);
  const last = history[history.length - 1];
  const seen = evidence.map((e) => e.queriedAt).sort();
  // Evidence beyond the kept list is only counted; as of a past time it is counted when the list is full.
  const evidenceCount = evidence.length === doc.evidence.length ? doc.evidenceCount : evidence.length;
  return {
    ...rest,
    evidence,
    evidenceCount,
    firstSeenAt: seen[0] ?? doc.firstSeenAt,
    lastSeenAt: seen[seen.length - 1] ?? doc.firstSeenAt,
    stateHistory: history,
    state: last?.state ?? 'OPEN',
    investigationId: last?.investigationId ?? null,
    asOf: { knownAt },
  };
}

export interface AnomalyFilter {
  agencyCode?: string;
  kind?: AnomalyKind;
  accountId?: string;
  state?: AnomalyState;
  /** YYYY-MM, Asia/Taipei, of the first query. */
  month?: string;
  /** First query at or after / before these instants. */
  from?: string;
  to?: string;
  knownAt?: string;
  after?: string;
  limit: number;
}

export interface AnomalyPage {
  items: AnomalyView[];
  next: string | null;
}

/** Keyset pages in anomalyId order, over the index that matches the most selective filter. */
export async function findAnomalies(store: ReadModelStore, f: AnomalyFilter): Promise<AnomalyPage> {
  const filter: Filter = {};
  if (f.agencyCode) filter.agencyCode = f.agencyCode;
  if (f.kind) filter.kind = f.kind;
  if (f.accountId) filter.accountId = f.accountId;
  if (f.month) filter.month = f.month;
  // The state as of a past time is judged from its history, after the read.
  if (f.state && f.knownAt === undefined) filter.state = f.state;
  if (f.from || f.to) filter.firstSeenAt = { ...(f.from ? { $gte: f.from } : {}), ...(f.to ? { $lt: f.to } : {}) };
  if (f.knownAt) filter.detectedKnownAt = { $lte: f.knownAt };
  const items: AnomalyView[] = [];
  let after = f.after;
  // With knownAt and a state, documents are judged after the read: read on until the page is full.
  for (;;) {
    const docs = await store.find<AnomalyDocument>(ETHICS.anomalies, { ...filter, ...(after ? { anomalyId: { $gt: after } } : {}) }, { sort: { anomalyId: 1 }, limit: f.limit + 1 });
    const batch = docs.slice(0, f.limit);
    for (const doc of batch) {
      after = doc.anomalyId;
      const view = anomalyAt(stripMeta(doc), f.knownAt);
      if (view && (!f.state || view.state === f.state)) items.push(view);
      if (items.length === f.limit) {
        const more = doc !== batch[batch.length - 1] || docs.length > f.limit;
        return { items, next: more ? doc.anomalyId : null };
      }
    }
    if (docs.length <= f.limit) return { items, next: null };
  }
}

export async function getAnomaly(store: ReadModelStore, anomalyId: string): Promise<AnomalyDocument | undefined> {
  const doc = await store.get<AnomalyDocument>(ETHICS.anomalies, anomalyId);
  return doc ? stripMeta(doc) : undefined;
}

/** Counts per agency and Taipei month, by kind and by state (as now). */
export async function anomalyCounts(store: ReadModelStore, f: { agencyCode?: string; month?: string; fromMonth?: string; toMonth?: string }): Promise<CountsDocument[]> {
  const filter: Filter = {};
  if (f.agencyCode) filter.agencyCode = f.agencyCode;
  if (f.month) filter.month = f.month;
  else if (f.fromMonth || f.toMonth) filter.month = { ...(f.fromMonth ? { $gte: f.fromMonth } : {}), ...(f.toMonth ? { $lte: f.toMonth } : {}) };
  const docs = await store.find<CountsDocument>(ETHICS.counts, filter, { sort: { agencyCode: 1, month: 1 } });
  return docs.map((d) => {
    const c = stripMeta(d);
    // A state left at zero by investigations is noise in a report.
    return { ...c, byState: Object.fromEntries(Object.entries(c.byState).filter(([, n]) => n !== 0)) };
  });
}

export async function findInvestigations(store: ReadModelStore, f: { agencyCode?: string; state?: 'OPEN' | 'CONCLUDED' }): Promise<InvestigationDocument[]> {
  const filter: Filter = {};
  if (f.agencyCode) filter.agencyCode = f.agencyCode;
  if (f.state) filter.state = f.state;
  return (await store.find<InvestigationDocument>(ETHICS.investigations, filter, { sort: { investigationId: 1 } })).map((d) => stripMeta(d));
}

export async function getInvestigation(store: ReadModelStore, investigationId: string): Promise<InvestigationDocument | undefined> {
  const doc = await store.get<InvestigationDocument>(ETHICS.investigations, investigationId);
  return doc ? stripMeta(doc) : undefined;
}
