import { projectEvents, projectTwice, SqliteReadModelStore } from '@ledger/read-models';
import { holder, recorded, USER_ACCOUNT } from '../testing/recorded';
import { obligationsProjection } from './obligations.projection';
import { obligationsAt } from './obligations.queries';

const acc = `account-${USER_ACCOUNT}`;
const postChange = () =>
  recorded(acc, 'AccountPostChanged', { accountId: USER_ACCOUNT, effectiveDate: '2025-06-30', newPost: null, newUnit: null, successorAccountId: null, duty: { kind: 'ADJUST_OR_REMOVE_MOVED_USER', rule: '要點 六(五)', dueDate: '2025-06-30' } }, '2025-06-01T02:00:00.000Z');
const revokedLate = () =>
  recorded(acc, 'AccountQueryItemsRevoked', { accountId: USER_ACCOUNT, operationCodes: ['L01'], reason: 'moved', meetsDuty: 'ADJUST_OR_REMOVE_MOVED_USER' }, '2025-07-02T02:00:00.000Z');

async function project(events: ReturnType<typeof recorded>[], deadlines?: Parameters<typeof obligationsProjection>[0]) {
  const store = new SqliteReadModelStore({ file: ':memory:' });
  await projectEvents(obligationsProjection(deadlines), store, events);
  return store;
}

describe('obligations projection', () => {
  it('要點 六(五): a moved user must be adjusted by the end of the effective day (Asia/Taipei), judged at any T', async () => {
    const store = await project([postChange(), revokedLate()]);
    const at = (t: string) => obligationsAt(store, { at: t, agencyCode: 'SWD001' });
    expect(await at('2025-05-31T00:00:00.000Z')).toEqual([]); // not created yet
    expect((await at('2025-06-30T15:59:59.000Z'))[0]).toMatchObject({ state: 'open', rule: '要點 六(五)', dueAt: '2025-06-30T15:59:59.999Z', metBy: null });
    expect((await at('2025-06-30T16:00:00.000Z'))[0]).toMatchObject({ state: 'overdue' });
    const later = (await at('2025-07-03T00:00:00.000Z'))[0];
    expect(later).toMatchObject({ state: 'met', metLate: true, metAt: '2025-07-02T02:00:00.000Z' });
    expect(later.createdBy.type).toBe('AccountPostChanged');
    expect(later.metBy?.type).toBe('AccountQueryItemsRevoked');
    expect(await obligationsAt(store, { at: '2025-07-01T00:00:00.000Z', state: 'overdue' })).toHaveLength(1);
    expect(await obligationsAt(store, { at: '2025-07-03T00:00:00.000Z', state: 'overdue' })).toHaveLength(0);
    await store.close();
  });

  it('要點 七: a central admin personnel change opens a BLI notice due 7 days after; the notice meets it', async () => {
    const events = [
      recorded('agency-DIT001', 'AgencyPersonnelDesignated', { agencyCode: 'DIT001', changeNo: 2, personnelRole: 'CONTACT_WINDOW', personId: 'p2', previousPersonId: 'p1', effectiveDate: '2025-03-03', duty: { kind: 'NOTIFY_BLI_OF_PERSONNEL_CHANGE', rule: '要點 七', dueDate: '2025-03-10' } }, '2025-03-03T01:00:00.000Z'),
      recorded('agency-DIT001', 'BliNotifiedOfPersonnelChange', { agencyCode: 'DIT001', changeNo: 2, notifiedOn: '2025-03-07', onTime: true, reference: null }, '2025-03-07T01:00:00.000Z'),
    ];
    const store = await project(events);
    const [o] = await obligationsAt(store, { at: '2025-03-20T00:00:00.000Z' });
    expect(o).toMatchObject({ kind: 'NOTIFY_BLI_OF_PERSONNEL_CHANGE', dueDate: '2025-03-10', state: 'met', metLate: false });
    await store.close();
    // Decided once: the due date is the event's, whatever period this read model is configured with
    // (before, a configured 10 days said "on time" where the event said late).
    const configured = await project(events, { bliNoticeDays: 3, accessReviewMonths: 12, usageReviewMonths: 12, trainingMonths: 12 });
    expect((await obligationsAt(configured, { at: '2025-03-20T00:00:00.000Z' }))[0]).toMatchObject({ dueDate: '2025-03-10', state: 'met', metLate: false });
    await configured.close();
  });

  it('要點 六(六): onboarding opens a yearly access review; closing one meets it and opens the next', async () => {
    const store = await project([
      recorded('agency-SWD001', 'AgencyApprovedForWebIR', { agencyCode: 'SWD001', reference: null }, '2024-07-01T02:00:00.000Z'),
      recorded(acc, 'AccountCreated', { accountId: USER_ACCOUNT, agencyCode: 'SWD001', kind: 'USER', incarnation: 1, applicationId: 'a', holder, myEGovAccountId: 'e', certificateBound: true, post: 'p', unit: 'u' }, '2024-07-02T02:00:00.000Z'),
      recorded('accessreview-r1', 'AccessReviewClosed', { reviewId: 'r1', agencyCode: 'SWD001', reviewedAccounts: 1, findings: { DUPLICATE: 0, IDLE: 0, CHANGED_DUTIES: 0, DEPARTED: 0, RETIRED: 0, FINE: 1 } }, '2025-06-15T02:00:00.000Z'),
    ]);
    const all = await obligationsAt(store, { at: '2025-06-16T00:00:00.000Z', kind: 'ANNUAL_ACCESS_REVIEW' });
    expect(all.map((o) => [o.dueDate, o.state])).toEqual([
      ['2025-07-01', 'met'],
      ['2026-06-15', 'open'],
    ]);
    // With them, onboarding opened 十(一)'s dedicated staff (due at once) and 十二(三)'s self-audit, both unmet here.
    expect(await obligationsAt(store, { at: '2026-06-16T00:00:00.000Z', state: 'overdue' })).toEqual([
      expect.objectContaining({ kind: 'NO_DEDICATED_STAFF', rule: '要點 十(一)', dueDate: '2024-07-01' }),
      expect.objectContaining({ kind: 'ANNUAL_SELF_AUDIT', rule: '要點 十二(三)', dueDate: '2025-07-01' }),
      expect.objectContaining({ kind: 'ANNUAL_ACCESS_REVIEW', rule: '要點 六(六)', dueDate: '2026-06-15' }),
    ]);
    await store.close();
  });

  it('要點 九(三) and 十(二): usage review of a granted item and yearly training of dedicated staff', async () => {
    const store = await project([
      recorded('queryitem-SWD001.L01', 'QueryItemGranted', { agencyCode: 'SWD001', operationCode: 'L01', applicationId: 'a' }, '2025-01-10T02:00:00.000Z'),
      recorded('agency-SWD001', 'AgencyPersonnelDesignated', { agencyCode: 'SWD001', changeNo: 1, personnelRole: 'DEDICATED_STAFF', personId: 'p9', previousPersonId: null, effectiveDate: '2025-02-01' }, '2025-02-01T02:00:00.000Z'),
      recorded('agency-SWD001', 'DedicatedStaffTrainingRecorded', { agencyCode: 'SWD001', personId: 'p9', completedOn: '2025-05-20', course: '資安通識' }, '2025-05-20T02:00:00.000Z'),
      recorded('queryitem-SWD001.L01', 'QueryItemTerminated', { agencyCode: 'SWD001', operationCode: 'L01', reason: 'no longer needed', reference: null }, '2025-12-01T02:00:00.000Z'),
    ]);
    const view = await obligationsAt(store, { at: '2026-03-01T00:00:00.000Z', agencyCode: 'SWD001' });
    expect(view.map((o) => [o.kind, o.dueDate, o.state])).toEqual([
      ['QUERY_ITEM_USAGE_REVIEW', '2026-01-10', 'met'],
      ['DEDICATED_STAFF_TRAINING', '2026-02-01', 'met'],
      ['DEDICATED_STAFF_TRAINING', '2026-05-20', 'open'],
    ]);
    await store.close();
  });

  it('要點 九(三): the yearly usage review is filed under the central admin, not the requester holding the item', async () => {
    const store = await project([
      recorded('agency-DIT001', 'AgencyRegistered', { agencyCode: 'DIT001', name: '資訊處', role: 'CENTRAL_ADMIN' }, '2025-01-01T02:00:00.000Z'),
      recorded('queryitem-SWD001.L01', 'QueryItemGranted', { agencyCode: 'SWD001', operationCode: 'L01', applicationId: 'a' }, '2025-01-10T02:00:00.000Z'),
    ]);
    expect(await obligationsAt(store, { at: '2025-02-01T00:00:00.000Z', agencyCode: 'SWD001', kind: 'QUERY_ITEM_USAGE_REVIEW' })).toEqual([]);
    expect(await obligationsAt(store, { at: '2025-02-01T00:00:00.000Z', agencyCode: 'DIT001' })).toEqual([
      expect.objectContaining({ kind: 'NO_DEDICATED_STAFF', subject: 'DIT001', rule: '要點 十(一)', dueDate: '2025-01-01' }),
      expect.objectContaining({ kind: 'ANNUAL_SELF_AUDIT', subject: 'DIT001', rule: '要點 十二(三)', dueDate: '2026-01-01' }),
      expect.objectContaining({ kind: 'QUERY_ITEM_USAGE_REVIEW', subject: 'SWD001.L01', rule: '要點 九(三)', dueDate: '2026-01-10' }),
    ]);
    await store.close();
  });

  it('要點 六(五): a post change reported after its effective date is itself shown late', async () => {
    const late = recorded(acc, 'AccountPostChanged', { accountId: USER_ACCOUNT, effectiveDate: '2025-06-30', newPost: null, newUnit: 'x', successorAccountId: null, duty: { kind: 'ADJUST_OR_REMOVE_MOVED_USER', rule: '要點 六(五)', dueDate: '2025-06-30' }, reportedLate: true }, '2025-07-03T02:00:00.000Z');
    const store = await project([late]);
    const view = await obligationsAt(store, { at: '2025-07-04T00:00:00.000Z', agencyCode: 'SWD001' });
    expect(view.map((o) => [o.kind, o.state, o.metLate])).toEqual([
      ['ADJUST_OR_REMOVE_MOVED_USER', 'overdue', false],
      ['REPORT_USER_POST_CHANGE_IN_ADVANCE', 'met', true],
    ]);
    expect(view[1]).toMatchObject({ rule: '要點 六(五)', dueDate: '2025-06-30' });
    await store.close();
  });

  it('bitemporal: judged at a business time as the ledger knew it at knownAt (a late-recorded fulfilment is not yet known)', async () => {
    // The revocation happened on 06-30 (on time) but reached the ledger on 07-05.
    const moved = postChange();
    const revokedOnTimeRecordedLate = recorded(acc, 'AccountQueryItemsRevoked', { accountId: USER_ACCOUNT, operationCodes: ['L01'], reason: 'moved', meetsDuty: 'ADJUST_OR_REMOVE_MOVED_USER' }, '2025-06-30T02:00:00.000Z', '2025-07-05T02:00:00.000Z');
    const store = await project([moved, revokedOnTimeRecordedLate]);
    const at = '2025-07-01T00:00:00.000Z';
    expect((await obligationsAt(store, { at }))[0]).toMatchObject({ state: 'met', metLate: false });
    expect((await obligationsAt(store, { at, knownAt: '2025-07-02T00:00:00.000Z' }))[0]).toMatchObject({ state: 'overdue', metAt: null });
    expect((await obligationsAt(store, { at, knownAt: '2025-07-05T02:00:00.000Z' }))[0]).toMatchObject({ state: 'met' });
    expect(await obligationsAt(store, { at, knownAt: '2025-05-01T00:00:00.000Z' })).toEqual([]);
    await store.close();
  });

  it('run twice: replaying every event changes nothing', async () => {
    const { once, twice } = await projectTwice(obligationsProjection(), [postChange(), revokedLate()]);
    expect(twice).toEqual(once);
    expect(once.obligations).toHaveLength(1);
  });
});

// records: obtained data, incidents, inspections
describe('obligations projection: obtained data (要點 十一(二))', () => {
  const od = 'obtaineddata-SWD001_OD_1';
  const ended = () =>
    recorded(od, 'ObtainedDataUseEnded', { recordId: 'SWD001_OD_1', agencyCode: 'SWD001', endedOn: '2025-07-01', reason: 'USE_COMPLETE', rule: '要點 十一(二)2', note: null, duty: { kind: 'DELETE_OBTAINED_DATA', rule: '要點 十一(二)', dueDate: '2025-08-01' } }, '2025-07-01T02:00:00.000Z');
  const deleted = (deletionId: string, remainingCopyIds: string[], occurredAt: string) =>
    recorded(od, 'ObtainedDataDeleted', {
      recordId: 'SWD001_OD_1', agencyCode: 'SWD001', deletionId, deletedOn: occurredAt.slice(0, 10), copyIds: ['x'], temporaryFilesCleared: true, method: 'SECURE_ERASE',
      performedBy: { unit: 'u', accountId: null }, evidence: { reference: 'r', description: 'd' }, remainingCopyIds, complete: remainingCopyIds.length === 0,
      meetsDuty: remainingCopyIds.length === 0 ? 'DELETE_OBTAINED_DATA' : null,
    }, occurredAt);

  it('要點 十一(二)、十一(三)2: open → overdue after the month → a deletion leaving a backup keeps it overdue → met late', async () => {
    const store = await project([ended(), deleted('d1', ['backup'], '2025-07-20T02:00:00.000Z'), deleted('d2', [], '2025-08-10T02:00:00.000Z')]);
    const at = async (t: string) => (await obligationsAt(store, { at: t, agencyCode: 'SWD001', kind: 'DELETE_OBTAINED_DATA' }))[0];
    expect(await at('2025-06-30T00:00:00.000Z')).toBeUndefined();
    expect(await at('2025-07-25T00:00:00.000Z')).toMatchObject({ state: 'open', rule: '要點 十一(二)', subject: 'SWD001_OD_1', dueDate: '2025-08-01', dueAt: '2025-08-01T15:59:59.999Z', dueGranularity: 'day' });
    expect(await at('2025-08-01T15:59:59.999Z')).toMatchObject({ state: 'open' });
    expect(await at('2025-08-01T16:00:00.000Z')).toMatchObject({ state: 'overdue', metBy: null });
    expect(await at('2025-08-10T01:00:00.000Z')).toMatchObject({ state: 'overdue' });
    const met = await at('2025-08-11T00:00:00.000Z');
    expect(met).toMatchObject({ state: 'met', metLate: true, metAt: '2025-08-10T02:00:00.000Z' });
    expect(met.metBy?.type).toBe('ObtainedDataDeleted');
    await store.close();
  });

  it('要點 十一(二): a complete deletion within the month is met on time; replaying changes nothing', async () => {
    const store = await project([ended(), deleted('d1', [], '2025-07-20T02:00:00.000Z')]);
    expect((await obligationsAt(store, { at: '2025-09-01T00:00:00.000Z', kind: 'DELETE_OBTAINED_DATA' }))[0]).toMatchObject({ state: 'met', metLate: false });
    await store.close();
    const { once, twice } = await projectTwice(obligationsProjection(), [ended(), deleted('d1', ['b'], '2025-07-20T02:00:00.000Z')]);
    expect(twice).toEqual(once);
  });
});

describe('obligations projection: security incidents (要點 十二(十))', () => {
  const inc = 'incident-SWD001_INC_1';
  const reported = (occurredAt: string, dueAt: string) =>
    recorded(inc, 'IncidentReported', { incidentId: 'SWD001_INC_1', agencyCode: 'SWD001', discoveredAt: occurredAt, suspected: true, summary: 's', registrationIds: [], obtainedDataRecordIds: [], duty: { kind: 'NOTIFY_BLI_OF_INCIDENT', rule: '要點 十二(十)', dueAt } }, occurredAt);
  const notified = (occurredAt: string, first: boolean, recordedAt = occurredAt) =>
    recorded(inc, 'BliNotifiedOfIncident', { incidentId: 'SWD001_INC_1', agencyCode: 'SWD001', notifiedAt: occurredAt, channel: 'PHONE', reference: null, materialsProvided: null, onTime: false, meetsDuty: first ? 'NOTIFY_BLI_OF_INCIDENT' : null }, occurredAt, recordedAt);

  it('要點 十二(十) 即時: due at an instant — open within the hour, overdue one millisecond after, met late; a later notice changes nothing', async () => {
    // Discovered 23:30 Taipei: the hour ends 00:30 the next Taipei day, not at the end of either day.
    const store = await project([reported('2025-06-30T15:30:00.000Z', '2025-06-30T16:30:00.000Z'), notified('2025-06-30T17:00:00.000Z', true), notified('2025-07-02T01:00:00.000Z', false)]);
    const at = async (t: string) => (await obligationsAt(store, { at: t, kind: 'NOTIFY_BLI_OF_INCIDENT' }))[0];
    expect(await at('2025-06-30T15:29:59.999Z')).toBeUndefined();
    expect(await at('2025-06-30T16:00:00.000Z')).toMatchObject({ state: 'open', agencyCode: 'SWD001', rule: '要點 十二(十)', dueAt: '2025-06-30T16:30:00.000Z', dueDate: '2025-07-01', dueGranularity: 'instant' });
    expect(await at('2025-06-30T16:30:00.000Z')).toMatchObject({ state: 'open' });
    expect(await at('2025-06-30T16:30:00.001Z')).toMatchObject({ state: 'overdue' });
    // A day-granular reading would still call this open (due 2025-07-01 ends 15:59:59.999Z).
    expect(await obligationsAt(store, { at: '2025-06-30T16:45:00.000Z', state: 'overdue' })).toHaveLength(1);
    expect(await at('2025-06-30T17:00:00.000Z')).toMatchObject({ state: 'met', metLate: true, metAt: '2025-06-30T17:00:00.000Z' });
    expect(await at('2025-07-03T00:00:00.000Z')).toMatchObject({ state: 'met', metLate: true, metBy: expect.objectContaining({ type: 'BliNotifiedOfIncident' }) });
    await store.close();
  });

  it('要點 十二(十): a notice within the hour is met on time; as the ledger knew it before the notice was recorded, it is overdue', async () => {
    const store = await project([reported('2025-07-01T01:00:00.000Z', '2025-07-01T02:00:00.000Z'), notified('2025-07-01T01:40:00.000Z', true, '2025-07-01T05:00:00.000Z')]);
    expect((await obligationsAt(store, { at: '2025-07-01T03:00:00.000Z', kind: 'NOTIFY_BLI_OF_INCIDENT' }))[0]).toMatchObject({ state: 'met', metLate: false });
    expect((await obligationsAt(store, { at: '2025-07-01T03:00:00.000Z', knownAt: '2025-07-01T04:00:00.000Z', kind: 'NOTIFY_BLI_OF_INCIDENT' }))[0]).toMatchObject({ state: 'overdue' });
    await store.close();
  });
});

describe('obligations projection: BLI requests (要點 十二(五)(六))', () => {
  const insp = 'bliinspection-BLI_1';
  const requested = () =>
    recorded(insp, 'BliActionRequested', { inspectionId: 'BLI_1', agencyCode: 'SWD001', requestId: 'req_1', kind: 'IMPROVEMENT', receivedOn: '2025-07-10', summary: 's', duty: { kind: 'BLI_REQUESTED_ACTION', rule: '要點 十二(五)(六)', dueDate: '2025-08-10' } }, '2025-07-10T02:00:00.000Z');
  const answered = (occurredAt: string) =>
    recorded(insp, 'BliRequestAnswered', { inspectionId: 'BLI_1', agencyCode: 'SWD001', requestId: 'req_1', answeredAt: occurredAt, summary: 's', evidence: null, onTime: false, meetsDuty: 'BLI_REQUESTED_ACTION' }, occurredAt);

  it('要點 十二(五)(六): open until the end of the date BLI set (Asia/Taipei) → overdue → met late by the answer', async () => {
    const store = await project([requested(), answered('2025-08-12T03:00:00.000Z')]);
    const at = async (t: string) => (await obligationsAt(store, { at: t, agencyCode: 'SWD001', kind: 'BLI_REQUESTED_ACTION' }))[0];
    expect(await at('2025-07-09T00:00:00.000Z')).toBeUndefined();
    expect(await at('2025-08-10T15:59:59.999Z')).toMatchObject({ state: 'open', rule: '要點 十二(五)(六)', subject: 'BLI_1.req_1', dueDate: '2025-08-10', dueGranularity: 'day' });
    expect(await at('2025-08-10T16:00:00.000Z')).toMatchObject({ state: 'overdue' });
    expect(await at('2025-08-12T02:59:59.999Z')).toMatchObject({ state: 'overdue' });
    expect(await at('2025-08-12T03:00:00.000Z')).toMatchObject({ state: 'met', metLate: true, metBy: expect.objectContaining({ type: 'BliRequestAnswered' }) });
    await store.close();
  });

  it('要點 十二(五): an answer by the set date is met on time', async () => {
    const store = await project([requested(), answered('2025-08-10T15:00:00.000Z')]);
    expect((await obligationsAt(store, { at: '2025-09-01T00:00:00.000Z', kind: 'BLI_REQUESTED_ACTION' }))[0]).toMatchObject({ state: 'met', metLate: false });
    await store.close();
  });
});

describe('obligations projection: 政風 (ethics)', () => {
  it('要點 十二(二): an investigation concluded as a violation opens the joint audit report, filed under the agency and the joint audit id', async () => {
    const concluded = (conclusion: 'VIOLATION' | 'UNFOUNDED', jointAudit: { jointAuditId: string; agencyCode: string; rule: '要點 十二(二)'; dueDate: string } | null) =>
      recorded(`investigation-ETH_${conclusion}`, 'InvestigationConcluded', { investigationId: `ETH_${conclusion}`, agencyCode: 'SWD001', anomalyIds: ['SELF_QUERY:1:2'], conclusion, summary: '經查', jointAudit }, '2025-07-01T02:00:00.000Z');
    const jointAuditId = '0b8e2a4c-1f3d-4e5a-9b7c-2d4e6f8a0b1c';
    const store = await project([concluded('UNFOUNDED', null), concluded('VIOLATION', { jointAuditId, agencyCode: 'SWD001', rule: '要點 十二(二)', dueDate: '2025-07-31' })]);
    const found = await obligationsAt(store, { at: '2025-08-01T00:00:00.000Z', agencyCode: 'SWD001', kind: 'JOINT_AUDIT_REPORT' });
    expect(found).toEqual([expect.objectContaining({ kind: 'JOINT_AUDIT_REPORT', rule: '要點 十二(二)', title: '重大異常之聯合稽核報告', subject: jointAuditId, dueDate: '2025-07-31', state: 'overdue' })]);
    await store.close();
  });
});
