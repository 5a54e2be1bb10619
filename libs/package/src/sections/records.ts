import { categoryOf, inPeriod } from '../membership';
import { roc, rocDateTime } from './labels';
import { sourceOf, type SectionDefinition, type SectionRow } from './types';

type D = Record<string, unknown>;
const day = (iso: string, p: { from: string; to: string }) => iso >= p.from && iso <= p.to;

interface Obtained {
  recordId: string;
  obtainedOn: string;
  legalBasis: string;
  useUntil: string;
  statutory: string;
  copies: number;
  endedOn: string | null;
  deleteBy: string | null;
  deletedOn: string | null;
  method: string;
  complete: boolean;
  disclosures: number;
  source: string;
}

const METHOD: Record<string, string> = { SHREDDED: '銷毀(碎紙)', SECURE_ERASE: '安全抹除', MEDIUM_DESTROYED: '媒體銷毀' };

/**
 * 要點 九(一)2、3、十一: data obtained from BLI held in the period — how it is kept, its declared use and
 * retention, the end of its use, and its deletion with evidence (the data itself is never in the ledger).
 */
export const obtainedDataSection: SectionDefinition = {
  id: 'obtained-data',
  title: '取得資料之保管及刪除',
  rule: '要點 九(一)、十一',
  file: '14-取得資料保管及刪除.csv',
  headers: ['紀錄編號', '取得日期', '法律依據', '使用期限', '法定保存期限', '份數', '對外提供次數', '使用完竣日', '應刪除期限', '刪除日期', '刪除方式', '刪除狀態'],
  reportColumns: [0, 1, 7, 8, 9, 11],
  start({ period }) {
    const records = new Map<string, Obtained>();
    return {
      accept(e) {
        if (categoryOf(e.streamId) !== 'obtaineddata') return;
        const d = e.data as D;
        if (e.type === 'ObtainedDataRecorded') {
          const use = d.use as { until: string | null; basis: string };
          const statutory = d.statutoryRetention as { until: string; basis: string } | null;
          records.set(e.streamId, {
            recordId: String(d.recordId), obtainedOn: String(d.obtainedOn), legalBasis: String(d.legalBasis), useUntil: use.until ? `${roc(use.until)}(${use.basis})` : use.basis,
            statutory: statutory ? `${roc(statutory.until)}(${statutory.basis})` : '', copies: (d.copies as unknown[]).length, endedOn: null, deleteBy: null, deletedOn: null, method: '', complete: false, disclosures: 0, source: sourceOf(e),
          });
          return;
        }
        const r = records.get(e.streamId);
        if (!r) return;
        if (e.type === 'ObtainedDataCopyMade') r.copies++;
        if (e.type === 'ObtainedDataDisclosed') r.disclosures++;
        if (e.type === 'ObtainedDataUseEnded') {
          r.endedOn = String(d.endedOn);
          r.deleteBy = (d.duty as { dueDate: string }).dueDate;
        }
        if (e.type === 'ObtainedDataDeleted' && String(d.deletedOn) <= period.to) {
          r.deletedOn = String(d.deletedOn);
          r.method = METHOD[String(d.method)] ?? String(d.method);
          r.complete = d.complete === true;
        }
        r.source = sourceOf(e);
      },
      finish: () => {
        const held = [...records.values()].filter((r) => r.obtainedOn <= period.to && !(r.complete && r.deletedOn !== null && r.deletedOn < period.from));
        const late = held.filter((r) => r.deleteBy !== null && ((r.deletedOn ?? '9999') > r.deleteBy)).length;
        return {
          rows: held.map((r) => ({
            cells: [r.recordId, roc(r.obtainedOn), r.legalBasis, r.useUntil, r.statutory, String(r.copies), String(r.disclosures), roc(r.endedOn), roc(r.deleteBy), roc(r.deletedOn), r.method, r.complete ? '已全部刪除' : r.deletedOn ? '部分刪除' : '保管中'],
            source: r.source,
          })),
          summary: [`期末保管中 ${held.filter((r) => !r.complete).length} 件、已刪除 ${held.filter((r) => r.complete).length} 件、逾期或未於期限內刪除 ${late} 件`],
        };
      },
    };
  },
};

interface Incident {
  incidentId: string;
  discoveredAt: string;
  suspected: boolean;
  summary: string;
  notifyBy: string;
  notifiedAt: string | null;
  onTime: boolean | null;
  actions: number;
  closedAt: string | null;
  conclusion: string;
  source: string;
}

/** 要點 十二(十): security incidents and suspected incidents, the response taken and the notice to BLI. */
export const incidentsSection: SectionDefinition = {
  id: 'incidents',
  title: '個人資料安全事故',
  rule: '要點 十二(十)',
  file: '13-資安事故.csv',
  headers: ['事故編號', '發現時間', '疑似', '摘要', '應通報時限', '通報勞保局時間', '如期通報', '處置紀錄數', '結案日期', '結論'],
  reportColumns: [0, 1, 2, 5, 6, 8, 9],
  start({ period }) {
    const incidents = new Map<string, Incident>();
    return {
      accept(e) {
        if (categoryOf(e.streamId) !== 'incident') return;
        const d = e.data as D;
        if (e.type === 'IncidentReported') {
          incidents.set(e.streamId, {
            incidentId: String(d.incidentId), discoveredAt: String(d.discoveredAt), suspected: d.suspected === true, summary: String(d.summary), notifyBy: (d.duty as { dueAt: string }).dueAt,
            notifiedAt: null, onTime: null, actions: 0, closedAt: null, conclusion: '', source: sourceOf(e),
          });
          return;
        }
        const i = incidents.get(e.streamId);
        if (!i) return;
        if (e.type === 'IncidentActionRecorded') i.actions++;
        if (e.type === 'BliNotifiedOfIncident' && i.notifiedAt === null) {
          i.notifiedAt = String(d.notifiedAt);
          i.onTime = d.onTime === true;
        }
        if (e.type === 'IncidentClosed') {
          i.closedAt = String(d.closedAt);
          i.conclusion = d.conclusion === 'CONFIRMED' ? '確認為事故' : '非事故';
        }
        i.source = sourceOf(e);
      },
      finish: () => {
        const rows = [...incidents.values()]
          .filter((i) => i.discoveredAt <= period.end && !(i.closedAt !== null && i.closedAt < period.start))
          .map((i) => ({
            cells: [i.incidentId, rocDateTime(i.discoveredAt), i.suspected ? '是' : '否', i.summary, rocDateTime(i.notifyBy), i.notifiedAt ? rocDateTime(i.notifiedAt) : '尚未通報', i.onTime === null ? '' : i.onTime ? '是' : '否', String(i.actions), roc(i.closedAt), i.conclusion],
            source: i.source,
          }));
        return { rows, summary: [] };
      },
    };
  },
};

/**
 * 要點 十二(五)(六)(七): BLI's inspections, the materials provided, its requests for an explanation or
 * improvement with their deadlines and answers, and any suspension, termination or resumption of service.
 */
export const bliInspectionsSection: SectionDefinition = {
  id: 'bli-inspections',
  title: '勞保局稽核、限期說明或改善',
  rule: '要點 十二(五)(六)(七)',
  file: '12-勞保局稽核及改善.csv',
  headers: ['日期', '事項', '編號', '內容', '期限', '辦理情形'],
  reportColumns: [0, 1, 2, 4, 5],
  start({ agencyCode, period }) {
    const rows: SectionRow[] = [];
    const requests = new Map<string, SectionRow>();
    return {
      accept(e) {
        const d = e.data as D;
        if (categoryOf(e.streamId) === 'bliinspection') {
          if (e.type === 'BliInspectionRecorded' && day(String(d.startedOn), period)) {
            rows.push({ cells: [roc(String(d.startedOn)), '勞保局實施稽核', String(d.inspectionId), `${d.scope};提供資料 ${(d.materials as unknown[]).length} 項`, '', ''], source: sourceOf(e) });
          }
          if (e.type === 'BliActionRequested' && String(d.receivedOn) <= period.to) {
            const row = { cells: [roc(String(d.receivedOn)), d.kind === 'IMPROVEMENT' ? '限期改善' : '限期說明', String(d.requestId), String(d.summary), roc((d.duty as { dueDate: string }).dueDate), '尚未回覆'], source: sourceOf(e) };
            requests.set(String(d.requestId), row);
            rows.push(row);
          }
          const answered = e.type === 'BliRequestAnswered' ? requests.get(String(d.requestId)) : undefined;
          if (answered && String(d.answeredAt) <= period.end) {
            answered.cells[5] = `${rocDateTime(String(d.answeredAt))} 回覆${d.onTime ? '(如期)' : '(逾期)'}`;
            answered.source = sourceOf(e);
          }
        }
        if (e.streamId === `webirservice-${agencyCode}` && inPeriod(String(d.effectiveAt ?? d.reappliedAt), period)) {
          const label: Record<string, string> = { WebIRServiceSuspended: '暫停勞保WebIR資料提供', WebIRServiceTerminated: '終止勞保WebIR資料提供', WebIRServiceReapplied: '改善完成重新申請', WebIRServiceResumed: '恢復資料提供' };
          if (label[e.type]) rows.push({ cells: [roc(String(d.effectiveAt ?? d.reappliedAt)), label[e.type], String(d.reference ?? ''), String(d.reason ?? d.improvements ?? ''), '', ''], source: sourceOf(e) });
        }
      },
      finish: () => ({ rows, summary: [] }),
    };
  },
};
