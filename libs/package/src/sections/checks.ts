import { categoryOf } from '../membership';
import { roc, rocMonth } from './labels';
import { sourceOf, type SectionDefinition, type SectionRow } from './types';

type D = Record<string, unknown>;

interface Check {
  month: string;
  population: number | null;
  sampleSize: number | null;
  algorithm: string;
  seed: string;
  populationDigest: string;
  compared: number;
  outcomes: Record<string, number>;
  major: number;
  signedOn: string | null;
  source: string;
}

/**
 * 要點 十二(一)(二): the monthly sampling checks of the period's months — population, sample size (at least
 * 3 % and 10 a month, all when fewer), the draw's algorithm, seed and population digest (so anyone can
 * redraw it), the comparison outcomes, major anomalies and sign-off — and the quarterly submissions.
 */
export const monthlyChecksSection: SectionDefinition = {
  id: 'monthly-checks',
  title: '每月抽查及每季送備查',
  rule: '要點 十二(一)(二)',
  file: '10-每月抽查.csv',
  headers: ['月份', '查詢總筆數', '抽查筆數', '抽樣方法', '抽樣種子', '母體摘要SHA-256', '已比對', '相符', '不符', '缺漏', '重大異常', '簽核日期'],
  reportColumns: [0, 1, 2, 7, 8, 9, 10, 11],
  start({ period }) {
    const checks = new Map<string, Check>();
    const quarters: string[] = [];
    const inMonths = (m: string) => m >= period.from.slice(0, 7) && m <= period.to.slice(0, 7);
    return {
      accept(e) {
        const d = e.data as D;
        if (e.type === 'QuarterlyCheckRecordsSubmitted') {
          const q = String(d.quarter);
          if (q.slice(0, 4) >= period.from.slice(0, 4) && q.slice(0, 4) <= period.to.slice(0, 4)) {
            quarters.push(`民國${Number(q.slice(0, 4)) - 1911}年第${q.slice(6)}季查核紀錄:${roc(e.metadata.occurredAt)}送權責管理機關${d.complete ? '' : `(缺 ${(d.missingMonths as string[]).join('、')})`}`);
          }
          return;
        }
        if (categoryOf(e.streamId) !== 'monthlycheck' || !inMonths(String(d.month))) return;
        let c = checks.get(e.streamId);
        if (!c) {
          c = { month: String(d.month), population: null, sampleSize: null, algorithm: '', seed: '', populationDigest: '', compared: 0, outcomes: {}, major: 0, signedOn: null, source: '' };
          checks.set(e.streamId, c);
        }
        if (e.type === 'MonthlySampleDrawn') Object.assign(c, { population: Number(d.population), sampleSize: Number(d.sampleSize), algorithm: String(d.algorithm), seed: String(d.seed), populationDigest: String(d.populationDigest) });
        if (e.type === 'SampleEntryCompared') {
          c.compared++;
          c.outcomes[String(d.outcome)] = (c.outcomes[String(d.outcome)] ?? 0) + 1;
        }
        if (e.type === 'MajorAnomalyFound') c.major++;
        if (e.type === 'MonthlyCheckSignedOff') c.signedOn = e.metadata.occurredAt;
        c.source = sourceOf(e);
      },
      finish: () => {
        const rows: SectionRow[] = [...checks.values()]
          .sort((a, b) => (a.month < b.month ? -1 : 1))
          .map((c) => ({
            cells: [
              rocMonth(c.month), c.population === null ? '' : String(c.population), c.sampleSize === null ? '' : String(c.sampleSize), c.algorithm, c.seed, c.populationDigest, String(c.compared),
              String(c.outcomes.MATCH ?? 0), String(c.outcomes.MISMATCH ?? 0), String(c.outcomes.MISSING ?? 0), String(c.major), roc(c.signedOn),
            ],
            source: c.source,
          }));
        return { rows, summary: [`已簽核 ${[...checks.values()].filter((c) => c.signedOn).length} 個月`, ...quarters] };
      },
    };
  },
};

/** 要點 十二(二)(三)(四): self-audits and audits of the agency, joint audits after a major anomaly, and breach reviews. */
export const auditsSection: SectionDefinition = {
  id: 'audits',
  title: '稽核、聯合稽核及違失檢討',
  rule: '要點 十二(二)(三)(四)',
  file: '11-稽核紀錄.csv',
  headers: ['類別', '編號', '稽核期間', '提出日期', '發現事項數', '摘要', '檢討報告期限'],
  reportColumns: [0, 1, 2, 3, 4, 6],
  start({ period }) {
    const rows: SectionRow[] = [];
    const within = (dayIso: string) => dayIso >= period.from && dayIso <= period.to;
    return {
      accept(e) {
        const d = e.data as D;
        if (e.type === 'AuditReportFiled' && within(String(d.filedOn))) {
          rows.push({
            cells: [d.kind === 'SELF_AUDIT' ? '自行稽核' : '權責管理機關會同總管理機關稽核', String(d.auditId), `${roc(String(d.periodFrom))}至${roc(String(d.periodTo))}`, roc(String(d.filedOn)), String((d.findings as unknown[]).length), String(d.summary), roc(d.breachReportDueDate as string | null)],
            source: sourceOf(e),
          });
        }
        if (e.type === 'JointAuditReportFiled' && within(String(d.filedOn))) {
          rows.push({ cells: ['重大異常聯合稽核', String(d.jointAuditId), '', roc(String(d.filedOn)), String((d.findings as unknown[]).length), String(d.conclusion), roc(d.breachReportDueDate as string | null)], source: sourceOf(e) });
        }
        if (e.type === 'BreachReviewReportSubmitted' && within(String(d.correctedOn))) {
          rows.push({ cells: ['違失改正及檢討報告', `${d.reportStreamId}#${d.findingNo}`, '', roc(e.metadata.occurredAt), '', `改正:${d.correction}`, ''], source: sourceOf(e) });
        }
      },
      finish: () => ({ rows, summary: [] }),
    };
  },
};
