import { givenFor } from '../../testing/given-when-then';
import { AGENCY, agencyEvents, agencyState } from '../../testing/test-fixtures';
import { AuditEvent, auditDecider, FileAuditReport } from './audit';

const given = givenFor(auditDecider);
const requester = agencyState([...agencyEvents('DATA_REQUESTER'), { type: 'AgencyApprovedForWebIR', data: { agencyCode: AGENCY, reference: null } }]);
const ca = agencyState(agencyEvents('COMPETENT_AUTHORITY', 'LAB001'));
const central = agencyState(agencyEvents('CENTRAL_ADMIN', 'DIT001'));
const at = { occurredAt: new Date('2025-06-20T02:00:00.000Z'), now: new Date('2025-06-20T02:00:00.000Z') };
const self = (o: Partial<FileAuditReport> = {}): FileAuditReport => ({
  type: 'FileAuditReport', auditId: 'SWD001_2025_self', kind: 'SELF_AUDIT', auditedAgencyCode: AGENCY, auditedAgency: requester,
  periodFrom: '2024-06-01', periodTo: '2025-05-31', coversBliDataWork: true, summary: '年度資安稽核', findings: [], ...o,
});
const filed = (o: Record<string, unknown> = {}): AuditEvent => ({
  type: 'AuditReportFiled',
  data: {
    auditId: 'SWD001_2025_self', kind: 'SELF_AUDIT', auditedAgencyCode: AGENCY, auditingAgencyCodes: [AGENCY], periodFrom: '2024-06-01', periodTo: '2025-05-31',
    coversBliDataWork: true, summary: '年度資安稽核', findings: [], proposals: [], filedOn: '2025-06-20', breachReportDueDate: null, ...o,
  },
} as AuditEvent);
const breach = { findingNo: 1, description: '查詢紀錄單未按月列印', breach: true, rule: '要點 十二(一)' };
const minor = { findingNo: 2, description: '密碼原則文件未更新', breach: false, rule: null };
const review = { type: 'SubmitBreachReviewReport' as const, auditId: 'SWD001_2025_self', findingNo: 1, correctedOn: '2025-06-21', correction: '已補印並建立月檢核', review: '檢討報告', competentAuthorityCode: 'LAB001', competentAuthority: ca };

describe('audit decider', () => {
  it('要點 十二(三): a body files its yearly self-audit, which includes its work with BLI data', () => given([], at).when(self()).then([filed()]));

  it('要點 十二(三): a self-audit that leaves out the work with BLI data is refused', () =>
    given([], at).when(self({ coversBliDataWork: false })).thenThrows('AUDIT_MUST_COVER_BLI_DATA_WORK', '要點 十二(三)'));

  it('要點 十二(三): the central admin and the competent authority self-audit too', () => {
    given([], at).when(self({ auditedAgencyCode: 'DIT001', auditedAgency: central })).then([filed({ auditedAgencyCode: 'DIT001', auditingAgencyCodes: ['DIT001'] })]);
    given([], at).when(self({ auditedAgencyCode: 'LAB001', auditedAgency: ca })).then([filed({ auditedAgencyCode: 'LAB001', auditingAgencyCodes: ['LAB001'] })]);
  });

  it('要點 十二(三): the competent authority audits a requester with the central admin and may propose rewards or penalties', () =>
    given([], at)
      .when(self({ kind: 'REQUESTER_AUDIT', competentAuthorityCode: 'LAB001', centralAdminCode: 'DIT001', centralAdmin: central, proposals: [{ kind: 'REWARD', text: '查核確實,建議嘉獎' }] }))
      .then([filed({ kind: 'REQUESTER_AUDIT', auditingAgencyCodes: ['LAB001', 'DIT001'], proposals: [{ kind: 'REWARD', text: '查核確實,建議嘉獎' }] })]));

  it('要點 十二(三): a requester audit needs the central admin, and audits a requester agency', () => {
    given([], at).when(self({ kind: 'REQUESTER_AUDIT', competentAuthorityCode: 'LAB001' })).thenThrows('REQUESTER_AUDIT_NEEDS_CENTRAL_ADMIN', '要點 十二(三)');
    given([], at).when(self({ kind: 'REQUESTER_AUDIT', competentAuthorityCode: 'LAB001', centralAdminCode: 'LAB001', centralAdmin: ca })).thenThrows('REQUESTER_AUDIT_NEEDS_CENTRAL_ADMIN');
    given([], at).when(self({ kind: 'REQUESTER_AUDIT', auditedAgency: ca, competentAuthorityCode: 'LAB001', centralAdminCode: 'DIT001', centralAdmin: central })).thenThrows('AUDIT_SUBJECT_NOT_REQUESTER');
  });

  it('要點 十二(三): a self-audit proposes no reward or penalty', () =>
    given([], at).when(self({ proposals: [{ kind: 'PENALTY', text: 'x' }] })).thenThrows('AUDIT_PROPOSAL_NOT_APPLICABLE'));

  it('要點 十二(四): findings are numbered; a breach makes the review report due in 30 days (project default)', () =>
    given([], at)
      .when(self({ findings: [{ description: breach.description, breach: true, rule: breach.rule }, { description: minor.description, breach: false }] }))
      .then([filed({ findings: [breach, minor], breachReportDueDate: '2025-07-20' })]));

  it('要點 十二(四) names no period for the review report: a configured 10 days moves its due date', () =>
    given([], at)
      .when(self({ findings: [{ description: breach.description, breach: true, rule: breach.rule }, { description: minor.description, breach: false }], breachReportDays: 10 }))
      .then([filed({ findings: [breach, minor], breachReportDueDate: '2025-06-30' })]));

  it('the period must be a real, past span; a report is filed once', () => {
    given([], at).when(self({ periodFrom: '2025-06-01', periodTo: '2025-05-31' })).thenThrows('VALIDATION_FAILED');
    given([], at).when(self({ periodTo: '2025-06-21' })).thenThrows('VALIDATION_FAILED');
    given([filed()], at).when(self()).thenThrows('AUDIT_ALREADY_FILED');
  });

  it('要點 十二(四): the body in breach corrects it and sends a review report to the competent authority', () =>
    given([filed({ findings: [breach, minor], breachReportDueDate: '2025-07-20' })], { now: new Date('2025-06-25T02:00:00.000Z') })
      .when(review)
      .then([{ type: 'BreachReviewReportSubmitted', data: { reportStreamId: 'audit-SWD001_2025_self', agencyCode: AGENCY, findingNo: 1, correctedOn: '2025-06-21', correction: '已補印並建立月檢核', review: '檢討報告', competentAuthorityCode: 'LAB001' } }]));

  it('要點 十二(四): a review report answers a breach, once, and goes to the competent authority', () => {
    const withFindings = filed({ findings: [breach, minor], breachReportDueDate: '2025-07-20' });
    const later = { now: new Date('2025-06-25T02:00:00.000Z') };
    given([withFindings], later).when({ ...review, findingNo: 2 }).thenThrows('FINDING_NOT_A_BREACH', '要點 十二(四)');
    given([withFindings], later).when({ ...review, findingNo: 3 }).thenThrows('VALIDATION_FAILED');
    given([withFindings], later).when({ ...review, competentAuthority: central }).thenThrows('REVIEW_RECIPIENT_NOT_COMPETENT_AUTHORITY');
    given([withFindings], later).when({ ...review, correctedOn: '2025-06-19' }).thenThrows('VALIDATION_FAILED');
    given([withFindings, { type: 'BreachReviewReportSubmitted', data: { reportStreamId: 'audit-SWD001_2025_self', agencyCode: AGENCY, findingNo: 1, correctedOn: '2025-06-21', correction: 'x', review: 'y', competentAuthorityCode: 'LAB001' } }], later)
      .when(review)
      .thenThrows('BREACH_REVIEW_ALREADY_SUBMITTED');
    given([]).when(review).thenThrows('NOT_FOUND');
  });
});
