import { checkLogLine, LineContext, mapHeader, parseLogDate, parseLogDateTime, parseLogTime, splitCsvLine, taipeiLocalToInstant } from './query-log.layout';

// A syntactically valid ID for the tests: the importer passes the personal-data library's check.
const VALID = 'A123456789';
const ACC = 'SWD001.USER.' + 'ab'.repeat(16);
const ctxFor = (header: string[]): LineContext => {
  const mapping = mapHeader(header);
  if (!mapping.ok) throw new Error(mapping.reason);
  return {
    agencyCode: 'SWD001',
    period: '2025-03',
    columns: mapping.columns,
    normalizeId: (t) => (t.trim().toUpperCase() === VALID ? VALID : undefined),
    containsId: (t) => t.toUpperCase().includes(VALID),
  };
};
const HEADER = ['查詢者帳號', '查詢日期', '查詢時間', '作業代號', '被查詢者查詢條件', '案號', '事由', '結果'];
const ctx = ctxFor(HEADER);
const line = (over: Partial<Record<string, string>> = {}) => {
  const v = { account: ACC, date: '114/03/05', time: '09:30:15', op: 'LI_ENROLMENT', subject: VALID, caseNo: '114社救字第0123號', reason: '低收入戶資格審查', result: '成功', ...over };
  return [v.account, v.date, v.time, v.op, v.subject, v.caseNo, v.reason, v.result].join(',');
};

describe('WebIR log layout (要點 九(二))', () => {
  it('given Taipei wall-clock times in log order across hours, midnight, a month and a year, when turned into instants, then each is the UTC instant 8 hours earlier (要點 九(二))', () => {
    const reference = (date: string, time: string) => new Date(Date.parse(`${date}T${time}+08:00`)).toISOString();
    const times = [
      ['2024-12-31', '23:59:59.999'], ['2025-01-01', '00:00:00.000'], ['2025-01-01', '00:59:30.250'], ['2025-01-01', '07:59:59.999'],
      ['2025-01-01', '08:00:00.000'], ['2025-02-28', '23:10:00.000'], ['2025-03-01', '00:10:00.000'], ['2024-02-29', '03:00:00.001'],
      ['2025-03-01', '00:10:00.000'], ['2025-03-01', '00:11:00.000'],
    ] as const;
    for (const [date, time] of times) expect(taipeiLocalToInstant(date, time)).toBe(reference(date, time));
    // A time not in the parser's full form is computed in full.
    expect(taipeiLocalToInstant('2025-03-01', '00:10:00')).toBe('2025-02-28T16:10:00.000Z');
  });

  it('要點 九(二): given the documented header or another spelling, when mapped, then every field is found', () => {
    expect(mapHeader(HEADER)).toEqual({ ok: true, columns: ['accountId', 'queryDate', 'queryTime', 'operationCode', 'subject', 'caseNumber', 'reason', 'outcome'] });
    const other = mapHeader(['\uFEFF帳號', '查詢日期時間', '作業代碼', '查詢條件', '案件編號', '查詢事由', '查詢結果', '備註']);
    expect(other).toEqual({ ok: true, columns: ['accountId', 'queriedAt', 'operationCode', 'subject', 'caseNumber', 'reason', 'outcome', null] });
    expect(mapHeader(['Account', 'Date', 'Time', 'OperationCode', 'Subject', 'CaseNumber', 'Reason', 'Result']).ok).toBe(true);
  });

  it('要點 九(二): a header without account, date/time, item, condition, case number, reason or result is refused naming the column', () => {
    expect(mapHeader(['查詢者帳號', '查詢日期', '作業代號', '被查詢者查詢條件', '案號', '事由', '結果'])).toEqual({ ok: false, reason: expect.stringContaining('查詢時間') });
    expect(mapHeader(['查詢者帳號', '查詢日期', '查詢時間', '作業代號', '案號', '事由', '結果'])).toEqual({ ok: false, reason: expect.stringContaining('被查詢者查詢條件') });
    expect(mapHeader([...HEADER, '帳號'])).toEqual({ ok: false, reason: expect.stringContaining('重複') });
  });

  it('要點 九(二): ROC dates 114/03/05, 114/3/5, 1140305 and ISO dates are read; impossible days are not', () => {
    expect(parseLogDate('114/03/05')).toBe('2025-03-05');
    expect(parseLogDate('114/3/5')).toBe('2025-03-05');
    expect(parseLogDate('1140305')).toBe('2025-03-05');
    expect(parseLogDate('0991231')).toBe('2010-12-31');
    expect(parseLogDate('2025-03-05')).toBe('2025-03-05');
    expect(parseLogDate('2025/03/05')).toBe('2025-03-05');
    expect(parseLogDate('20250305')).toBe('2025-03-05');
    expect(parseLogDate('114/02/29')).toBeUndefined();
    expect(parseLogDate('114/13/01')).toBeUndefined();
    expect(parseLogDate('2025-3')).toBeUndefined();
    expect(parseLogTime('09:30')).toBe('09:30:00.000');
    expect(parseLogTime('093015')).toBe('09:30:15.000');
    expect(parseLogTime('24:00')).toBeUndefined();
  });

  it('要點 九(二): times without an offset are Asia/Taipei; an explicit offset is honoured', () => {
    expect(parseLogDateTime('114/03/05 00:10:00')).toBe('2025-03-04T16:10:00.000Z');
    expect(parseLogDateTime('1140305 001000')).toBe('2025-03-04T16:10:00.000Z');
    expect(parseLogDateTime('2025-03-05T00:10:00+08:00')).toBe('2025-03-04T16:10:00.000Z');
    expect(parseLogDateTime('2025-03-05T00:10:00Z')).toBe('2025-03-05T00:10:00.000Z');
    expect(parseLogDateTime('2025-03-05T00:10:00')).toBe('2025-03-04T16:10:00.000Z');
  });

  it('RFC 4180 cells: quoted commas and doubled quotes; an open quote is an error', () => {
    expect(splitCsvLine('a,"b,c","d""e",')).toEqual({ ok: true, cells: ['a', 'b,c', 'd"e', ''] });
    expect(splitCsvLine('a,"b')).toEqual({ ok: false, reason: expect.any(String) });
  });

  it('要點 九(二): given a well-formed line, when checked, then it yields the query with a UTC instant and an outcome code only', () => {
    expect(checkLogLine(line(), ctx)).toEqual({
      ok: true,
      line: { accountId: ACC, loggedAt: '2025-03-05T01:30:15.000Z', operationCode: 'LI_ENROLMENT', nationalId: VALID, caseNumber: '114社救字第0123號', reason: '低收入戶資格審查', outcomeCode: 'FOUND' },
    });
    expect(checkLogLine(line({ date: '1140305', result: '查無資料' }), ctx)).toMatchObject({ ok: true, line: { outcomeCode: 'NOT_FOUND' } });
    expect(checkLogLine(line({ date: '2025-03-05', result: '失敗' }), ctx)).toMatchObject({ ok: true, line: { outcomeCode: 'FAILED' } });
  });

  it.each([
    ['WRONG_COLUMN_COUNT', line() + ',extra', undefined],
    ['MISSING_FIELD', line({ caseNo: '' }), 'caseNumber'],
    ['BAD_ACCOUNT', line({ account: 'someone' }), 'accountId'],
    ['ACCOUNT_OF_OTHER_AGENCY', line({ account: 'DOL001.USER.' + 'a'.repeat(32) }), 'accountId'],
    ['BAD_DATE', line({ date: '114/02/30' }), 'queryDate'],
    ['BAD_TIME', line({ time: '25:00' }), 'queryTime'],
    ['LOGGED_OUTSIDE_PERIOD', line({ date: '114/04/01' }), 'queryDate'],
    ['BAD_OPERATION_CODE', line({ op: 'LI ENROL' }), 'operationCode'],
    ['BAD_SUBJECT', line({ subject: 'A123456780' }), 'subject'],
    ['NATIONAL_ID_OUTSIDE_SUBJECT', line({ reason: `查 ${VALID}` }), 'reason'],
    ['UNKNOWN_OUTCOME', line({ result: '投保薪資 45800' }), 'outcome'],
  ])('要點 九(二)、十一: a line with %s is rejected naming the field, its content never repeated', (code, text, field) => {
    const result = checkLogLine(text, ctx);
    expect(result).toMatchObject({ ok: false, code, ...(field ? { field } : {}) });
    if (!result.ok) {
      expect(result.reason).not.toContain(VALID);
      expect(result.reason).not.toContain('45800');
    }
  });

  it('要點 九(二): consecutive lines repeating a date cell (a log in time order) are judged as if each were alone', () => {
    const dates = ['114/03/05', '114/03/05', '114/02/30', '114/02/30', '114/03/05', '114/04/01', '114/04/01', '1140331', '2025-03-31', '114/13/01'];
    const alone = dates.map((date) => ({ ...checkLogLine(line({ date }), ctx) }));
    // Checked again in another order, so every answer follows a different previous date.
    const reordered = [...dates].reverse().map((date) => checkLogLine(line({ date }), ctx)).reverse();
    expect(reordered).toEqual(alone);
    expect(alone.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['ok', 'ok', 'BAD_DATE', 'BAD_DATE', 'ok', 'LOGGED_OUTSIDE_PERIOD', 'LOGGED_OUTSIDE_PERIOD', 'ok', 'ok', 'BAD_DATE']);
  });

  it('要點 九(二): the month is judged in Taipei time: 2025-03-31 23:59 Taipei is March, 2025-03-01 00:00 Taipei too', () => {
    expect(checkLogLine(line({ date: '114/03/31', time: '23:59:59' }), ctx)).toMatchObject({ ok: true, line: { loggedAt: '2025-03-31T15:59:59.000Z' } });
    expect(checkLogLine(line({ date: '114/03/01', time: '00:00:00' }), ctx)).toMatchObject({ ok: true, line: { loggedAt: '2025-02-28T16:00:00.000Z' } });
  });
});
