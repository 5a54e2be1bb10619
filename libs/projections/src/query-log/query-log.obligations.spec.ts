import { projectEvents, projectTwice, SqliteReadModelStore } from '@ledger/read-models';
import { obligationsProjection } from '../obligations/obligations.projection';
import { obligationsAt } from '../obligations/obligations.queries';
import { recorded } from '../testing/recorded';

const importId = `SWD001.${'c'.repeat(32)}`;
const found = recorded(`querylog-${importId}`, 'UnregisteredQueriesFound', {
  importId, agencyCode: 'SWD001', period: '2025-03', chunk: 0, anomaly: 'UNREGISTERED_QUERY', window: { days: 1 },
  queries: [
    { lineNo: 4, accountId: `SWD001.USER.${'a'.repeat(32)}`, operationCode: 'LI_ENROLMENT', loggedAt: '2025-03-05T02:00:00.000Z' },
    { lineNo: 9, accountId: `SWD001.USER.${'a'.repeat(32)}`, operationCode: 'LI_ENROLMENT', loggedAt: '2025-03-06T02:00:00.000Z' },
  ],
  duty: { kind: 'EXPLAIN_UNREGISTERED_QUERY', rule: '要點 九(一)', dueDate: '2025-04-16' },
}, '2025-04-02T02:00:00.000Z');
const explained = (lineNo: number, resolution: 'EXPLANATION' | 'LATE_REGISTRATION', at: string) =>
  recorded(`unregisteredquery-${importId}.${lineNo}`, 'UnregisteredQueryExplained', {
    importId, lineNo, agencyCode: 'SWD001', resolution, explanation: resolution === 'EXPLANATION' ? '紙本登記表補附' : null,
    registrationId: resolution === 'LATE_REGISTRATION' ? 'R9' : null, meetsDuty: 'EXPLAIN_UNREGISTERED_QUERY',
  }, at);

describe('obligation EXPLAIN_UNREGISTERED_QUERY (要點 九(一))', () => {
  it('要點 九(一): given logged queries found without a registration, then each opens an explanation duty owed by the agency, due 14 days later', async () => {
    const store = new SqliteReadModelStore({ file: ':memory:' });
    await projectEvents(obligationsProjection(), store, [found]);
    const open = await obligationsAt(store, { at: '2025-04-10T00:00:00.000Z', kind: 'EXPLAIN_UNREGISTERED_QUERY' });
    expect(open.map((o) => [o.subject, o.state, o.dueDate, o.agencyCode, o.rule])).toEqual([
      [`${importId}.4`, 'open', '2025-04-16', 'SWD001', '要點 九(一)'],
      [`${importId}.9`, 'open', '2025-04-16', 'SWD001', '要點 九(一)'],
    ]);
    expect((await obligationsAt(store, { at: '2025-04-17T00:00:00.000Z', state: 'overdue' })).length).toBe(2);
    await store.close();
  });

  it('要點 九(一): an explanation meets it in time; a late registration recorded after the due day meets it late', async () => {
    const store = new SqliteReadModelStore({ file: ':memory:' });
    await projectEvents(obligationsProjection(), store, [found, explained(4, 'EXPLANATION', '2025-04-10T02:00:00.000Z'), explained(9, 'LATE_REGISTRATION', '2025-04-20T02:00:00.000Z')]);
    const all = await obligationsAt(store, { at: '2025-04-30T00:00:00.000Z', kind: 'EXPLAIN_UNREGISTERED_QUERY' });
    expect(all.map((o) => [o.subject.split('.').pop(), o.state, o.metLate])).toEqual([['4', 'met', false], ['9', 'met', true]]);
    await store.close();
  });

  it('run twice: replaying changes nothing', async () => {
    const { once, twice } = await projectTwice(obligationsProjection(), [found, explained(4, 'EXPLANATION', '2025-04-10T02:00:00.000Z')]);
    expect(twice).toEqual(once);
  });
});
