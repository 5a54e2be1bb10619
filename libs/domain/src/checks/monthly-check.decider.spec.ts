import { createHash } from 'node:crypto';
import { givenFor } from '../../testing/given-when-then';
import { AGENCY, agencyEvents, agencyState } from '../../testing/test-fixtures';
import type { AgencyEvent } from '../agency/agency.events';
import type { DrawMonthlySample } from './monthly-check.commands';
import { monthlyCheckDecider } from './monthly-check.decider';
import type { ClosingCheckpoint, MonthlyCheckEvent } from './monthly-check.events';
import { drawSample } from './sampling';

const sha256 = (data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest());
const given = givenFor(monthlyCheckDecider);
const month = '2025-03';
const approved: AgencyEvent[] = [
  ...agencyEvents('DATA_REQUESTER'),
  { type: 'AgencyApprovedForWebIR', data: { agencyCode: AGENCY, reference: null } },
  { type: 'AgencyPersonnelDesignated', data: { agencyCode: AGENCY, changeNo: 1, personnelRole: 'DEDICATED_STAFF', personId: 'person_checker', previousPersonId: null, effectiveDate: '2025-01-02' } },
];
const agency = agencyState(approved);
// Signed at 00:00:01 on 04-01 in Taipei: the first checkpoint after March closed.
const closing: ClosingCheckpoint = { origin: 'webir-ledger', treeSize: 1204, rootHash: 'q2SWaVQ9Ssn3bLWq1qa2gK0Y1b0M0nSE8F4Z3pXhB8o=', position: '1205', recordedAt: '2025-03-31T16:00:01.000Z', note: 'webir-ledger\n1204\n…' };
const entries = Array.from({ length: 25 }, (_, i) => `SWD001.2025_03.${String(i + 1).padStart(6, '0')}`);
const after = { now: new Date('2025-04-02T01:00:00.000Z'), occurredAt: new Date('2025-04-02T01:00:00.000Z') };
const draw = (o: Partial<DrawMonthlySample> = {}): DrawMonthlySample => ({
  type: 'DrawMonthlySample', agencyCode: AGENCY, month, closingCheckpoint: closing, logDigests: [], entryIds: entries, agency, sha256, ...o,
});
const expected = drawSample({ agencyCode: AGENCY, month, checkpoint: closing, logDigests: [], entryIds: entries }, sha256);
const drawn: MonthlyCheckEvent = {
  type: 'MonthlySampleDrawn',
  data: { agencyCode: AGENCY, month, algorithm: 'webir-ledger monthly sample v1', population: 25, sampleSize: 10, populationDigest: expected.populationDigest, logDigests: [], checkpoint: closing, seed: expected.seed, sample: expected.sample },
};
const [first, second] = expected.sample;
const compared = (entryId: string, outcome: 'MATCH' | 'MISMATCH' = 'MATCH'): MonthlyCheckEvent => ({
  type: 'SampleEntryCompared',
  data: { agencyCode: AGENCY, month, entryId, outcome, registrationId: 'reg_1', note: outcome === 'MATCH' ? null : '事由不符', majorAnomaly: false },
});
const allCompared = expected.sample.map((id) => compared(id));
const compare = { type: 'RecordSampleComparison' as const, agencyCode: AGENCY, month, jointAuditId: '7d0c1f7e-3f43-4c1b-9a55-2f9e0b8a6c11' };

describe('monthly sampling check decider', () => {
  it('要點 十二(一): after the month closes, the sample is drawn from the closing checkpoint and recorded with its inputs', () =>
    given([], after).when(draw()).then([drawn]));

  it('要點 十二(一): before the month ends (Asia/Taipei) nothing is drawn', () => {
    // 2025-03-31T23:59:59 +08:00: still March in Taipei, though April has begun nowhere else either.
    given([], { now: new Date('2025-03-31T15:59:59.000Z') }).when(draw()).thenThrows('SAMPLE_MONTH_NOT_CLOSED', '要點 十二(一)');
    given([], after).when(draw({ closingCheckpoint: null })).thenThrows('SAMPLE_MONTH_NOT_CLOSED');
    // A checkpoint signed before the month ended existed before the month's end: it cannot seed it.
    given([], after).when(draw({ closingCheckpoint: { ...closing, recordedAt: '2025-03-31T15:59:59.999Z' } })).thenThrows('SAMPLE_MONTH_NOT_CLOSED');
  });

  it('要點 十二(一): a draw with another seed than the closing checkpoint gives is refused; the right one is accepted', () => {
    given([], after).when(draw({ expectedSeed: 'ab'.repeat(32) })).thenThrows('SAMPLE_SEED_MISMATCH', '要點 十二(一)');
    given([], after).when(draw({ expectedSeed: expected.seed.toUpperCase() })).then([drawn]);
  });

  it('要點 十二(一): while a log of the month is still being imported, the draw waits for it', () =>
    given([], after).when(draw({ importsIncomplete: 1 })).thenThrows('SAMPLE_LOG_IMPORT_INCOMPLETE', '要點 十二(一)'));

  it('要點 十二(一): a month with no logged query is recorded as N = 0 and signed off without comparisons', () => {
    const empty = drawSample({ agencyCode: AGENCY, month, checkpoint: closing, logDigests: [], entryIds: [] }, sha256);
    const emptyDrawn: MonthlyCheckEvent = { type: 'MonthlySampleDrawn', data: { ...drawn.data, population: 0, sampleSize: 0, sample: [], populationDigest: empty.populationDigest, seed: empty.seed } } as MonthlyCheckEvent;
    given([], after).when(draw({ entryIds: [] })).then([emptyDrawn]);
    given([emptyDrawn], after)
      .when({ type: 'SignOffMonthlyCheck', agencyCode: AGENCY, month, checkerPersonId: 'person_checker', agency })
      .then([{ type: 'MonthlyCheckSignedOff', data: { agencyCode: AGENCY, month, checkerPersonId: 'person_checker', population: 0, sampleSize: 0, outcomes: { MATCH: 0, MISMATCH: 0, MISSING: 0 }, jointAuditIds: [] } }]);
  });

  it('要點 十二(一): only an approved data-requester agency draws, once per month', () => {
    given([], after).when(draw({ agency: agencyState(agencyEvents('DATA_REQUESTER')) })).thenThrows('MONTHLY_CHECK_NOT_A_REQUESTER');
    given([], after).when(draw({ agency: agencyState(agencyEvents('COMPETENT_AUTHORITY')) })).thenThrows('MONTHLY_CHECK_NOT_A_REQUESTER');
    given([drawn], after).when(draw()).thenThrows('MONTHLY_SAMPLE_ALREADY_DRAWN');
  });

  it('要點 十二(一): the checker records per sampled entry match, mismatch or missing, with notes', () => {
    given([drawn]).when({ ...compare, entryId: first, outcome: 'MATCH', registrationId: 'reg_1' }).then([compared(first)]);
    given([drawn]).when({ ...compare, entryId: first, outcome: 'MISMATCH', registrationId: 'reg_1', note: '事由不符' }).then([compared(first, 'MISMATCH')]);
    given([drawn])
      .when({ ...compare, entryId: second, outcome: 'MISSING', note: '查無登記表' })
      .then([{ type: 'SampleEntryCompared', data: { agencyCode: AGENCY, month, entryId: second, outcome: 'MISSING', registrationId: null, note: '查無登記表', majorAnomaly: false } }]);
  });

  it('要點 十二(一): a discrepancy needs a note; a found registration is named, a missing one is not', () => {
    given([drawn]).when({ ...compare, entryId: first, outcome: 'MISMATCH', registrationId: 'reg_1' }).thenThrows('SAMPLE_DISCREPANCY_NEEDS_NOTE', '要點 十二(一)');
    given([drawn]).when({ ...compare, entryId: first, outcome: 'MATCH' }).thenThrows('VALIDATION_FAILED');
    given([drawn]).when({ ...compare, entryId: first, outcome: 'MISSING', registrationId: 'reg_1', note: 'x' }).thenThrows('VALIDATION_FAILED');
  });

  it('要點 十二(一): only sampled entries are compared, each once', () => {
    const outside = entries.find((id) => !expected.sample.includes(id))!;
    given([drawn]).when({ ...compare, entryId: outside, outcome: 'MATCH', registrationId: 'reg_1' }).thenThrows('SAMPLE_ENTRY_NOT_SAMPLED');
    given([drawn, compared(first)]).when({ ...compare, entryId: first, outcome: 'MATCH', registrationId: 'reg_1' }).thenThrows('SAMPLE_ENTRY_ALREADY_COMPARED');
    given([]).when({ ...compare, entryId: first, outcome: 'MATCH', registrationId: 'reg_1' }).thenThrows('MONTHLY_SAMPLE_NOT_DRAWN');
  });

  it('要點 十二(二): a mismatch marked as a major anomaly opens a joint audit, its report due in 30 days (project default)', () =>
    given([drawn], { occurredAt: new Date('2025-04-10T02:00:00.000Z') })
      .when({ ...compare, entryId: first, outcome: 'MISMATCH', registrationId: 'reg_1', note: '查詢對象非案件當事人', majorAnomaly: true })
      .then([
        { type: 'SampleEntryCompared', data: { agencyCode: AGENCY, month, entryId: first, outcome: 'MISMATCH', registrationId: 'reg_1', note: '查詢對象非案件當事人', majorAnomaly: true } },
        { type: 'MajorAnomalyFound', data: { agencyCode: AGENCY, month, entryId: first, jointAuditId: compare.jointAuditId, reportDueDate: '2025-05-10', rule: '要點 十二(二)' } },
      ]));

  it('要點 十二(二) names no period: a configured 45 days moves the joint audit report due date; 0 or 366 is refused', () => {
    given([drawn], { occurredAt: new Date('2025-04-10T02:00:00.000Z') })
      .when({ ...compare, entryId: first, outcome: 'MISMATCH', registrationId: 'reg_1', note: '查詢對象非案件當事人', majorAnomaly: true, jointAuditReportDays: 45 })
      .then([
        { type: 'SampleEntryCompared', data: { agencyCode: AGENCY, month, entryId: first, outcome: 'MISMATCH', registrationId: 'reg_1', note: '查詢對象非案件當事人', majorAnomaly: true } },
        { type: 'MajorAnomalyFound', data: { agencyCode: AGENCY, month, entryId: first, jointAuditId: compare.jointAuditId, reportDueDate: '2025-05-25', rule: '要點 十二(二)' } },
      ]);
    for (const days of [0, 366, 1.5]) given([drawn]).when({ ...compare, entryId: first, outcome: 'MISMATCH', registrationId: 'reg_1', note: 'x', majorAnomaly: true, jointAuditReportDays: days }).thenThrows('VALIDATION_FAILED');
  });

  it('要點 十二(二): a match cannot be a major anomaly', () =>
    given([drawn]).when({ ...compare, entryId: first, outcome: 'MATCH', registrationId: 'reg_1', majorAnomaly: true }).thenThrows('MAJOR_ANOMALY_NEEDS_DISCREPANCY', '要點 十二(二)'));

  it('要點 十二(一): sign-off needs every sampled entry compared', () =>
    given([drawn, compared(first)]).when({ type: 'SignOffMonthlyCheck', agencyCode: AGENCY, month, checkerPersonId: 'person_checker', agency }).thenThrows('SAMPLE_COMPARISON_INCOMPLETE', '要點 十二(一)'));

  it('要點 十(一): the check is signed off by the agency\'s designated dedicated staff', () =>
    given([drawn, ...allCompared]).when({ type: 'SignOffMonthlyCheck', agencyCode: AGENCY, month, checkerPersonId: 'person_other', agency }).thenThrows('CHECKER_NOT_DEDICATED_STAFF', '要點 十(一)'));

  it('要點 十二(一): the signed-off record counts the outcomes and is not amended afterwards', () => {
    const signed: MonthlyCheckEvent = { type: 'MonthlyCheckSignedOff', data: { agencyCode: AGENCY, month, checkerPersonId: 'person_checker', population: 25, sampleSize: 10, outcomes: { MATCH: 10, MISMATCH: 0, MISSING: 0 }, jointAuditIds: [] } };
    given([drawn, ...allCompared]).when({ type: 'SignOffMonthlyCheck', agencyCode: AGENCY, month, checkerPersonId: 'person_checker', agency }).then([signed]);
    given([drawn, ...allCompared, signed]).when({ type: 'SignOffMonthlyCheck', agencyCode: AGENCY, month, checkerPersonId: 'person_checker', agency }).thenThrows('MONTHLY_CHECK_SIGNED_OFF');
  });
});
