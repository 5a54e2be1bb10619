import { givenFor } from '../../testing/given-when-then';
import { AGENCY, agencyEvents, agencyState } from '../../testing/test-fixtures';
import { FileJointAuditReport, JointAuditEvent, jointAuditDecider, jointAuditStreamId } from './joint-audit';

const given = givenFor(jointAuditDecider);
const id = '7D0C1F7E-3F43-4C1B-9A55-2F9E0B8A6C11';
const at = { occurredAt: new Date('2025-04-20T02:00:00.000Z'), now: new Date('2025-04-20T02:00:00.000Z') };
const file = (o: Partial<FileJointAuditReport> = {}): FileJointAuditReport => ({
  type: 'FileJointAuditReport', jointAuditId: id, opened: { agencyCode: AGENCY }, checkerPersonId: 'person_checker', ethicsUnit: '政風室', itUnit: '資訊室',
  conclusion: '查詢對象與案件無關,已移送政風', findings: [{ description: '使用者查詢非承辦案件當事人', breach: true, rule: '要點 八' }], ...o,
});
const filed: JointAuditEvent = {
  type: 'JointAuditReportFiled',
  data: {
    jointAuditId: id.toLowerCase(), agencyCode: AGENCY, checkerPersonId: 'person_checker', ethicsUnit: '政風室', itUnit: '資訊室', conclusion: '查詢對象與案件無關,已移送政風',
    findings: [{ findingNo: 1, description: '使用者查詢非承辦案件當事人', breach: true, rule: '要點 八' }], filedOn: '2025-04-20', breachReportDueDate: '2025-05-20',
  },
};

describe('joint audit decider', () => {
  it('要點 十二(二): the checker, the ethics unit and the IT unit file the joint audit report; a breach found opens its review', () =>
    given([], at).when(file()).then([filed]));

  it('要點 十二(二): only a joint audit the ledger opened has a report; once', () => {
    given([], at).when(file({ opened: null })).thenThrows('NOT_FOUND');
    given([filed], at).when(file()).thenThrows('JOINT_AUDIT_REPORT_ALREADY_FILED', '要點 十二(二)');
  });

  it('要點 十二(二): the ethics and IT units are named', () => given([], at).when(file({ ethicsUnit: ' ' })).thenThrows('VALIDATION_FAILED'));

  it('要點 十二(四): the breach it found gets its review report', () =>
    given([filed], { now: new Date('2025-04-25T02:00:00.000Z') })
      .when({ type: 'SubmitBreachReviewReport', jointAuditId: id, findingNo: 1, correctedOn: '2025-04-21', correction: '停用帳號', review: '檢討報告', competentAuthorityCode: 'LAB001', competentAuthority: agencyState(agencyEvents('COMPETENT_AUTHORITY', 'LAB001')) })
      .then([{ type: 'BreachReviewReportSubmitted', data: { reportStreamId: 'jointaudit-7d0c1f7e3f434c1b9a552f9e0b8a6c11', agencyCode: AGENCY, findingNo: 1, correctedOn: '2025-04-21', correction: '停用帳號', review: '檢討報告', competentAuthorityCode: 'LAB001' } }]));

  it('its stream id has one dash: the UUID without its own', () => {
    expect(jointAuditStreamId(id)).toBe('jointaudit-7d0c1f7e3f434c1b9a552f9e0b8a6c11');
    expect(() => jointAuditStreamId('not-a-uuid')).toThrow('jointAuditId');
  });
});
