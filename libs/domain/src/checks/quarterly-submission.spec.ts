import { givenFor } from '../../testing/given-when-then';
import { AGENCY, agencyEvents, agencyState } from '../../testing/test-fixtures';
import { monthsOwed, quarterlySubmissionDecider, QuarterlySubmissionEvent, SubmitQuarterlyCheckRecords } from './quarterly-submission';

const given = givenFor(quarterlySubmissionDecider);
const ca = agencyState(agencyEvents('COMPETENT_AUTHORITY', 'LAB001'));
const check = (month: string) => ({ month, population: 120, sampleSize: 10, signedOffRevision: 11 });
const april = { now: new Date('2025-04-15T02:00:00.000Z') };
const submit = (o: Partial<SubmitQuarterlyCheckRecords> = {}): SubmitQuarterlyCheckRecords => ({
  type: 'SubmitQuarterlyCheckRecords', agencyCode: AGENCY, quarter: '2025-Q1', competentAuthorityCode: 'LAB001', competentAuthority: ca, approvedAt: '2024-06-01T00:00:00.000Z', signedOff: [check('2025-01'), check('2025-02'), check('2025-03')], ...o,
});
const submitted = (months: string[], missingMonths: string[]): QuarterlySubmissionEvent => ({
  type: 'QuarterlyCheckRecordsSubmitted',
  data: { agencyCode: AGENCY, quarter: '2025-Q1', competentAuthorityCode: 'LAB001', checks: months.map(check), missingMonths, complete: missingMonths.length === 0 },
});

describe('quarterly submission of check records', () => {
  it('要點 十二(一): the three monthly records go to the competent authority after the quarter, listed', () =>
    given([], april).when(submit()).then([submitted(['2025-01', '2025-02', '2025-03'], [])]));

  it('要點 十二(一): a missing monthly record keeps the quarter open; a later submission completes it', () => {
    given([], april).when(submit({ signedOff: [check('2025-01'), check('2025-03')] })).then([submitted(['2025-01', '2025-03'], ['2025-02'])]);
    given([submitted(['2025-01', '2025-03'], ['2025-02'])], april).when(submit()).then([submitted(['2025-02'], [])]);
  });

  it('要點 十二(一): nothing new to submit is refused', () =>
    given([submitted(['2025-01', '2025-02', '2025-03'], [])], april).when(submit()).thenThrows('NO_CHECK_RECORDS_TO_SUBMIT', '要點 十二(一)'));

  it('要點 十二(一): not before the quarter has ended (Asia/Taipei)', () =>
    given([], { now: new Date('2025-03-31T15:59:59.000Z') }).when(submit()).thenThrows('QUARTER_NOT_CLOSED', '要點 十二(一)'));

  it('要點 十二(一): the records go to the competent authority, not another body', () =>
    given([], april).when(submit({ competentAuthority: agencyState(agencyEvents('CENTRAL_ADMIN', 'LAB001')) })).thenThrows('CHECK_RECORDS_RECIPIENT_NOT_COMPETENT_AUTHORITY'));

  it('要點 十二(一): an agency approved in February owes February and March only', () => {
    expect(monthsOwed('2025-Q1', '2025-02-10T02:00:00.000Z')).toEqual(['2025-02', '2025-03']);
    expect(monthsOwed('2025-Q1', null)).toEqual([]);
    given([], april).when(submit({ approvedAt: '2025-02-10T02:00:00.000Z', signedOff: [check('2025-02'), check('2025-03')] })).then([submitted(['2025-02', '2025-03'], [])]);
  });
});
