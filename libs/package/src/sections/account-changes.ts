import { businessTime, categoryOf, inPeriod } from '../membership';
import { ACCOUNT_CHANGE, ACCOUNT_KIND, roc } from './labels';
import { sourceOf, type SectionDefinition, type SectionRow } from './types';

type D = Record<string, unknown>;

function detail(type: string, d: D): string {
  switch (type) {
    case 'AccountCreated':
      return `${ACCOUNT_KIND[String(d.kind)] ?? d.kind},${d.unit} ${d.post},申請單 ${d.applicationId}`;
    case 'AccountQueryItemsGranted':
    case 'AccountQueryItemsRevoked':
      return `${(d.operationCodes as string[]).join(' ')}${d.reason ? `,理由:${d.reason}` : ''}`;
    case 'AccountPostChanged':
      return `生效日 ${roc(String(d.effectiveDate))}${d.newUnit ? `,新單位 ${d.newUnit}` : ''}${d.newPost ? `,新職稱 ${d.newPost}` : ''}${d.reportedLate ? ',異動後始辦理' : ''}`;
    case 'AccountDisabled':
      return `停用日 ${roc(String(d.disabledOn))},理由:${d.reason}`;
    case 'AccountDeleted':
      return `理由:${d.reason},申請單 ${d.applicationId}`;
    default:
      return '';
  }
}

/** 要點 五、六: every account change whose business time falls in the period. */
export const accountChangesSection: SectionDefinition = {
  id: 'account-changes',
  title: '帳號異動紀錄',
  rule: '要點 五、六',
  file: '04-帳號異動紀錄.csv',
  headers: ['日期', '帳號代碼', '異動', '內容', '登錄日期'],
  reportColumns: [0, 1, 2, 3],
  start({ period }) {
    const rows: SectionRow[] = [];
    return {
      accept(e) {
        if (categoryOf(e.streamId) !== 'account' || !ACCOUNT_CHANGE[e.type] || !inPeriod(businessTime(e), period)) return;
        const d = e.data as D;
        rows.push({ cells: [roc(businessTime(e)), String(d.accountId), ACCOUNT_CHANGE[e.type], detail(e.type, d), roc(e.metadata.recordedAt)], source: sourceOf(e) });
      },
      finish: () => ({ rows, summary: [] }),
    };
  },
};
