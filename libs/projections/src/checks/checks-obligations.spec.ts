import type { RecordedEvent } from '@ledger/event-store';
import { projectEvents, projectTwice, SqliteReadModelStore } from '@ledger/read-models';
import { recorded } from '../testing/recorded';
import { OBLIGATION_KINDS, ObligationKind, obligationsProjection } from '../obligations/obligations.projection';
import { obligationsAt } from '../obligations/obligations.queries';

/** The ledger's own month-close checkpoint, as the checkpoint service appends it. */
function checkpoint(at: string): RecordedEvent {
  const base = recorded('agency-XXX', 'AgencyApprovedForWebIR', { agencyCode: 'XXX', reference: null }, at);
  return { ...base, streamId: 'ledger-checkpoints', type: 'CheckpointIssued', data: { note: 'n', origin: 'webir-ledger', treeSize: 1, rootHash: 'r', keyName: 'k', keyId: '0', reason: 'month-close' } };
}

const registered = (code: string, role: 'DATA_REQUESTER' | 'COMPETENT_AUTHORITY' | 'CENTRAL_ADMIN', at: string) =>
  recorded(`agency-${code}`, 'AgencyRegistered', { agencyCode: code, name: code, role }, at);
const approved = (code: string, at: string) => recorded(`agency-${code}`, 'AgencyApprovedForWebIR', { agencyCode: code, reference: null }, at);
const staffed = (code: string, at: string) =>
  recorded(`agency-${code}`, 'AgencyPersonnelDesignated', { agencyCode: code, changeNo: 1, personnelRole: 'DEDICATED_STAFF', personId: 'person_c', previousPersonId: null, effectiveDate: at.slice(0, 10) }, at);
const signedOff = (code: string, month: string, at: string) =>
  recorded(`monthlycheck-${code}.${month.replace('-', '_')}`, 'MonthlyCheckSignedOff', { agencyCode: code, month, checkerPersonId: 'person_c', population: 0, sampleSize: 0, outcomes: { MATCH: 0, MISMATCH: 0, MISSING: 0 }, jointAuditIds: [] }, at);
const submitted = (code: string, quarter: string, months: string[], missingMonths: string[], at: string) =>
  recorded(`quarterlycheck-${code}.${quarter.replace('-', '_')}`, 'QuarterlyCheckRecordsSubmitted', { agencyCode: code, quarter, competentAuthorityCode: 'LAB001', checks: months.map((month) => ({ month, population: 0, sampleSize: 0, signedOffRevision: 1 })), missingMonths, complete: missingMonths.length === 0 }, at);
const JOINT = '7d0c1f7e-3f43-4c1b-9a55-2f9e0b8a6c11';
const anomaly = (at: string) =>
  recorded('monthlycheck-SWD001.2025_03', 'MajorAnomalyFound', { agencyCode: 'SWD001', month: '2025-03', entryId: 'e1', jointAuditId: JOINT, reportDueDate: '2025-05-10', rule: '要點 十二(二)' }, at);
const jointReport = (at: string, breach: boolean) =>
  recorded('jointaudit-7d0c1f7e3f434c1b9a552f9e0b8a6c11', 'JointAuditReportFiled', {
    jointAuditId: JOINT, agencyCode: 'SWD001', checkerPersonId: 'person_c', ethicsUnit: '政風室', itUnit: '資訊室', conclusion: 'c',
    findings: [{ findingNo: 1, description: 'd', breach, rule: null }], filedOn: at.slice(0, 10), breachReportDueDate: breach ? '2025-06-14' : null,
  }, at);
const audit = (auditId: string, kind: 'SELF_AUDIT' | 'REQUESTER_AUDIT', audited: string, at: string, breach = false) =>
  recorded(`audit-${auditId}`, 'AuditReportFiled', {
    auditId, kind, auditedAgencyCode: audited, auditingAgencyCodes: kind === 'SELF_AUDIT' ? [audited] : ['LAB001', 'DIT001'], periodFrom: '2024-01-01', periodTo: '2024-12-31',
    coversBliDataWork: true, summary: 's', findings: breach ? [{ findingNo: 1, description: 'd', breach: true, rule: '要點 十二(一)' }] : [], proposals: [], filedOn: at.slice(0, 10), breachReportDueDate: breach ? '2025-03-03' : null,
  }, at);
const reviewed = (reportStreamId: string, at: string) =>
  recorded(reportStreamId, 'BreachReviewReportSubmitted', { reportStreamId, agencyCode: 'SWD001', findingNo: 1, correctedOn: at.slice(0, 10), correction: 'c', review: 'r', competentAuthorityCode: 'LAB001' }, at);

async function project(events: RecordedEvent[]) {
  const store = new SqliteReadModelStore({ file: ':memory:' });
  await projectEvents(obligationsProjection(), store, events);
  return store;
}

/** States of one obligation at several times T: not yet there, open, overdue, met late. */
async function lifecycle(events: RecordedEvent[], kind: ObligationKind, subject: string, agencyCode: string, at: { before: string; open: string; overdue: string; metLate: string }) {
  const store = await project(events);
  const one = async (t: string) => (await obligationsAt(store, { at: t, kind })).filter((o) => o.subject === subject);
  expect(await one(at.before)).toEqual([]);
  expect(await one(at.open)).toEqual([expect.objectContaining({ state: 'open', agencyCode })]);
  expect(await one(at.overdue)).toEqual([expect.objectContaining({ state: 'overdue', agencyCode })]);
  expect(await one(at.metLate)).toEqual([expect.objectContaining({ state: 'met', metLate: true, agencyCode })]);
  await store.close();
}

describe('obligations of checks and audits, each open → overdue → met late at several T', () => {
  it('要點 十二(一): month M\'s sampling check arises when M closes (Asia/Taipei) and is due by the end of M+1', () =>
    lifecycle(
      [approved('SWD001', '2025-02-10T02:00:00.000Z'), checkpoint('2025-03-31T16:00:01.000Z'), signedOff('SWD001', '2025-03', '2025-05-02T02:00:00.000Z')],
      'MONTHLY_SAMPLING_CHECK', 'SWD001.2025-03', 'SWD001',
      { before: '2025-03-31T15:59:59.999Z', open: '2025-04-30T15:59:59.000Z', overdue: '2025-04-30T16:00:00.000Z', metLate: '2025-05-03T00:00:00.000Z' },
    ));

  it('要點 十二(一): the quarterly submission is due by the end of the month after the quarter; a missing month keeps it open', () =>
    lifecycle(
      [
        approved('SWD001', '2024-12-01T02:00:00.000Z'),
        checkpoint('2025-04-01T00:00:00.000Z'),
        submitted('SWD001', '2025-Q1', ['2025-01', '2025-03'], ['2025-02'], '2025-04-20T02:00:00.000Z'),
        submitted('SWD001', '2025-Q1', ['2025-02'], [], '2025-05-06T02:00:00.000Z'),
      ],
      'QUARTERLY_CHECK_SUBMISSION', 'SWD001.2025-Q1', 'SWD001',
      { before: '2025-03-31T15:00:00.000Z', open: '2025-04-25T00:00:00.000Z', overdue: '2025-05-01T00:00:00.000Z', metLate: '2025-05-07T00:00:00.000Z' },
    ));

  it('要點 十二(二): a major anomaly opens the joint audit report (30 days, project default), met by the report', () =>
    lifecycle([anomaly('2025-04-10T02:00:00.000Z'), jointReport('2025-05-14T02:00:00.000Z', false)], 'JOINT_AUDIT_REPORT', JOINT, 'SWD001', {
      before: '2025-04-10T01:00:00.000Z', open: '2025-05-10T15:00:00.000Z', overdue: '2025-05-11T00:00:00.000Z', metLate: '2025-05-15T00:00:00.000Z',
    }));

  it('要點 十二(三): the yearly self-audit of a requester runs from its approval; the audit meets it and opens the next', async () => {
    const store = await project([approved('SWD001', '2024-01-10T02:00:00.000Z'), audit('SWD001_2024', 'SELF_AUDIT', 'SWD001', '2025-02-01T02:00:00.000Z')]);
    const at = async (t: string) => (await obligationsAt(store, { at: t, kind: 'ANNUAL_SELF_AUDIT' })).map((o) => [o.dueDate, o.state, o.metLate]);
    expect(await at('2024-01-10T01:00:00.000Z')).toEqual([]);
    expect(await at('2024-06-01T00:00:00.000Z')).toEqual([['2025-01-10', 'open', false]]);
    expect(await at('2025-01-11T00:00:00.000Z')).toEqual([['2025-01-10', 'overdue', false]]);
    expect(await at('2025-02-02T00:00:00.000Z')).toEqual([['2025-01-10', 'met', true], ['2026-02-01', 'open', false]]);
    await store.close();
  });

  it('要點 十二(三): each of the three bodies owes its own self-audit; a requester audit by the competent authority meets none', async () => {
    const store = await project([
      registered('DIT001', 'CENTRAL_ADMIN', '2025-01-01T02:00:00.000Z'),
      registered('LAB001', 'COMPETENT_AUTHORITY', '2025-01-01T02:00:00.000Z'),
      registered('SWD001', 'DATA_REQUESTER', '2025-01-01T02:00:00.000Z'),
      approved('SWD001', '2025-01-05T02:00:00.000Z'),
      audit('LAB_SWD_2025', 'REQUESTER_AUDIT', 'SWD001', '2025-06-01T02:00:00.000Z'),
      audit('DIT_2025', 'SELF_AUDIT', 'DIT001', '2025-06-01T02:00:00.000Z'),
    ]);
    const view = await obligationsAt(store, { at: '2025-07-01T00:00:00.000Z', kind: 'ANNUAL_SELF_AUDIT' });
    expect(view.map((o) => [o.agencyCode, o.dueDate, o.state])).toEqual([
      ['DIT001', '2026-01-01', 'met'],
      ['LAB001', '2026-01-01', 'open'],
      ['SWD001', '2026-01-05', 'open'],
      ['DIT001', '2026-06-01', 'open'],
    ]);
    await store.close();
  });

  it('要點 十二(四): a breach found by an audit owes the body in breach a review report in 30 days', () =>
    lifecycle([approved('SWD001', '2024-01-10T02:00:00.000Z'), audit('SWD001_2024', 'SELF_AUDIT', 'SWD001', '2025-02-01T02:00:00.000Z', true), reviewed('audit-SWD001_2024', '2025-03-10T02:00:00.000Z')], 'BREACH_CORRECTION_REPORT', 'audit-SWD001_2024#1', 'SWD001', {
      before: '2025-02-01T01:00:00.000Z', open: '2025-03-03T15:00:00.000Z', overdue: '2025-03-04T00:00:00.000Z', metLate: '2025-03-11T00:00:00.000Z',
    }));

  it('要點 十二(二)(四): a breach found by the joint audit is owed its review report too', () =>
    lifecycle([anomaly('2025-04-10T02:00:00.000Z'), jointReport('2025-05-15T02:00:00.000Z', true), reviewed('jointaudit-7d0c1f7e3f434c1b9a552f9e0b8a6c11', '2025-06-20T02:00:00.000Z')], 'BREACH_CORRECTION_REPORT', 'jointaudit-7d0c1f7e3f434c1b9a552f9e0b8a6c11#1', 'SWD001', {
      before: '2025-05-15T01:00:00.000Z', open: '2025-06-14T15:00:00.000Z', overdue: '2025-06-15T00:00:00.000Z', metLate: '2025-06-21T00:00:00.000Z',
    }));

  it('要點 十(一): an approved agency without dedicated staff is tracked from the day it arises until staff is designated', () =>
    lifecycle([approved('SWD001', '2025-01-10T02:00:00.000Z'), staffed('SWD001', '2025-01-20T02:00:00.000Z')], 'NO_DEDICATED_STAFF', 'SWD001', 'SWD001', {
      before: '2025-01-10T01:00:00.000Z', open: '2025-01-10T12:00:00.000Z', overdue: '2025-01-11T00:00:00.000Z', metLate: '2025-01-21T00:00:00.000Z',
    }));

  it('要點 十(一): staff designated before approval leaves nothing to track', async () => {
    const store = await project([staffed('SWD001', '2025-01-02T02:00:00.000Z'), approved('SWD001', '2025-01-10T02:00:00.000Z')]);
    expect(await obligationsAt(store, { at: '2025-02-01T00:00:00.000Z', kind: 'NO_DEDICATED_STAFF' })).toEqual([]);
    await store.close();
  });

  it('要點 十二(一): months are owed from the approval month on; a checkpoint after a gap opens every month missed, and quarters at their end', async () => {
    const store = await project([approved('SWD001', '2025-02-10T02:00:00.000Z'), checkpoint('2025-02-20T00:00:00.000Z'), checkpoint('2025-07-01T00:00:00.000Z'), checkpoint('2025-07-02T00:00:00.000Z')]);
    const view = await obligationsAt(store, { at: '2025-07-03T00:00:00.000Z', agencyCode: 'SWD001' });
    expect(view.filter((o) => o.kind === 'MONTHLY_SAMPLING_CHECK').map((o) => [o.subject, o.dueDate, o.createdAt])).toEqual([
      ['SWD001.2025-02', '2025-03-31', '2025-02-28T16:00:00.000Z'],
      ['SWD001.2025-03', '2025-04-30', '2025-03-31T16:00:00.000Z'],
      ['SWD001.2025-04', '2025-05-31', '2025-04-30T16:00:00.000Z'],
      ['SWD001.2025-05', '2025-06-30', '2025-05-31T16:00:00.000Z'],
      ['SWD001.2025-06', '2025-07-31', '2025-06-30T16:00:00.000Z'],
    ]);
    expect(view.filter((o) => o.kind === 'QUARTERLY_CHECK_SUBMISSION').map((o) => [o.subject, o.dueDate])).toEqual([
      ['SWD001.2025-Q1', '2025-04-30'],
      ['SWD001.2025-Q2', '2025-07-31'],
    ]);
    await store.close();
  });

  it('run twice: replaying checks and audits changes nothing', async () => {
    const events = [approved('SWD001', '2025-02-10T02:00:00.000Z'), checkpoint('2025-03-31T16:00:01.000Z'), anomaly('2025-04-10T02:00:00.000Z'), jointReport('2025-05-14T02:00:00.000Z', true), signedOff('SWD001', '2025-03', '2025-05-02T02:00:00.000Z')];
    const { once, twice } = await projectTwice(obligationsProjection(), events);
    expect(twice).toEqual(once);
    expect(once.obligations.length).toBeGreaterThanOrEqual(6);
  });
});

describe('the obligation kinds from before, each open → overdue → met late at several T (DOMAIN.md "Obligations the ledger tracks")', () => {
  const ADMIN = `SWD001.ADMIN.${'cd'.repeat(32)}`;
  const importId = `SWD001.${'c'.repeat(32)}`;

  it('要點 七: notify BLI of a central-admin personnel change within 7 days', () =>
    lifecycle(
      [
        recorded('agency-DIT001', 'AgencyPersonnelDesignated', { agencyCode: 'DIT001', changeNo: 2, personnelRole: 'CONTACT_WINDOW', personId: 'p2', previousPersonId: 'p1', effectiveDate: '2025-03-03', duty: { kind: 'NOTIFY_BLI_OF_PERSONNEL_CHANGE', rule: '要點 七', dueDate: '2025-03-10' } }, '2025-03-03T01:00:00.000Z'),
        recorded('agency-DIT001', 'BliNotifiedOfPersonnelChange', { agencyCode: 'DIT001', changeNo: 2, notifiedOn: '2025-03-12', onTime: false, reference: null }, '2025-03-12T01:00:00.000Z'),
      ],
      'NOTIFY_BLI_OF_PERSONNEL_CHANGE', 'DIT001#2', 'DIT001',
      { before: '2025-03-02T00:00:00.000Z', open: '2025-03-10T15:00:00.000Z', overdue: '2025-03-11T00:00:00.000Z', metLate: '2025-03-13T00:00:00.000Z' },
    ));

  it('要點 六(四): the predecessor administrator is disabled by the end of the effective day', () =>
    lifecycle(
      [
        recorded(`account-${ADMIN}`, 'AccountPostChanged', { accountId: ADMIN, effectiveDate: '2025-06-30', newPost: null, newUnit: null, successorAccountId: `SWD001.ADMIN.${'ef'.repeat(32)}`, duty: { kind: 'DISABLE_PREDECESSOR_ADMIN', rule: '要點 六(四)', dueDate: '2025-06-30' } }, '2025-06-01T02:00:00.000Z'),
        recorded(`account-${ADMIN}`, 'AccountDisabled', { accountId: ADMIN, reason: 'moved', disabledOn: '2025-07-02', meetsDuty: 'DISABLE_PREDECESSOR_ADMIN' }, '2025-07-02T02:00:00.000Z'),
      ],
      'DISABLE_PREDECESSOR_ADMIN', ADMIN, 'SWD001',
      { before: '2025-05-31T00:00:00.000Z', open: '2025-06-30T15:00:00.000Z', overdue: '2025-06-30T16:00:00.000Z', metLate: '2025-07-03T00:00:00.000Z' },
    ));

  it('要點 六(六): the yearly access review, 12 months after onboarding; the late review opens the next', async () => {
    const onboarded = approved('SWD001', '2024-07-01T02:00:00.000Z');
    const closed = recorded('accessreview-r1', 'AccessReviewClosed', { reviewId: 'r1', agencyCode: 'SWD001', reviewedAccounts: 0, findings: { DUPLICATE: 0, IDLE: 0, CHANGED_DUTIES: 0, DEPARTED: 0, RETIRED: 0, FINE: 0 } }, '2025-07-10T02:00:00.000Z');
    const store = await project([onboarded, closed]);
    const at = async (t: string) => (await obligationsAt(store, { at: t, kind: 'ANNUAL_ACCESS_REVIEW' })).map((o) => [o.dueDate, o.state, o.metLate]);
    expect(await at('2024-07-01T01:00:00.000Z')).toEqual([]);
    expect(await at('2025-07-01T15:00:00.000Z')).toEqual([['2025-07-01', 'open', false]]);
    expect(await at('2025-07-02T00:00:00.000Z')).toEqual([['2025-07-01', 'overdue', false]]);
    expect(await at('2025-07-11T00:00:00.000Z')).toEqual([['2025-07-01', 'met', true], ['2026-07-10', 'open', false]]);
    await store.close();
  });

  it('要點 九(三): the central admin\'s yearly usage review of a granted item', async () => {
    const store = await project([
      registered('DIT001', 'CENTRAL_ADMIN', '2024-12-01T02:00:00.000Z'),
      recorded('queryitem-SWD001.L01', 'QueryItemGranted', { agencyCode: 'SWD001', operationCode: 'L01', applicationId: 'a' }, '2025-01-10T02:00:00.000Z'),
      recorded('queryitem-SWD001.L01', 'QueryItemUsageReviewed', { agencyCode: 'SWD001', operationCode: 'L01', stillNeeded: true, note: null }, '2026-02-01T02:00:00.000Z'),
    ]);
    const at = async (t: string) => (await obligationsAt(store, { at: t, kind: 'QUERY_ITEM_USAGE_REVIEW' })).map((o) => [o.agencyCode, o.dueDate, o.state, o.metLate]);
    expect(await at('2025-01-10T01:00:00.000Z')).toEqual([]);
    expect(await at('2026-01-10T15:00:00.000Z')).toEqual([['DIT001', '2026-01-10', 'open', false]]);
    expect(await at('2026-01-11T00:00:00.000Z')).toEqual([['DIT001', '2026-01-10', 'overdue', false]]);
    expect((await at('2026-02-02T00:00:00.000Z'))[0]).toEqual(['DIT001', '2026-01-10', 'met', true]);
    await store.close();
  });

  it('要點 十(二): the dedicated staff\'s training, 12 months after designation (project default)', async () => {
    const store = await project([
      staffed('SWD001', '2025-02-01T02:00:00.000Z'),
      recorded('agency-SWD001', 'DedicatedStaffTrainingRecorded', { agencyCode: 'SWD001', personId: 'person_c', completedOn: '2026-02-10', course: '資安通識' }, '2026-02-10T02:00:00.000Z'),
    ]);
    const at = async (t: string) => (await obligationsAt(store, { at: t, kind: 'DEDICATED_STAFF_TRAINING' })).map((o) => [o.dueDate, o.state, o.metLate]);
    expect(await at('2025-02-01T01:00:00.000Z')).toEqual([]);
    expect(await at('2026-02-01T15:00:00.000Z')).toEqual([['2026-02-01', 'open', false]]);
    expect(await at('2026-02-02T00:00:00.000Z')).toEqual([['2026-02-01', 'overdue', false]]);
    expect((await at('2026-02-11T00:00:00.000Z'))[0]).toEqual(['2026-02-01', 'met', true]);
    await store.close();
  });

  it('要點 九(一): a logged query without a registration is explained within 14 days (project default)', () =>
    lifecycle(
      [
        recorded(`querylog-${importId}`, 'UnregisteredQueriesFound', { importId, agencyCode: 'SWD001', period: '2025-03', chunk: 0, anomaly: 'UNREGISTERED_QUERY', window: { days: 1 }, queries: [{ lineNo: 4, accountId: 'SWD001.USER.x', operationCode: 'L01', loggedAt: '2025-03-05T02:00:00.000Z' }], duty: { kind: 'EXPLAIN_UNREGISTERED_QUERY', rule: '要點 九(一)', dueDate: '2025-04-16' } }, '2025-04-02T02:00:00.000Z'),
        recorded(`unregisteredquery-${importId}.4`, 'UnregisteredQueryExplained', { importId, lineNo: 4, agencyCode: 'SWD001', resolution: 'EXPLANATION', explanation: '補附紙本', registrationId: null, meetsDuty: 'EXPLAIN_UNREGISTERED_QUERY' }, '2025-04-20T02:00:00.000Z'),
      ],
      'EXPLAIN_UNREGISTERED_QUERY', `${importId}.4`, 'SWD001',
      { before: '2025-04-02T01:00:00.000Z', open: '2025-04-16T15:00:00.000Z', overdue: '2025-04-17T00:00:00.000Z', metLate: '2025-04-21T00:00:00.000Z' },
    ));
});

describe('DOMAIN.md "Obligations the ledger tracks": all fifteen kinds, plus those tracked without a fixed due date', () => {
  // Each row of the table, in its order, with the 要點 point it cites.
  const TABLE: [ObligationKind, string][] = [
    ['MONTHLY_SAMPLING_CHECK', '要點 十二(一)'],
    ['QUARTERLY_CHECK_SUBMISSION', '要點 十二(一)'],
    ['ANNUAL_ACCESS_REVIEW', '要點 六(六)'],
    ['QUERY_ITEM_USAGE_REVIEW', '要點 九(三)'],
    ['ANNUAL_SELF_AUDIT', '要點 十二(三)'],
    ['NOTIFY_BLI_OF_PERSONNEL_CHANGE', '要點 七'],
    ['DISABLE_PREDECESSOR_ADMIN', '要點 六(四)'],
    ['ADJUST_OR_REMOVE_MOVED_USER', '要點 六(五)'],
    ['DELETE_OBTAINED_DATA', '要點 十一(二)'],
    ['JOINT_AUDIT_REPORT', '要點 十二(二)'],
    ['BREACH_CORRECTION_REPORT', '要點 十二(四)'],
    ['BLI_REQUESTED_ACTION', '要點 十二(五)(六)'],
    ['NOTIFY_BLI_OF_INCIDENT', '要點 十二(十)'],
    ['DEDICATED_STAFF_TRAINING', '要點 十(二)'],
    ['EXPLAIN_UNREGISTERED_QUERY', '要點 九(一)'],
  ];
  const UNDATED: [ObligationKind, string][] = [
    ['NO_DEDICATED_STAFF', '要點 十(一)'],
    ['REPORT_ADMIN_POST_CHANGE_IN_ADVANCE', '要點 六(四)'],
    ['REPORT_USER_POST_CHANGE_IN_ADVANCE', '要點 六(五)'],
  ];

  it('every row is a kind the read model tracks, citing the same point', () => {
    expect(TABLE).toHaveLength(15);
    for (const [kind, rule] of [...TABLE, ...UNDATED]) expect([kind, OBLIGATION_KINDS[kind]?.rule]).toEqual([kind, rule]);
  });
});
