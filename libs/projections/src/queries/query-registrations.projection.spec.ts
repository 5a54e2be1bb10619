import { projectEvents, projectTwice, SqliteReadModelStore } from '@ledger/read-models';
import { recorded, USER_ACCOUNT } from '../testing/recorded';
import { queryRegistrationsProjection } from './query-registrations.projection';
import { findQueryRegistrations } from './query-registrations.queries';

const registered = (registrationId: string, plannedAt: string, caseNumber = '114社救字第0123號', agencyCode = 'SWD001') =>
  recorded(
    `queryregistration-${registrationId}`,
    'QueryRegistered',
    {
      registrationId,
      agencyCode,
      accountId: USER_ACCOUNT,
      operationCode: 'LI_ENROLMENT',
      plannedAt,
      caseNumber,
      reason: '低收入戶資格審查',
      subject: { personId: 'person_subject', nationalIdCiphertext: 'v1.iv.tag.ct' },
    },
    plannedAt,
  );

const events = [
  registered('R1', '2025-02-28T15:59:59.000Z'), // 2025-02-28 23:59:59 Taipei
  registered('R2', '2025-02-28T16:00:00.000Z'), // 2025-03-01 00:00 Taipei
  registered('R3', '2025-03-05T01:30:00.000Z', '114社救字第0456號'),
  registered('R4', '2025-03-06T01:30:00.000Z', '114社救字第0456號', 'DIST002'),
];

async function project() {
  const store = new SqliteReadModelStore({ file: ':memory:' });
  await projectEvents(queryRegistrationsProjection, store, events);
  return store;
}

describe('query registrations read model (要點 九(一))', () => {
  it('files each registration under the Taipei month of its planned time', async () => {
    const store = await project();
    const march = await findQueryRegistrations(store, { agencyCode: 'SWD001', month: '2025-03', limit: 10 });
    expect(march.items.map((r) => r.registrationId)).toEqual(['R2', 'R3']);
    expect((await findQueryRegistrations(store, { agencyCode: 'SWD001', month: '2025-02', limit: 10 })).items.map((r) => r.registrationId)).toEqual(['R1']);
    await store.close();
  });

  it('finds by case number within an agency, and by account', async () => {
    const store = await project();
    expect((await findQueryRegistrations(store, { agencyCode: 'SWD001', caseNumber: '114社救字第0456號', limit: 10 })).items.map((r) => r.registrationId)).toEqual(['R3']);
    expect((await findQueryRegistrations(store, { accountId: USER_ACCOUNT, limit: 10 })).items).toHaveLength(4);
    await store.close();
  });

  it('pages by registration id, and holds nothing of the subject', async () => {
    const store = await project();
    const first = await findQueryRegistrations(store, { limit: 3 });
    expect(first.items.map((r) => r.registrationId)).toEqual(['R1', 'R2', 'R3']);
    expect(first.next).toBe('R3');
    const second = await findQueryRegistrations(store, { limit: 3, after: first.next! });
    expect(second).toMatchObject({ next: null });
    expect(second.items.map((r) => r.registrationId)).toEqual(['R4']);
    expect(JSON.stringify([...first.items, ...second.items])).not.toMatch(/subject|person_/);
    await store.close();
  });

  it('a replay writes the same documents', async () => {
    const { once, twice } = await projectTwice(queryRegistrationsProjection, events);
    expect(twice).toEqual(once);
    expect(once.query_registrations).toHaveLength(4);
  });
});
