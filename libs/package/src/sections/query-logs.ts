import { categoryOf, inPeriod } from '../membership';
import { roc, rocDateTime, rocMonth, taipeiLocal } from './labels';
import { sourceOf, type SectionDefinition, type SectionRow } from './types';

interface Import {
  importId: string;
  period: string;
  sha256: string;
  lines: number;
  accepted: number;
  rejected: number;
  matched: number | null;
  unregistered: number | null;
  importedAt: string;
  completed: boolean;
  source: string;
}

const monthInPeriod = (month: string, p: { from: string; to: string }) => month >= p.from.slice(0, 7) && month <= p.to.slice(0, 7);

/**
 * 要點 九(一)(二): the WebIR query logs of the period's months as imported (a file counts once its
 * import completed), with their reconciliation against the registrations, and per month the logged,
 * registered and unregistered queries side by side.
 */
export const queryLogsSection: SectionDefinition = {
  id: 'query-logs',
  title: '查詢日誌及勾稽',
  rule: '要點 九(一)(二)',
  file: '08-查詢日誌及勾稽.csv',
  headers: ['日誌月份', '匯入編號', '檔案SHA-256', '資料筆數', '接受筆數', '拒收筆數', '已勾稽筆數', '未登記筆數', '匯入日期'],
  reportColumns: [0, 3, 4, 5, 6, 7, 8],
  start({ period }) {
    const imports = new Map<string, Import>();
    const registered = new Map<string, number>();
    return {
      accept(e) {
        if (e.type === 'QueryRegistered') {
          const plannedAt = (e.data as { plannedAt: string }).plannedAt;
          if (!inPeriod(plannedAt, period)) return;
          const month = taipeiLocal(plannedAt).slice(0, 7);
          registered.set(month, (registered.get(month) ?? 0) + 1);
          return;
        }
        if (categoryOf(e.streamId) !== 'querylog') return;
        const d = e.data as Record<string, unknown>;
        if (e.type === 'QueryLogImportStarted') {
          const file = d.file as { sha256: string };
          imports.set(e.streamId, {
            importId: String(d.importId), period: String(d.period), sha256: file.sha256, lines: Number(d.lineCount), accepted: Number(d.acceptedCount), rejected: Number(d.rejectedCount),
            matched: null, unregistered: null, importedAt: e.metadata.occurredAt, completed: false, source: sourceOf(e),
          });
        }
        const imp = imports.get(e.streamId);
        if (!imp) return;
        if (e.type === 'QueryLogImportCompleted') {
          imp.completed = true;
          imp.source = sourceOf(e);
        }
        if (e.type === 'QueryLogReconciled') {
          imp.matched = Number(d.matchedCount);
          imp.unregistered = Number(d.unregisteredCount);
          imp.source = sourceOf(e);
        }
      },
      finish() {
        const done = [...imports.values()].filter((i) => i.completed && monthInPeriod(i.period, period)).sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : a.importId < b.importId ? -1 : 1));
        const rows: SectionRow[] = done.map((i) => ({
          cells: [rocMonth(i.period), i.importId, i.sha256, String(i.lines), String(i.accepted), String(i.rejected), i.matched === null ? '未勾稽' : String(i.matched), i.unregistered === null ? '未勾稽' : String(i.unregistered), roc(i.importedAt)],
          source: i.source,
        }));
        const months = [...new Set([...done.map((i) => i.period), ...registered.keys()])].sort();
        const summary = months.map((m) => {
          const of = done.filter((i) => i.period === m);
          const logged = of.reduce((n, i) => n + i.accepted, 0);
          const unregistered = of.reduce((n, i) => n + (i.unregistered ?? 0), 0);
          return `${rocMonth(m)}:日誌 ${logged} 筆、登記 ${registered.get(m) ?? 0} 筆、未登記 ${unregistered} 筆${of.length === 0 ? '(未匯入日誌)' : ''}`;
        });
        return { rows, summary };
      },
    };
  },
};

interface Unregistered {
  ref: string;
  accountId: string;
  operationCode: string;
  loggedAt: string;
  dueDate: string;
  resolution: string;
  explanation: string;
  explainedAt: string | null;
  source: string;
}

/** 要點 九(一): each logged query of the period without a registration, and how (and when) it was explained. */
export const unregisteredQueriesSection: SectionDefinition = {
  id: 'unregistered-queries',
  title: '未登記之查詢及說明',
  rule: '要點 九(一)',
  file: '09-未登記查詢.csv',
  headers: ['查詢識別', '帳號代碼', '作業代號', '查詢時間', '說明期限', '處理方式', '說明內容', '說明日期'],
  reportColumns: [0, 1, 3, 4, 5, 7],
  start({ period }) {
    const found = new Map<string, Unregistered>();
    return {
      accept(e) {
        const d = e.data as Record<string, unknown>;
        if (e.type === 'UnregisteredQueriesFound') {
          for (const q of d.queries as { lineNo: number; accountId: string; operationCode: string; loggedAt: string }[]) {
            if (!inPeriod(q.loggedAt, period)) continue;
            const ref = `${d.importId}.${q.lineNo}`;
            found.set(ref, {
              ref, accountId: q.accountId, operationCode: q.operationCode, loggedAt: q.loggedAt, dueDate: (d.duty as { dueDate: string }).dueDate, resolution: '尚未說明', explanation: '', explainedAt: null, source: sourceOf(e),
            });
          }
        }
        if (e.type === 'UnregisteredQueryExplained') {
          const u = found.get(`${d.importId}.${d.lineNo}`);
          if (!u) return;
          u.resolution = d.resolution === 'LATE_REGISTRATION' ? `補登記 ${d.registrationId}` : '說明';
          u.explanation = String(d.explanation ?? '');
          u.explainedAt = e.metadata.occurredAt;
          u.source = sourceOf(e);
        }
      },
      finish: () => ({
        rows: [...found.values()].map((u) => ({ cells: [u.ref, u.accountId, u.operationCode, rocDateTime(u.loggedAt), roc(u.dueDate), u.resolution, u.explanation, roc(u.explainedAt)], source: u.source })),
        summary: [`已說明 ${[...found.values()].filter((u) => u.explainedAt).length} 筆、尚未說明 ${[...found.values()].filter((u) => !u.explainedAt).length} 筆`],
      }),
    };
  },
};
