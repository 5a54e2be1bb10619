import { businessTime, categoryOf, inPeriod } from '../membership';
import { FINDING, roc } from './labels';
import { sourceOf, type SectionDefinition } from './types';

interface Review {
  reviewId: string;
  openedAt: string;
  closedAt: string | null;
  reviewedAccounts: number | null;
  findings: Record<string, number>;
  recorded: number;
  touchesPeriod: boolean;
  source: string;
}

/** 要點 六(六): the yearly access reviews held or closed in the period, with what they found. */
export const accessReviewsSection: SectionDefinition = {
  id: 'access-reviews',
  title: '使用者帳號權限清查',
  rule: '要點 六(六)',
  file: '05-權限清查.csv',
  headers: ['清查編號', '開始日期', '完成日期', '清查帳號數', '逐筆紀錄數', '發現'],
  reportColumns: [0, 1, 2, 3, 5],
  start({ period }) {
    const reviews = new Map<string, Review>();
    return {
      accept(e) {
        if (categoryOf(e.streamId) !== 'accessreview') return;
        const at = businessTime(e);
        if (at > period.end) return;
        const d = e.data as { reviewId: string; reviewedAccounts?: number; findings?: Record<string, number>; finding?: string };
        let r = reviews.get(e.streamId);
        if (e.type === 'AccessReviewOpened') {
          r = { reviewId: d.reviewId, openedAt: at, closedAt: null, reviewedAccounts: null, findings: {}, recorded: 0, touchesPeriod: false, source: '' };
          reviews.set(e.streamId, r);
        }
        if (!r) return;
        if (e.type === 'AccessReviewFindingRecorded') r.recorded++;
        if (e.type === 'AccessReviewClosed') {
          r.closedAt = at;
          r.reviewedAccounts = d.reviewedAccounts ?? null;
          r.findings = d.findings ?? {};
        }
        r.touchesPeriod ||= inPeriod(at, period);
        r.source = sourceOf(e);
      },
      finish: () => ({
        rows: [...reviews.values()]
          .filter((r) => r.touchesPeriod || r.closedAt === null)
          .map((r) => ({
            cells: [
              r.reviewId, roc(r.openedAt), roc(r.closedAt), r.reviewedAccounts === null ? '' : String(r.reviewedAccounts), String(r.recorded),
              Object.entries(FINDING).map(([k, label]) => `${label}${r.findings[k] ?? 0}`).join('、'),
            ],
            source: r.source,
          })),
        summary: [],
      }),
    };
  },
};
