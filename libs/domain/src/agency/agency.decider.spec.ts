import { givenFor } from '../../testing/given-when-then';
import { agencyEvents, agencyState } from '../../testing/test-fixtures';
import { agencyDecider, isApprovedForWebIR } from './agency.decider';
import type { AgencyEvent, PersonnelRole } from './agency.events';

const given = givenFor(agencyDecider);
const central = agencyEvents('CENTRAL_ADMIN', 'IT001');
const designated = (agencyCode: string, changeNo: number, personnelRole: PersonnelRole, personId: string, effectiveDate = '2025-06-01', extra = {}): AgencyEvent => ({
  type: 'AgencyPersonnelDesignated',
  data: { agencyCode, changeNo, personnelRole, personId, previousPersonId: null, effectiveDate, ...extra },
});
const changedWindow: AgencyEvent[] = [
  ...central,
  designated('IT001', 1, 'CONTACT_WINDOW', 'person:1'),
  designated('IT001', 2, 'CONTACT_WINDOW', 'person:2', '2025-06-28', {
    previousPersonId: 'person:1',
    duty: { kind: 'NOTIFY_BLI_OF_PERSONNEL_CHANGE', rule: '要點 七', dueDate: '2025-07-05' },
  }),
];

describe('agency decider', () => {
  it('要點 二: a new agency is registered with its code, name and role', () =>
    given([])
      .when({ type: 'RegisterAgency', agencyCode: 'A001', name: '社會局', role: 'DATA_REQUESTER' })
      .then([{ type: 'AgencyRegistered', data: { agencyCode: 'A001', name: '社會局', role: 'DATA_REQUESTER' } }]));

  it('要點 二: an agency cannot be registered twice', () =>
    given([{ type: 'AgencyRegistered', data: { agencyCode: 'A001', name: '社會局', role: 'DATA_REQUESTER' } }])
      .when({ type: 'RegisterAgency', agencyCode: 'A001', name: '社會局', role: 'DATA_REQUESTER' })
      .thenThrows('AGENCY_ALREADY_REGISTERED'));

  describe('approval for WebIR use', () => {
    it('要點 二(三): the competent authority approves a data-requester agency for WebIR use', () =>
      given(agencyEvents())
        .when({ type: 'ApproveAgencyForWebIR', agencyCode: 'SWD001', reference: '北市勞字第1140001號' })
        .then([{ type: 'AgencyApprovedForWebIR', data: { agencyCode: 'SWD001', reference: '北市勞字第1140001號' } }]));

    it('要點 二(三): a data-requester agency is not approved until the competent authority agrees', () => {
      expect(isApprovedForWebIR(agencyState(agencyEvents()))).toBe(false);
      expect(isApprovedForWebIR(agencyState([...agencyEvents(), { type: 'AgencyApprovedForWebIR', data: { agencyCode: 'SWD001', reference: null } }]))).toBe(true);
      expect(isApprovedForWebIR(agencyState(central))).toBe(true);
    });

    it('要點 二(一)(二): the central admin and the competent authority are named by the 要點 and need no approval', () =>
      given(central).when({ type: 'ApproveAgencyForWebIR', agencyCode: 'IT001' }).thenThrows('AGENCY_APPROVAL_NOT_APPLICABLE', '要點 二(三)'));

    it('要點 二(三): an agency is approved once', () =>
      given([...agencyEvents(), { type: 'AgencyApprovedForWebIR', data: { agencyCode: 'SWD001', reference: null } }])
        .when({ type: 'ApproveAgencyForWebIR', agencyCode: 'SWD001' })
        .thenThrows('AGENCY_ALREADY_APPROVED'));

    it('要點 二: an unregistered agency cannot be approved', () =>
      given([]).when({ type: 'ApproveAgencyForWebIR', agencyCode: 'SWD001' }).thenThrows('NOT_FOUND'));
  });

  describe('personnel', () => {
    it('要點 十(一): a first designation is recorded with its effective date and opens no BLI duty', () =>
      given(central)
        .when({ type: 'DesignateAgencyPersonnel', agencyCode: 'IT001', personnelRole: 'CONTACT_WINDOW', personId: 'person:1', effectiveDate: '2025-06-01' })
        .then([designated('IT001', 1, 'CONTACT_WINDOW', 'person:1')]));

    it("要點 七: a change of the central admin's contact window opens the duty to notify BLI within 7 days", () =>
      given([...central, designated('IT001', 1, 'CONTACT_WINDOW', 'person:1')])
        .when({ type: 'DesignateAgencyPersonnel', agencyCode: 'IT001', personnelRole: 'CONTACT_WINDOW', personId: 'person:2', effectiveDate: '2025-06-28' })
        .then([changedWindow[2]]));

    it("要點 七: a change of the central admin's unit head is reportable too, numbered per agency", () =>
      given([...changedWindow, designated('IT001', 3, 'UNIT_HEAD', 'person:3')])
        .when({ type: 'DesignateAgencyPersonnel', agencyCode: 'IT001', personnelRole: 'UNIT_HEAD', personId: 'person:4', effectiveDate: '2025-07-10' })
        .then([
          designated('IT001', 4, 'UNIT_HEAD', 'person:4', '2025-07-10', {
            previousPersonId: 'person:3',
            duty: { kind: 'NOTIFY_BLI_OF_PERSONNEL_CHANGE', rule: '要點 七', dueDate: '2025-07-17' },
          }),
        ]));

    it("要點 七: a data-requester agency's personnel change is not reported to BLI", () =>
      given([...agencyEvents(), designated('SWD001', 1, 'DEDICATED_STAFF', 'person:1')])
        .when({ type: 'DesignateAgencyPersonnel', agencyCode: 'SWD001', personnelRole: 'DEDICATED_STAFF', personId: 'person:2', effectiveDate: '2025-06-28' })
        .then([designated('SWD001', 2, 'DEDICATED_STAFF', 'person:2', '2025-06-28', { previousPersonId: 'person:1' })]));

    it('要點 七: designating the person who already holds the role is not a change', () =>
      given(changedWindow)
        .when({ type: 'DesignateAgencyPersonnel', agencyCode: 'IT001', personnelRole: 'CONTACT_WINDOW', personId: 'person:2', effectiveDate: '2025-07-01' })
        .thenThrows('PERSONNEL_UNCHANGED', '要點 七'));

    it('要點 七: an effective date must be a calendar day', () =>
      given(central)
        .when({ type: 'DesignateAgencyPersonnel', agencyCode: 'IT001', personnelRole: 'UNIT_HEAD', personId: 'person:1', effectiveDate: '2025/06/01' })
        .thenThrows('VALIDATION_FAILED'));
  });

  describe('BLI notice', () => {
    it('要點 七: notifying BLI within 7 days meets the duty on time', () =>
      given(changedWindow, { occurredAt: new Date('2025-07-05T15:00:00Z') })
        .when({ type: 'RecordBliNotifiedOfPersonnelChange', agencyCode: 'IT001', changeNo: 2, reference: '北市資字第1140002號' })
        .then([
          { type: 'BliNotifiedOfPersonnelChange', data: { agencyCode: 'IT001', changeNo: 2, notifiedOn: '2025-07-05', onTime: true, reference: '北市資字第1140002號' } },
        ]));

    it('要點 七: a notice after the 7th day (Asia/Taipei) is recorded as late, not refused', () =>
      given(changedWindow, { occurredAt: new Date('2025-07-05T16:00:00Z') })
        .when({ type: 'RecordBliNotifiedOfPersonnelChange', agencyCode: 'IT001', changeNo: 2 })
        .then([{ type: 'BliNotifiedOfPersonnelChange', data: { agencyCode: 'IT001', changeNo: 2, notifiedOn: '2025-07-06', onTime: false, reference: null } }]));

    it('要點 七: a notice must name a change that is awaiting one', () =>
      given(changedWindow).when({ type: 'RecordBliNotifiedOfPersonnelChange', agencyCode: 'IT001', changeNo: 1 }).thenThrows('NO_BLI_NOTICE_DUE', '要點 七'));

    it('要點 七: a change is notified once', () =>
      given([...changedWindow, { type: 'BliNotifiedOfPersonnelChange', data: { agencyCode: 'IT001', changeNo: 2, notifiedOn: '2025-07-01', onTime: true, reference: null } }])
        .when({ type: 'RecordBliNotifiedOfPersonnelChange', agencyCode: 'IT001', changeNo: 2 })
        .thenThrows('NO_BLI_NOTICE_DUE'));
  });

  describe('security training', () => {
    const withStaff = [...agencyEvents(), designated('SWD001', 1, 'DEDICATED_STAFF', 'person:9')];

    it('要點 十(二): the dedicated staff member\'s security training is recorded with its date', () =>
      given(withStaff)
        .when({ type: 'RecordDedicatedStaffTraining', agencyCode: 'SWD001', personId: 'person:9', completedOn: '2025-05-20', course: '資通安全通識教育 3小時' })
        .then([
          { type: 'DedicatedStaffTrainingRecorded', data: { agencyCode: 'SWD001', personId: 'person:9', completedOn: '2025-05-20', course: '資通安全通識教育 3小時' } },
        ]));

    it('要點 十(二): training is recorded only for the current dedicated staff', () =>
      given(withStaff)
        .when({ type: 'RecordDedicatedStaffTraining', agencyCode: 'SWD001', personId: 'person:8', completedOn: '2025-05-20', course: '資通安全通識教育' })
        .thenThrows('TRAINEE_NOT_DEDICATED_STAFF', '要點 十(二)'));
  });

  describe('要點 七: the BLI-notice due date is decided once, in the event, and only ever stricter', () => {
    const change = { type: 'DesignateAgencyPersonnel' as const, agencyCode: 'IT001', personnelRole: 'CONTACT_WINDOW' as const, personId: 'person:2', effectiveDate: '2025-06-28' };
    it('given a configured 3 days, when the contact window changes, then the duty is due 3 days after', () =>
      given([...central, designated('IT001', 1, 'CONTACT_WINDOW', 'person:1')])
        .when({ ...change, bliNoticeDays: 3 })
        .then([designated('IT001', 2, 'CONTACT_WINDOW', 'person:2', '2025-06-28', { previousPersonId: 'person:1', duty: { kind: 'NOTIFY_BLI_OF_PERSONNEL_CHANGE', rule: '要點 七', dueDate: '2025-07-01' } })]));
    it('given a configured 10 days (looser than the 要點), when the contact window changes, then it is refused', () =>
      given([...central, designated('IT001', 1, 'CONTACT_WINDOW', 'person:1')]).when({ ...change, bliNoticeDays: 10 }).thenThrows('VALIDATION_FAILED'));
    it('given a notice on day 8 of a 7-day duty, then the event records it as late', () =>
      given(changedWindow, { occurredAt: new Date('2025-07-06T01:00:00.000Z') })
        .when({ type: 'RecordBliNotifiedOfPersonnelChange', agencyCode: 'IT001', changeNo: 2 })
        .then([{ type: 'BliNotifiedOfPersonnelChange', data: { agencyCode: 'IT001', changeNo: 2, notifiedOn: '2025-07-06', onTime: false, reference: null } }]));
  });
});
