import { businessTime, categoryOf } from '../membership';
import { roc } from './labels';
import { sourceOf, type SectionDefinition } from './types';

interface Item {
  operationCode: string;
  legalBasis: string;
  businessScope: string;
  purpose: string;
  state: string;
  grantedAt: string | null;
  reviewedAt: string | null;
  terminatedAt: string | null;
  source: string;
}

const STATE: Record<string, string> = {
  QueryItemApplied: '申請中',
  QueryItemApprovedByCompetentAuthority: '權責管理機關已審核',
  QueryItemSubmittedToBli: '已送勞保局',
  QueryItemApprovedByBli: '勞保局已核准',
  QueryItemRefused: '未獲核准',
  QueryItemGranted: '已開通',
  QueryItemTerminated: '已終止',
};

/** 要點 四、九(三): each query item with its legal basis, business scope and purpose, as it stood at the period's end. */
export const queryItemsSection: SectionDefinition = {
  id: 'query-items',
  title: '查調項目',
  rule: '要點 四、九(三)',
  file: '02-查調項目.csv',
  headers: ['作業代號', '法律依據', '業務範圍', '使用目的', '期末狀態', '開通日期', '最近使用情形檢視日期', '終止日期'],
  reportColumns: [0, 1, 2, 4],
  start({ period }) {
    const items = new Map<string, Item>();
    return {
      accept(e) {
        if (categoryOf(e.streamId) !== 'queryitem' || businessTime(e) > period.end) return;
        const d = e.data as Record<string, string>;
        const at = businessTime(e);
        let item = items.get(e.streamId);
        if (e.type === 'QueryItemApplied') {
          item = { operationCode: d.operationCode, legalBasis: d.legalBasis, businessScope: d.businessScope, purpose: d.purpose, state: STATE.QueryItemApplied, grantedAt: item?.grantedAt ?? null, reviewedAt: item?.reviewedAt ?? null, terminatedAt: null, source: '' };
        }
        if (!item) return;
        if (STATE[e.type] && !(e.type === 'QueryItemApplied' && item.grantedAt && !item.terminatedAt)) item.state = STATE[e.type];
        if (e.type === 'QueryItemGranted') item.grantedAt = at;
        if (e.type === 'QueryItemUsageReviewed') item.reviewedAt = at;
        if (e.type === 'QueryItemTerminated') item.terminatedAt = at;
        item.source = sourceOf(e);
        items.set(e.streamId, item);
      },
      finish: () => ({
        rows: [...items.values()]
          .sort((a, b) => (a.operationCode < b.operationCode ? -1 : a.operationCode > b.operationCode ? 1 : 0))
          .map((i) => ({ cells: [i.operationCode, i.legalBasis, i.businessScope, i.purpose, i.state, roc(i.grantedAt), roc(i.reviewedAt), roc(i.terminatedAt)], source: i.source })),
        summary: [],
      }),
    };
  },
};
