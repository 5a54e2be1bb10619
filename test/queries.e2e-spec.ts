import { randomUUID } from 'node:crypto';
import { accountIdOf, accountStreamId, queryItemStreamId } from '@ledger/domain';
import type { EventStore, RecordedEvent } from '@ledger/event-store';
import type { PersonalDataProtector } from '@ledger/personal-data';
import { EVENT_STORE, PERSONAL_DATA } from '../apps/ledger-api/src/infrastructure/event-store.provider';
import { ADMIN_KEY, startTestApp } from './support/app';

/**
 * Query registrations (要點 九(一)) over HTTP on the real app. The account and the agency's grant
 * are seeded as events (their own lifecycle is covered by access-lifecycle.e2e-spec): a user of SWD
 * holding LI_ENROLMENT from January to its disabling on 2025-04-01.
 */
const AGENCY = 'SWD';
const HOLDER_KEY = 'ab'.repeat(32);
const USER = accountIdOf(AGENCY, 'USER', HOLDER_KEY);
const SUBJECT = 'A123456789';

let t: Awaited<ReturnType<typeof startTestApp>>;
const keys: Record<string, string> = {};
const now = new Date('2025-06-02T01:00:00.000Z');

const meta = (occurredAt: string) => ({ $correlationId: randomUUID(), $causationId: randomUUID(), commandId: randomUUID(), actor: 'seed', occurredAt });
const event = (type: string, data: Record<string, unknown>, occurredAt: string) => ({ eventId: randomUUID(), type, data, metadata: meta(occurredAt) });

async function issueKey(principalId: string, roles: string[], agencies: string[]): Promise<string> {
  const res = await t.http().post('/auth/keys').set('X-API-Key', ADMIN_KEY).send({ principalId, roles, agencies }).expect(201);
  return res.body.apiKey;
}

async function allEvents(): Promise<RecordedEvent[]> {
  return t.app.get<EventStore>(EVENT_STORE).readAll({ maxCount: 100_000 });
}

const registration = (overrides: Record<string, unknown> = {}) => ({
  registrationId: 'SWD_2025_000001',
  agencyCode: AGENCY,
  accountId: USER,
  operationCode: 'LI_ENROLMENT',
  plannedAt: '2025-03-05T09:30:00+08:00',
  caseNumber: '114社救字第0123號',
  reason: '低收入戶資格審查',
  subject: { nationalId: SUBJECT },
  ...overrides,
});
const send = (path: string, body: object, key = keys.swd) => t.http().post(path).set('X-API-Key', key).send({ commandId: randomUUID(), ...body });

beforeAll(async () => {
  t = await startTestApp({}, { clock: () => now });
  const store = t.app.get<EventStore>(EVENT_STORE);
  const item = { agencyCode: AGENCY, operationCode: 'LI_ENROLMENT' };
  await store.append(
    queryItemStreamId(AGENCY, 'LI_ENROLMENT'),
    [
      event('QueryItemApplied', { ...item, legalBasis: '社會救助法第44條之3', businessScope: '低收入戶審核', purpose: '資格審查', applicationId: 'app_items', round: 1 }, '2025-01-02T01:00:00.000Z'),
      event('QueryItemApprovedByCompetentAuthority', item, '2025-01-03T01:00:00.000Z'),
      event('QueryItemSubmittedToBli', { ...item, reference: null }, '2025-01-04T01:00:00.000Z'),
      event('QueryItemApprovedByBli', { ...item, reference: null }, '2025-01-05T01:00:00.000Z'),
      event('QueryItemGranted', { ...item, applicationId: 'app_items' }, '2025-01-06T01:00:00.000Z'),
    ],
    'no_stream',
  );
  const holder = { personId: 'person_seed', holderKey: HOLDER_KEY, nationalIdCiphertext: 'v1.a.b.c', nameCiphertext: 'v1.d.e.f' };
  await store.append(
    accountStreamId(USER),
    [
      event('AccountCreated', { accountId: USER, agencyCode: AGENCY, kind: 'USER', incarnation: 1, applicationId: 'app_add', holder, myEGovAccountId: 'egov:1', certificateBound: true, post: '科員', unit: '社會救助科' }, '2025-01-10T01:00:00.000Z'),
      event('AccountQueryItemsGranted', { accountId: USER, operationCodes: ['LI_ENROLMENT'], applicationId: 'app_grant' }, '2025-01-10T02:00:00.000Z'),
      event('AccountDisabled', { accountId: USER, reason: '離職', disabledOn: '2025-04-01' }, '2025-04-01T01:00:00.000Z'),
    ],
    'no_stream',
  );
  keys.swd = await issueKey('svc_swd', ['integrator'], [AGENCY]);
  keys.other = await issueKey('svc_dist', ['integrator'], ['DIST']);
  keys.auditor = await issueKey('auditor_1', ['auditor'], []);
});
afterAll(() => t.close());

describe('query registrations (要點 九(一))', () => {
  it('registers a query; the subject is stored encrypted and never appears in the stream id, the event or the response', async () => {
    const res = await send('/query-registrations', registration()).expect(201);
    expect(res.body).toMatchObject({ streamId: 'queryregistration-SWD_2025_000001', events: [{ type: 'QueryRegistered' }] });
    expect(JSON.stringify(res.body)).not.toContain(SUBJECT);
    const stored = (await allEvents()).filter((e) => e.type === 'QueryRegistered');
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored.map((e) => [e.streamId, e.data]))).not.toContain(SUBJECT);
    expect(stored[0].data).toMatchObject({ plannedAt: '2025-03-05T01:30:00.000Z', caseNumber: '114社救字第0123號', subject: { personId: expect.any(String) } });

    const read = await t.http().get('/query-registrations/SWD_2025_000001').set('X-API-Key', keys.auditor).expect(200);
    expect(read.body.state).toMatchObject({ registrationId: 'SWD_2025_000001', operationCode: 'LI_ENROLMENT' });
    expect(read.body.state.subject).toBeUndefined();
  });

  it('the same registration sent again with a new commandId appends nothing', async () => {
    const before = (await allEvents()).length;
    const res = await send('/query-registrations', registration()).expect(201);
    expect(res.body.events).toEqual([]);
    expect((await allEvents()).length).toBe(before);
  });

  it('a registration id sent again with another subject is a conflict, and a reused commandId with another subject is refused', async () => {
    const before = (await allEvents()).length;
    // The vault knows the recorded subject's person id; another number is another person (or none yet).
    const other = await send('/query-registrations', registration({ subject: { nationalId: 'B223456782' } })).expect(422);
    expect(other.body.code).toBe('QUERY_REGISTRATION_CONFLICT');
    const commandId = randomUUID();
    await send('/query-registrations', registration({ registrationId: 'SWD_2025_000010', plannedAt: '2025-02-20T09:30:00+08:00', caseNumber: '114社救字第0999號', commandId })).expect(201);
    const replay = await send('/query-registrations', registration({ registrationId: 'SWD_2025_000010', plannedAt: '2025-02-20T09:30:00+08:00', caseNumber: '114社救字第0999號', commandId })).expect(201);
    expect(replay.body.replayed).toBe(true);
    const reused = await send('/query-registrations', registration({ registrationId: 'SWD_2025_000010', plannedAt: '2025-02-20T09:30:00+08:00', caseNumber: '114社救字第0999號', commandId, subject: { nationalId: 'B223456782' } })).expect(422);
    expect(reused.body.code).toBe('COMMAND_ID_REUSED');
    expect((await allEvents()).filter((e) => !e.streamId.startsWith('security-')).length).toBe(before + 1);
  });

  it('refusals name the rule and append nothing; bad input is a 400 naming the field, never echoing the number', async () => {
    const before = (await allEvents()).filter((e) => !e.streamId.startsWith('security-')).length;
    const late = await send('/query-registrations', registration({ registrationId: 'SWD_2025_000002', plannedAt: '2025-05-01T09:00:00+08:00' })).expect(422);
    expect(late.body).toMatchObject({ code: 'QUERY_ACCOUNT_NOT_ACTIVE', rule: '要點 六' });
    const item = await send('/query-registrations', registration({ registrationId: 'SWD_2025_000003', operationCode: 'LI_SALARY' })).expect(422);
    expect(item.body.code).toBe('QUERY_ITEM_NOT_GRANTED_TO_AGENCY');
    const conflict = await send('/query-registrations', registration({ reason: '另一事由' })).expect(422);
    expect(conflict.body.code).toBe('QUERY_REGISTRATION_CONFLICT');

    const badId = await send('/query-registrations', registration({ registrationId: 'SWD_2025_000004', subject: { nationalId: 'A123456788' } })).expect(400);
    expect(JSON.stringify(badId.body)).toContain('subject.nationalId');
    expect(JSON.stringify(badId.body)).not.toContain('A123456788');
    const inReason = await send('/query-registrations', registration({ registrationId: 'SWD_2025_000005', reason: `查詢${SUBJECT}` })).expect(400);
    expect(JSON.stringify(inReason.body)).toContain('reason');
    expect(JSON.stringify(inReason.body)).not.toContain(SUBJECT);
    await send('/query-registrations', registration({ registrationId: 'SWD_2025_000006', plannedAt: '2025-03-05T09:30:00' })).expect(400);
    // The registration id becomes a stream id: a number inside it is refused like anywhere else.
    const inId = await send('/query-registrations', registration({ registrationId: SUBJECT })).expect(400);
    expect(JSON.stringify(inId.body)).toContain('registrationId');
    expect(JSON.stringify(inId.body)).not.toContain(SUBJECT);
    expect((await allEvents()).filter((e) => !e.streamId.startsWith('security-')).length).toBe(before);
  });

  it('an integrator registers only for its own agencies', async () => {
    await send('/query-registrations', registration({ registrationId: 'SWD_2025_000007' }), keys.other).expect(403);
    await t.http().get('/query-registrations/SWD_2025_000001').set('X-API-Key', keys.other).expect(403);
  });

  it('a batch gives each registration its own outcome, and the same batch again appends nothing', async () => {
    const batch = {
      commandId: randomUUID(),
      registrations: [
        registration({ registrationId: 'SWD_B_1' }),
        registration({ registrationId: 'SWD_B_2', plannedAt: '2025-05-01T09:00:00+08:00' }),
        registration({ registrationId: 'SWD_B_3', subject: { nationalId: 'B223456782' } }),
      ],
    };
    const first = await t.http().post('/query-registrations/batch').set('X-API-Key', keys.swd).send(batch).expect(200);
    expect(first.body.outcomes.map((o: { status: string; code?: string }) => [o.status, o.code])).toEqual([
      ['REGISTERED', undefined],
      ['REFUSED', 'QUERY_ACCOUNT_NOT_ACTIVE'],
      ['REGISTERED', undefined],
    ]);
    const before = (await allEvents()).length;
    const again = await t.http().post('/query-registrations/batch').set('X-API-Key', keys.swd).send(batch).expect(200);
    expect(again.body.outcomes.map((o: { status: string }) => o.status)).toEqual(['ALREADY_REGISTERED', 'REFUSED', 'ALREADY_REGISTERED']);
    expect((await allEvents()).length).toBe(before);
    expect(JSON.stringify(first.body)).not.toContain('B223456782');
  });

  it('a batch holds 1–1,000 registrations; a bad one is a 400 naming its index', async () => {
    await send('/query-registrations/batch', { registrations: [] }).expect(400);
    const bad = await send('/query-registrations/batch', { registrations: [registration({ registrationId: 'SWD_B_9', caseNumber: 42 })] }).expect(400);
    expect(JSON.stringify(bad.body)).toContain('caseNumber');
    const tooMany = await send('/query-registrations/batch', { registrations: Array.from({ length: 1001 }, (_, i) => registration({ registrationId: `SWD_X_${i}` })) }).expect(400);
    expect(JSON.stringify(tooMany.body)).toContain('registrations');
    // Beyond the body limit: the client's error, not the ledger's.
    await send('/query-registrations/batch', { registrations: [registration({ reason: 'x'.repeat(5 * 1024 * 1024) })] }).expect(413);
  });

  it('reads registrations by agency, month and case number in pages; integrators only their agency, never the subject', async () => {
    const position = (await allEvents()).at(-1)!.position.toString();
    const page1 = await t.http().get(`/query-registrations?agency=${AGENCY}&month=2025-03&limit=2&minPosition=${position}`).set('X-API-Key', keys.auditor).expect(200);
    expect(page1.body.registrations.map((r: { registrationId: string }) => r.registrationId)).toEqual(['SWD_2025_000001', 'SWD_B_1']);
    expect(page1.body.registrations[0]).toMatchObject({ month: '2025-03', plannedDateRoc: '民國114年03月05日', caseNumber: '114社救字第0123號' });
    const page2 = await t.http().get(`/query-registrations?agency=${AGENCY}&month=2025-03&limit=2&after=${page1.body.next}`).set('X-API-Key', keys.auditor).expect(200);
    expect(page2.body).toMatchObject({ count: 1, next: null });
    expect(JSON.stringify([page1.body, page2.body])).not.toMatch(/subject|person_|A123456789|B223456782/);

    const own = await t.http().get(`/query-registrations?agency=${AGENCY}&caseNumber=${encodeURIComponent('114社救字第0123號')}`).set('X-API-Key', keys.swd).expect(200);
    expect(own.body.count).toBe(3);
    await t.http().get('/query-registrations').set('X-API-Key', keys.swd).expect(400);
    await t.http().get(`/query-registrations?agency=${AGENCY}`).set('X-API-Key', keys.other).expect(403);
    await t.http().get('/query-registrations?month=2025-13').set('X-API-Key', keys.auditor).expect(400);
  });

  it('a refused registration leaves nothing behind: no person id, no data key in the vault, no event (batch too)', async () => {
    const vault = t.app.get<PersonalDataProtector>(PERSONAL_DATA);
    const fresh = 'C123456781';
    expect(await vault.findPerson(fresh)).toBeUndefined();
    const before = (await allEvents()).length;
    // Disabled since 2025-04-01: refused by 要點 六, once alone and once inside a batch.
    await send('/query-registrations', registration({ registrationId: 'SWD_ORPHAN_1', plannedAt: '2025-05-05T09:30:00+08:00', subject: { nationalId: fresh } })).expect(422);
    const batch = await send('/query-registrations/batch', {
      registrations: [registration({ registrationId: 'SWD_ORPHAN_2', operationCode: 'LI_SALARY', subject: { nationalId: fresh } })],
    }).expect(200);
    expect(batch.body.outcomes[0]).toMatchObject({ status: 'REFUSED', code: 'QUERY_ITEM_NOT_GRANTED_TO_AGENCY' });
    expect(await vault.findPerson(fresh)).toBeUndefined();
    expect((await allEvents()).length).toBe(before);

    // Accepted, the subject gets its person id then, and a retry of the same command is a replay.
    const body = { commandId: randomUUID(), ...registration({ registrationId: 'SWD_ORPHAN_3', subject: { nationalId: fresh } }) };
    const first = await t.http().post('/query-registrations').set('X-API-Key', keys.swd).send(body).expect(201);
    const personId = await vault.findPerson(fresh);
    expect(personId).toMatch(/^person_/);
    const retry = await t.http().post('/query-registrations').set('X-API-Key', keys.swd).send(body).expect(201);
    expect(retry.body).toMatchObject({ replayed: true, position: first.body.position });
    const stored = (await allEvents()).filter((e) => e.streamId === 'queryregistration-SWD_ORPHAN_3');
    expect(stored).toHaveLength(1);
    expect((stored[0].data as { subject: { personId: string } }).subject.personId).toBe(personId);
  });

  it("an account's events appended after registrations were judged against it count for the next registration", async () => {
    const holderKey = 'cd'.repeat(32);
    const user = accountIdOf(AGENCY, 'USER', holderKey);
    const store = t.app.get<EventStore>(EVENT_STORE);
    const holder = { personId: 'person_seed_2', holderKey, nationalIdCiphertext: 'v1.a.b.c', nameCiphertext: 'v1.d.e.f' };
    await store.append(
      accountStreamId(user),
      [
        event('AccountCreated', { accountId: user, agencyCode: AGENCY, kind: 'USER', incarnation: 1, applicationId: 'app_add_2', holder, myEGovAccountId: 'egov:2', certificateBound: true, post: '科員', unit: '社會救助科' }, '2025-01-10T01:00:00.000Z'),
        event('AccountQueryItemsGranted', { accountId: user, operationCodes: ['LI_ENROLMENT'], applicationId: 'app_grant_2' }, '2025-01-10T02:00:00.000Z'),
      ],
      'no_stream',
    );
    const planned = '2025-05-20T09:00:00+08:00';
    await send('/query-registrations', registration({ registrationId: 'SWD_2025_100001', accountId: user, plannedAt: planned })).expect(201);
    await store.append(accountStreamId(user), [event('AccountDisabled', { accountId: user, reason: '調職', disabledOn: '2025-05-10' }, '2025-05-10T01:00:00.000Z')], 1);
    const single = await send('/query-registrations', registration({ registrationId: 'SWD_2025_100002', accountId: user, plannedAt: planned })).expect(422);
    expect(single.body).toMatchObject({ code: 'QUERY_ACCOUNT_NOT_ACTIVE', rule: '要點 六' });
    const batch = await send('/query-registrations/batch', { registrations: [registration({ registrationId: 'SWD_2025_100003', accountId: user, plannedAt: planned })] }).expect(200);
    expect(batch.body.outcomes).toEqual([expect.objectContaining({ status: 'REFUSED', code: 'QUERY_ACCOUNT_NOT_ACTIVE' })]);
    // Planned before the disabling it is still accepted.
    await send('/query-registrations', registration({ registrationId: 'SWD_2025_100004', accountId: user, plannedAt: '2025-05-02T09:00:00+08:00' })).expect(201);
  });
});
