import { givenFor } from '../../testing/given-when-then';
import { accountCreated, accountState, AGENCY, idOf } from '../../testing/test-fixtures';
import { explainUnregisteredDuty, ExplainUnregisteredQuery, queryLogDecider, StartQueryLogImport, unregisteredQueryDecider, UnregisteredLoggedQuery } from './query-log.decider';
import { QUERY_LOG_CHUNK_LINES, type QueryLogEvent, type UnregisteredQueryEvent } from './query-log.events';

const sha256 = 'ab'.repeat(32);
const importId = `SWD001.${'ab'.repeat(16)}`;
const start = (over: Partial<StartQueryLogImport> = {}): StartQueryLogImport => ({
  type: 'StartQueryLogImport',
  agencyCode: 'SWD001',
  period: '2025-03',
  file: { sha256, byteLength: 1234, encoding: 'BIG5', layout: 'webir-query-log/1', columns: ['accountId'] },
  lineCount: 3,
  acceptedCount: 2,
  rejectedCount: 1,
  ...over,
});
const started: QueryLogEvent = {
  type: 'QueryLogImportStarted',
  data: {
    importId,
    agencyCode: 'SWD001',
    period: '2025-03',
    file: { sha256, byteLength: 1234, encoding: 'BIG5', layout: 'webir-query-log/1', columns: ['accountId'] },
    lineCount: 3,
    acceptedCount: 2,
    rejectedCount: 1,
    chunkLines: QUERY_LOG_CHUNK_LINES,
    acceptedChunks: 1,
    rejectedChunks: 1,
  },
};

describe('query log import decider (要點 九(二))', () => {
  const given = givenFor(queryLogDecider);
  it('要點 九(二): given no import of this file, when started, then the digest, period, encoding and counts are recorded', () => given([]).when(start()).then([started]));
  it('要點 九(二): given the same file already imported, when sent again, then nothing is appended (idempotent by digest)', () => given([started]).when(start()).then([]));
  it('要點 九(二): the same file declared for another month is refused', () => given([started]).when(start({ period: '2025-04' })).thenThrows('QUERY_LOG_PERIOD_CONFLICT', '要點 九(二)'));
  it('要點 九(二): the downloader named must be an active administrator account of the agency', () => {
    const admin = accountState([accountCreated('ADMIN')]);
    const adminId = idOf('ADMIN');
    given([]).when(start({ agencyCode: AGENCY, file: { ...start().file, sha256 }, downloadedBy: { accountId: adminId, account: admin } })).then([
      { type: 'QueryLogImportStarted', data: { ...(started.data as object), importId: `${AGENCY}.${'ab'.repeat(16)}`, agencyCode: AGENCY, downloadedBy: adminId } } as QueryLogEvent,
    ]);
    given([]).when(start({ agencyCode: AGENCY, downloadedBy: { accountId: idOf('USER'), account: accountState([accountCreated('USER')]) } })).thenThrows('QUERY_LOG_NOT_BY_ADMINISTRATOR', '要點 九(二)');
    given([]).when(start({ agencyCode: AGENCY, downloadedBy: { accountId: adminId, account: accountState([]) } })).thenThrows('QUERY_LOG_NOT_BY_ADMINISTRATOR');
  });

  it('要點 九(二): the lines per chunk are recorded with the chunk counts they make, and kept in the state a resumed import cuts the file by', () => {
    const one = { ...(started.data as object), chunkLines: 1, acceptedChunks: 2, rejectedChunks: 1 };
    given([]).when(start({ chunkLines: 1 })).then([{ type: 'QueryLogImportStarted', data: one } as QueryLogEvent]);
    // An import started with 500 lines a chunk (the size before 2 December 2026) resumes with 500, whatever the default now.
    const old = { type: 'QueryLogImportStarted', data: { ...(started.data as object), chunkLines: 500 } } as QueryLogEvent;
    const state = queryLogDecider.evolve(queryLogDecider.initialState(), old);
    expect(state).toMatchObject({ status: 'IMPORTING', chunkLines: 500, events: 1 });
    expect(queryLogDecider.evolve(state, { type: 'QueryLogLinesAccepted', data: { importId, agencyCode: 'SWD001', period: '2025-03', chunk: 0, lines: [] } })).toMatchObject({ chunkLines: 500, events: 2 });
  });

  it('要點 九(二): lines per chunk outside 1 to 500 are refused naming the field', () => {
    for (const chunkLines of [0, 501, 1.5, Number.NaN]) given([]).when(start({ chunkLines })).thenThrows('VALIDATION_FAILED');
    expect(() => queryLogDecider.decide(start({ chunkLines: 0 }), queryLogDecider.initialState(), { now: new Date(), occurredAt: new Date(), actor: 't' } as never)).toThrow(expect.objectContaining({ field: 'chunkLines' }));
  });

  it('要點 九(二): counts that do not add up, a bad month or a bad digest are refused naming the field', () => {
    given([]).when(start({ lineCount: 4 })).thenThrows('VALIDATION_FAILED');
    given([]).when(start({ period: '2025-13' })).thenThrows('VALIDATION_FAILED');
    given([]).when(start({ file: { ...start().file, sha256: 'xyz' } })).thenThrows('VALIDATION_FAILED');
  });
});

describe('explaining an unregistered query (要點 九(一))', () => {
  const given = givenFor(unregisteredQueryDecider);
  const logged: UnregisteredLoggedQuery = {
    importId, lineNo: 7, loggedAt: '2025-03-05T02:00:00Z', foundUnregistered: true,
    agencyCode: 'SWD001', accountId: 'SWD001.USER.u1', operationCode: 'LI_ENROLMENT', personId: 'person_a', caseNumber: 'C1',
  };
  const explain = (over: Partial<ExplainUnregisteredQuery> = {}): ExplainUnregisteredQuery => ({
    type: 'ExplainUnregisteredQuery', logged, importId, lineNo: 7, resolution: 'EXPLANATION', explanation: '系統當機,登記表於紙本補登', window: { days: 1 }, ...over,
  });
  const explained: UnregisteredQueryEvent = {
    type: 'UnregisteredQueryExplained',
    data: { importId, lineNo: 7, agencyCode: 'SWD001', resolution: 'EXPLANATION', explanation: '系統當機,登記表於紙本補登', registrationId: null, meetsDuty: 'EXPLAIN_UNREGISTERED_QUERY' },
  };
  const late = { registrationId: 'R9', plannedAt: '2025-03-05T01:00:00Z', agencyCode: 'SWD001', accountId: 'SWD001.USER.u1', operationCode: 'LI_ENROLMENT', personId: 'person_a', caseNumber: 'C1' };

  it('要點 九(一): given an unregistered logged query, when explained, then the explanation is recorded and meets the duty', () => given([]).when(explain()).then([explained]));
  it('要點 九(一): a late registration that matches the query meets the duty', () =>
    given([]).when(explain({ resolution: 'LATE_REGISTRATION', explanation: null, registrationId: 'R9', registration: late })).then([
      { type: 'UnregisteredQueryExplained', data: { ...explained.data, resolution: 'LATE_REGISTRATION', explanation: null, registrationId: 'R9' } },
    ]));
  it('要點 九(一): a late registration of another subject, case or day is refused', () => {
    given([]).when(explain({ resolution: 'LATE_REGISTRATION', registrationId: 'R9', registration: { ...late, personId: 'person_b' } })).thenThrows('LATE_REGISTRATION_MISMATCH', '要點 九(一)');
    given([]).when(explain({ resolution: 'LATE_REGISTRATION', registrationId: 'R9', registration: { ...late, plannedAt: '2025-03-06T01:00:00Z' } })).thenThrows('LATE_REGISTRATION_MISMATCH');
    given([]).when(explain({ resolution: 'LATE_REGISTRATION', registrationId: 'R9', registration: undefined })).thenThrows('LATE_REGISTRATION_MISMATCH');
  });
  it('要點 九(一): a query that was matched (or never logged) has nothing to explain', () => {
    given([]).when(explain({ logged: { ...logged, foundUnregistered: false } })).thenThrows('UNREGISTERED_QUERY_NOT_FOUND', '要點 九(一)');
    given([]).when(explain({ logged: undefined })).thenThrows('UNREGISTERED_QUERY_NOT_FOUND');
  });
  it('要點 九(一): the same explanation again appends nothing; another one is refused and the first stays', () => {
    given([explained]).when(explain()).then([]);
    given([explained]).when(explain({ explanation: '另一說明' })).thenThrows('UNREGISTERED_QUERY_ALREADY_EXPLAINED');
  });
  it('要點 九(一): an empty explanation is refused naming the field', () => given([]).when(explain({ explanation: ' ' })).thenThrows('VALIDATION_FAILED'));
  it('要點 九(一) project default: the explanation is due 14 Taipei days after the query was found unregistered', () => {
    expect(explainUnregisteredDuty('2025-04-02T17:00:00Z')).toEqual({ kind: 'EXPLAIN_UNREGISTERED_QUERY', rule: '要點 九(一)', dueDate: '2025-04-17' });
    expect(explainUnregisteredDuty('2025-04-02T01:00:00Z', 7).dueDate).toBe('2025-04-09');
  });
});
