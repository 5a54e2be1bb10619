import { inPeriod } from '../membership';
import { rocDateTime, rocMonth, taipeiLocal } from './labels';
import { sourceOf, type SectionDefinition, type SectionRow } from './types';

/**
 * 查詢資料登記表 (要點 九(一)): every registration whose planned query falls in the period, and the
 * count per Asia/Taipei month. The subject is never shown, not even as its person id.
 */
export const registrationsSection: SectionDefinition = {
  id: 'query-registrations',
  title: '查詢資料登記',
  rule: '要點 九(一)',
  file: '07-查詢資料登記.csv',
  headers: ['登記編號', '帳號代碼', '作業代號', '預定查詢時間', '案號', '事由'],
  reportColumns: [],
  start({ period }) {
    const rows: SectionRow[] = [];
    const perMonth = new Map<string, number>();
    // An agency's accounts and WebIR operation codes are few and repeat on every row: one string each,
    // not one per row (the rows of 100,000 registrations are most of what the generator holds).
    const shared = new Map<string, string>();
    const one = (s: string) => {
      const known = shared.get(s);
      if (known !== undefined) return known;
      shared.set(s, s);
      return s;
    };
    return {
      accept(e) {
        if (e.type !== 'QueryRegistered') return;
        const d = e.data as { registrationId: string; accountId: string; operationCode: string; plannedAt: string; caseNumber: string; reason: string };
        if (!inPeriod(d.plannedAt, period)) return;
        const local = taipeiLocal(d.plannedAt);
        const month = local.slice(0, 7);
        perMonth.set(month, (perMonth.get(month) ?? 0) + 1);
        rows.push({ cells: [d.registrationId, one(d.accountId), one(d.operationCode), rocDateTime(d.plannedAt, local), d.caseNumber, d.reason], source: sourceOf(e) });
      },
      finish: () => ({
        rows,
        summary: [...perMonth.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([m, n]) => `${rocMonth(m)}:${n} 筆`),
      }),
    };
  },
};
