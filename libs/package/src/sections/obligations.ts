import type { RecordedEvent } from '@ledger/event-store/types';
import { obligationAt, obligationsProjection, OBLIGATIONS, type ObligationDocument } from '@ledger/projections/obligations/obligations.projection';
import type { ProjectionReader } from '@ledger/read-models/projection';
import type { ReadModelWrite } from '@ledger/read-models/types';
import type { PackageDeadlines } from '../format';
import { roc } from './labels';
import { type SectionDefinition, type SectionRow } from './types';

const STATE = { open: '未到期', met: '已履行', overdue: '逾期未履行' } as const;
const DAY = 86_400_000;

/**
 * The obligations read model's own projection, run in memory over the package's events (a pure fold:
 * the handlers read only what they wrote), so the verifier recomputes the same obligations offline.
 */
class MemoryObligations {
  private readonly docs = new Map<string, Record<string, unknown>>();
  private readonly projection;
  private readonly reader: ProjectionReader;

  constructor(deadlines: PackageDeadlines) {
    this.projection = obligationsProjection(deadlines);
    this.reader = { get: async (collection, id) => this.docs.get(`${collection}\u0000${id}`) as never };
  }

  /** The projection's handlers are async only to read; this store answers at once, so the chain settles in order. */
  queue: Promise<void> = Promise.resolve();

  accept(event: RecordedEvent): void {
    if (!this.projection.handles(event.type)) return;
    this.queue = this.queue.then(async () => {
      const writes = (await this.projection.project(event, this.reader)) as ReadModelWrite[];
      for (const w of writes) {
        const key = `${w.collection}\u0000${w.id}`;
        if (w.type === 'upsert') this.docs.set(key, { ...w.document, _id: w.id, _position: event.position.toString() });
        else this.docs.delete(key);
      }
    });
  }

  async items(): Promise<ObligationDocument[]> {
    await this.queue;
    const prefix = `${OBLIGATIONS.items}\u0000`;
    return [...this.docs.entries()].filter(([k]) => k.startsWith(prefix)).map(([, { _id, _position, ...doc }]) => doc as unknown as ObligationDocument);
  }
}


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
    const memory = new MemoryObligations(deadlines);
    return {
      accept: (e) => memory.accept(e),
      async finish() {
        const docs = (await memory.items())
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
