import { ANOMALY_KINDS, ANOMALY_TITLES, type AnomalyKind } from '@ledger/domain/ethics/detectors/anomaly.types';
import { anomaliesProjection, ETHICS, type AnomalyDocument, type AnomalyState, type InvestigationDocument } from '@ledger/projections/ethics/anomalies.projection';
import { rocDateTime, roc } from './labels';
import { MemoryReadModel } from './memory-read-model';
import { type SectionDefinition, type SectionRow } from './types';

const STATE: Record<AnomalyState, string> = { OPEN: '待處理', UNDER_INVESTIGATION: '調查中', JUSTIFIED: '查明有正當事由', VIOLATION: '違規', UNFOUNDED: '查無不當' };
const CONCLUSION: Record<string, string> = { JUSTIFIED: '有正當事由', VIOLATION: '違規', UNFOUNDED: '查無不當' };
const SEVERITY: Record<string, string> = { LOW: '低', MEDIUM: '中', HIGH: '高' };

/** The state an anomaly stood in at an instant (business time): its last change at or before it. */
function stateAt(doc: AnomalyDocument, at: string): { state: AnomalyState; investigationId: string | null; position: string } {
  let current = doc.stateHistory[0];
  for (const change of doc.stateHistory) if (change.at <= at) current = change;
  return { state: current.state, investigationId: current.investigationId, position: current.position };
}

/**
 * 要點 八、九(一)、十二(二): the anomalies the detectors raised over the period's logged queries, by kind,
 * with their state at the period's end, and 政風's investigations with their conclusions (a violation
 * opens the joint audit of 十二(二)). Accounts are named by their code only, as in the roster; the
 * subject of a query is never named, not even by its person id.
 */
export const ethicsSection: SectionDefinition = {
  id: 'ethics',
  title: '異常與調查',
  rule: '要點 八、十二(二)',
  file: '15-異常與調查.csv',
  headers: ['類別', '編號', '異常類型或案由', '要點', '嚴重度', '帳號代碼', '發生或立案時間', '證據或異常筆數', '期末狀態', '調查編號', '調查結論', '結案日期', '聯合稽核編號', '結論摘要'],
  reportColumns: [0, 1, 2, 5, 6, 7, 8, 10, 11],
  start({ agencyCode, period }) {
    // The anomalies read model's own projection, in memory over the package's events: the detectors read
    // only what it wrote before, so the verifier derives the same anomalies offline from events.jsonl.
    // The documents keyed by a person id (holders, subjects, relations lists) stay inside; no row reads them.
    const memory = new MemoryReadModel(anomaliesProjection());
    return {
      accept: (e) => memory.accept(e),
      async finish() {
        const anomalies = (await memory.all<AnomalyDocument>(ETHICS.anomalies))
          .filter((a) => a.agencyCode === agencyCode && a.firstSeenAt >= period.start && a.firstSeenAt <= period.end)
          .sort((a, b) => (a.firstSeenAt < b.firstSeenAt ? -1 : a.firstSeenAt > b.firstSeenAt ? 1 : a.anomalyId < b.anomalyId ? -1 : 1));
        const investigations = (await memory.all<InvestigationDocument>(ETHICS.investigations))
          .filter((i) => i.agencyCode === agencyCode && i.openedAt <= period.end && !(i.concludedAt !== null && i.concludedAt < period.start))
          .sort((a, b) => (a.openedAt < b.openedAt ? -1 : a.openedAt > b.openedAt ? 1 : a.investigationId < b.investigationId ? -1 : 1));
        const byKind = new Map<AnomalyKind, number>();
        const byState = new Map<AnomalyState, number>();
        const rows: SectionRow[] = [];
        for (const a of anomalies) {
          const at = stateAt(a, period.end);
          byKind.set(a.kind, (byKind.get(a.kind) ?? 0) + 1);
          byState.set(at.state, (byState.get(at.state) ?? 0) + 1);
          rows.push({
            cells: ['異常', a.anomalyId, ANOMALY_TITLES[a.kind], a.rule, SEVERITY[a.severity] ?? a.severity, a.accountId, rocDateTime(a.firstSeenAt), String(a.evidenceCount), STATE[at.state], at.investigationId ?? '', '', '', '', ''],
            source: `${a.evidence[0]?.streamId ?? ''}@position:${at.state === 'OPEN' ? a.detectedPosition : at.position}`,
          });
        }
        const conclusions = new Map<string, number>();
        for (const i of investigations) {
          const concluded = i.concludedAt !== null && i.concludedAt <= period.end;
          const conclusion = concluded ? (CONCLUSION[i.conclusion ?? ''] ?? '') : '';
          conclusions.set(concluded ? conclusion : '調查中', (conclusions.get(concluded ? conclusion : '調查中') ?? 0) + 1);
          rows.push({
            cells: [
              '調查', i.investigationId, i.title, '要點 八、十二(二)', '', '', rocDateTime(i.openedAt), String(i.anomalyIds.length), concluded ? '已結案' : '調查中', i.investigationId, conclusion,
              concluded ? roc(i.concludedAt) : '', concluded ? (i.jointAudit?.jointAuditId ?? '') : '', concluded ? (i.summary ?? '') : '',
            ],
            source: `investigation-${i.investigationId}@position:${i.position}`,
          });
        }
        const kinds = ANOMALY_KINDS.filter((k) => byKind.has(k)).map((k) => `${ANOMALY_TITLES[k]} ${byKind.get(k)} 筆`);
        const states = (Object.keys(STATE) as AnomalyState[]).filter((s) => byState.has(s)).map((s) => `${STATE[s]} ${byState.get(s)} 筆`);
        return {
          rows,
          summary: [
            `異常 ${anomalies.length} 筆${kinds.length > 0 ? `:${kinds.join('、')}` : ''}`,
            `期末狀態:${states.length > 0 ? states.join('、') : '無'}`,
            `政風調查 ${investigations.length} 件${conclusions.size > 0 ? `:${[...conclusions.entries()].map(([k, n]) => `${k} ${n} 件`).join('、')}` : ''}`,
          ],
        };
      },
    };
  },
};
