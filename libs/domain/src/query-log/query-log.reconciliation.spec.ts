import { LoggedToMatch, reconcile, RegistrationToMatch, withinWindow } from './query-log.reconciliation';

const key = { agencyCode: 'SWD001', accountId: 'SWD001.USER.u1', operationCode: 'LI_ENROLMENT', personId: 'person_a', caseNumber: '114社救字第1號' };
const reg = (registrationId: string, plannedAt: string, over: Partial<RegistrationToMatch> = {}): RegistrationToMatch => ({ ...key, registrationId, plannedAt, ...over });
const log = (lineNo: number, loggedAt: string, over: Partial<LoggedToMatch> = {}): LoggedToMatch => ({ ...key, importId: 'SWD001.' + 'a'.repeat(32), lineNo, loggedAt, ...over });

describe('reconciliation of registrations and the WebIR log (要點 九(一)(二))', () => {
  it('要點 九(一): given a registration and a query logged the same Taipei day with the same account, item, subject and case, then it is matched and performed', () => {
    const r = reconcile([reg('R1', '2025-03-05T01:00:00Z')], [log(2, '2025-03-05T03:00:00Z')]);
    expect(r.months).toEqual([expect.objectContaining({ month: '2025-03', registered: 1, performed: 1, notPerformed: 0, logged: 1, matched: 1, unregistered: 0 })]);
  });

  it('要點 九(一): the window ends at Taipei midnight: 23:59:59 +08:00 matches, 00:00 the next day does not', () => {
    const planned = '2025-03-05T00:30:00+08:00';
    expect(withinWindow(planned, '2025-03-05T15:59:59.999Z')).toBe(true); // 23:59:59.999 Taipei
    expect(withinWindow(planned, '2025-03-05T16:00:00.000Z')).toBe(false); // 00:00 Taipei, 6 March
    // A registration planned 00:10 Taipei is the 5th in Taipei although the 4th in UTC.
    expect(withinWindow('2025-03-04T16:10:00Z', '2025-03-05T02:00:00Z')).toBe(true);
    expect(withinWindow('2025-03-04T15:59:00Z', '2025-03-05T02:00:00Z')).toBe(false);
    expect(withinWindow(planned, '2025-03-06T02:00:00Z', { days: 2 })).toBe(true);
  });

  it('要點 九(一): a logged query differing in any of account, item, subject or case number is an UNREGISTERED_QUERY', () => {
    const r = reconcile(
      [reg('R1', '2025-03-05T01:00:00Z')],
      [
        log(2, '2025-03-05T02:00:00Z', { accountId: 'SWD001.USER.u2' }),
        log(3, '2025-03-05T02:00:00Z', { operationCode: 'LI_SALARY' }),
        log(4, '2025-03-05T02:00:00Z', { personId: 'person_b' }),
        log(5, '2025-03-05T02:00:00Z', { caseNumber: '114社救字第2號' }),
      ],
    );
    expect(r.months[0]).toMatchObject({ logged: 4, matched: 0, unregistered: 4, notPerformed: 1 });
    expect(r.unregistered).toHaveLength(4);
    expect(r.notPerformed).toEqual(['R1']);
  });

  it('要點 九(一): two registrations for one logged query: the query is matched once, both registrations count as performed, and the overlap is reported', () => {
    const r = reconcile([reg('R1', '2025-03-05T01:00:00Z'), reg('R2', '2025-03-05T02:00:00Z')], [log(2, '2025-03-05T03:00:00Z')]);
    expect(r.months[0]).toMatchObject({ registered: 2, performed: 2, logged: 1, matched: 1, severalRegistrations: 1 });
  });

  it('要點 九(一): one registration logged twice (a repeated lookup the same day): both queries are matched and the repeat is reported', () => {
    const r = reconcile([reg('R1', '2025-03-05T01:00:00Z')], [log(2, '2025-03-05T03:00:00Z'), log(3, '2025-03-05T05:00:00Z')]);
    expect(r.months[0]).toMatchObject({ registered: 1, performed: 1, logged: 2, matched: 2, unregistered: 0, loggedMoreThanOnce: 1 });
  });

  it('要點 九(二): the same query in two files counts once; re-importing or importing out of order gives the same result', () => {
    const regs = [reg('R1', '2025-03-05T01:00:00Z'), reg('R2', '2025-04-01T01:00:00Z')];
    const march = [log(2, '2025-03-05T03:00:00Z'), log(3, '2025-03-06T03:00:00Z')];
    const april = [log(2, '2025-04-01T03:00:00Z', { importId: 'SWD001.' + 'b'.repeat(32) })];
    const inOrder = reconcile(regs, [...march, ...april]);
    expect(reconcile(regs, [...april, ...march])).toEqual(inOrder);
    expect(reconcile(regs, [...march, ...april, ...march])).toEqual(inOrder);
    const again = march.map((l) => ({ ...l, importId: 'SWD001.' + 'c'.repeat(32) }));
    expect(reconcile(regs, [...march, ...again, ...april]).months).toEqual(inOrder.months);
  });

  it('要點 九(一): a registration never logged is reported as not performed in the month of its planned time', () => {
    const r = reconcile([reg('R1', '2025-03-31T16:30:00Z')], []);
    expect(r.months).toEqual([expect.objectContaining({ month: '2025-04', registered: 1, notPerformed: 1 })]);
  });

  it('a window outside 1–31 days is refused naming the field', () =>
    expect(() => reconcile([], [], { days: 0 })).toThrow(expect.objectContaining({ field: 'window.days' })));
});
