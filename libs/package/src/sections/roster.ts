import { evolveRosterEntry, ROSTER_EVENT_TYPES, type RosterEntry, type RosterFact } from '@ledger/projections/roster/roster-entry';
import { businessTime, categoryOf } from '../membership';
import { ACCOUNT_KIND, ACCOUNT_STATUS, FINDING, roc } from './labels';
import { sourceOf, type SectionDefinition } from './types';

const ROSTER_TYPES: ReadonlySet<string> = new Set(ROSTER_EVENT_TYPES);

interface Fact {
  at: string;
  order: number;
  accountId: string;
  fact: RosterFact;
  source: string;
}

/**
 * 使用者清冊 (要點 十二(五)): every account in force at the period's end, folded by the same pure
 * function the roster read model uses, in business time (a move counts from its effective date).
 */
export const rosterSection: SectionDefinition = {
  id: 'roster',
  title: '使用者清冊(期末)',
  rule: '要點 十二(五)',
  file: '03-使用者清冊.csv',
  headers: ['帳號代碼', '帳號類別', '身分證統一編號', '姓名', '人員代碼', '帳號狀態', '職稱', '單位', '查調項目', '建立日期', '核准日期', '停用日期', '刪除日期', '最近權限清查日期', '清查結果'],
  holderColumns: { nationalId: 2, name: 3 },
  reportColumns: [0, 1, 2, 3, 5, 7, 8],
  start({ agencyCode, period }) {
    const facts: Fact[] = [];
    const approvals = new Map<string, string>();
    let order = 0;
    return {
      accept(e) {
        order++;
        if (e.type === 'ApplicationCompleted') approvals.set(String((e.data as { applicationId: string }).applicationId), e.metadata.occurredAt);
        if (!ROSTER_TYPES.has(e.type)) return;
        const accountId = String((e.data as { accountId: string }).accountId);
        if (!accountId.startsWith(`${agencyCode}.`) || (categoryOf(e.streamId) !== 'account' && e.type !== 'AccessReviewFindingRecorded')) return;
        const at = businessTime(e);
        if (at > period.end) return;
        facts.push({ at, order, accountId, source: sourceOf(e), fact: { type: e.type, data: e.data, occurredAt: e.metadata.occurredAt } as RosterFact });
      },
      finish() {
        facts.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.order - b.order));
        const entries = new Map<string, RosterEntry>();
        const sources = new Map<string, string>();
        for (const f of facts) {
          const approvedAt = f.fact.type === 'AccountCreated' ? (approvals.get(f.fact.data.applicationId) ?? null) : undefined;
          const next = evolveRosterEntry(entries.get(f.accountId), { ...f.fact, approvedAt } as RosterFact);
          if (next) {
            entries.set(f.accountId, next);
            sources.set(f.accountId, f.source);
          }
        }
        const rows = [...entries.values()]
          .sort((a, b) => a.kind.localeCompare(b.kind) || (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0))
          .map((e) => ({
            cells: [
              e.accountId, ACCOUNT_KIND[e.kind] ?? e.kind, '', '', e.personId, ACCOUNT_STATUS[e.status] ?? e.status, e.post, e.unit, e.queryItems.join(' '),
              roc(e.createdAt), roc(e.approvedAt), roc(e.disabledAt), roc(e.deletedAt), roc(e.lastReviewedAt), e.lastReviewFinding ? (FINDING[e.lastReviewFinding] ?? e.lastReviewFinding) : '',
            ],
            source: sources.get(e.accountId)!,
            personId: e.personId,
          }));
        const count = (s: string) => [...entries.values()].filter((e) => e.status === s).length;
        return { rows, summary: [`啟用 ${count('ACTIVE')} 個、停用 ${count('DISABLED')} 個、刪除 ${count('DELETED')} 個`] };
      },
    };
  },
};
