import { businessTime } from '../membership';
import { AGENCY_ROLE, PERSONNEL_ROLE, roc } from './labels';
import { sourceOf, type SectionDefinition, type SectionRow } from './types';

type D = Record<string, string | number | boolean | null | undefined>;

/** 要點 二、七、十(一): the agency, its WebIR approval, and whom it designated (contact window, dedicated staff, unit head). */
export const agencySection: SectionDefinition = {
  id: 'agency',
  title: '機關及指定人員',
  rule: '要點 二、七、十(一)',
  file: '01-機關及指定人員.csv',
  headers: ['日期', '事項', '內容'],
  reportColumns: [0, 1, 2],
  start({ agencyCode, period }) {
    const rows: SectionRow[] = [];
    return {
      accept(e) {
        if (e.streamId !== `agency-${agencyCode}` || businessTime(e) > period.end) return;
        const d = e.data as D;
        const day = roc(businessTime(e));
        switch (e.type) {
          case 'AgencyRegistered':
            rows.push({ cells: [day, '機關登錄', `${d.name}(${d.agencyCode}),${AGENCY_ROLE[String(d.role)] ?? d.role}`], source: sourceOf(e) });
            break;
          case 'AgencyApprovedForWebIR':
            rows.push({ cells: [day, '權責管理機關同意使用勞保WebIR(要點 二(三))', d.reference ? `文號 ${d.reference}` : ''], source: sourceOf(e) });
            break;
          case 'AgencyPersonnelDesignated':
            rows.push({
              cells: [day, `指定${PERSONNEL_ROLE[String(d.personnelRole)] ?? d.personnelRole}`, `人員代碼 ${d.personId}${d.previousPersonId ? `,接替 ${d.previousPersonId}` : ''},生效日 ${roc(String(d.effectiveDate))},異動序號 ${d.changeNo}`],
              source: sourceOf(e),
            });
            break;
          case 'BliNotifiedOfPersonnelChange':
            rows.push({ cells: [day, '通知勞保局人員異動(要點 七)', `異動序號 ${d.changeNo},通知日 ${roc(String(d.notifiedOn))},${d.onTime ? '如期' : '逾期'}`], source: sourceOf(e) });
            break;
          default:
        }
      },
      finish: () => ({ rows, summary: [] }),
    };
  },
};
