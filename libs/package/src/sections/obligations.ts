import { obligationAt, obligationsProjection, OBLIGATIONS, type ObligationDocument } from '@ledger/projections/obligations/obligations.projection';
import { roc } from './labels';
import { MemoryReadModel } from './memory-read-model';
import { type SectionDefinition, type SectionRow } from './types';

const STATE = { open: '未到期', met: '已履行', overdue: '逾期未履行' } as const;
const DAY = 86_400_000;

/**
 * Every obligation of the period (opened by its end and not met before its start) with its state at
 * the period's end and how late it was. 要點 九(三)'s usage review is the central admin's duty; it is
 * listed here because it concerns this agency's items.
 */
export const obligationsSection: SectionDefinition = {
  id: 'obligations',
  title: '應辦事項及履行情形',
  rule: '要點 六、七、九、十、十二',
  file: '99-應辦事項.csv',
  headers: ['類別', '要點', '事項', '應辦機關', '標的', '到期日', '履行日', '期末狀態', '逾期天數'],
  reportColumns: [1, 2, 5, 6, 7, 8],
  start({ agencyCode, period, deadlines }) {
    // The obligations read model's own projection, in memory over the package's events (a pure fold).
    const memory = new MemoryReadModel(obligationsProjection(deadlines));
    return {
      accept: (e) => memory.accept(e),
      async finish() {
        const docs = (await memory.all<ObligationDocument>(OBLIGATIONS.items))
          .filter((d) => d.agencyCode === agencyCode || d.subject.startsWith(`${agencyCode}.`) || d.subject.startsWith(`${agencyCode}#`))
          .filter((d) => d.createdAt <= period.end && !(d.metAt !== null && d.metAt < period.start))
          .sort((a, b) => (a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : a.obligationId < b.obligationId ? -1 : 1));
        const counts = { open: 0, met: 0, overdue: 0, late: 0 };
        const rows: SectionRow[] = [];
        for (const doc of docs) {
          const view = obligationAt(doc, period.end);
          if (!view) continue;
          counts[view.state]++;
          const lateMs = view.state === 'overdue' ? Date.parse(period.end) - Date.parse(doc.dueAt) : view.metLate ? Date.parse(view.metAt!) - Date.parse(doc.dueAt) : 0;
          if (view.metLate) counts.late++;
          const owner = doc.kind === 'QUERY_ITEM_USAGE_REVIEW' ? '總管理機關' : doc.agencyCode;
          rows.push({
            cells: [doc.kind, doc.rule, doc.title, owner, doc.subject, roc(doc.dueDate), roc(view.metAt), view.metLate ? '已履行(逾期)' : STATE[view.state], lateMs > 0 ? String(Math.ceil(lateMs / DAY)) : '0'],
            source: `${doc.createdBy.streamId}@position:${doc.createdBy.position}`,
          });
        }
        return { rows, summary: [`已履行 ${counts.met} 件(其中逾期履行 ${counts.late} 件)、未到期 ${counts.open} 件、逾期未履行 ${counts.overdue} 件`] };
      },
    };
  },
};
