import { randomUUID } from 'node:crypto';
import { queryRegistrationStreamId } from '@ledger/domain';
import type { EventStore, RecordedEvent } from '@ledger/event-store';
import { EVENT_STORE } from '../apps/ledger-api/src/infrastructure/event-store.provider';
import { ADMIN_KEY, startTestApp } from './support/app';

/**
 * Obtained data and its deletion (要點 八、九(一)3、十一) over HTTP on the real app. The query
 * registrations the data came from are seeded as events (their own rules are covered by
 * queries.e2e-spec); everything else goes through the API.
 */
const AGENCY = 'SWD';
let t: Awaited<ReturnType<typeof startTestApp>>;
let clock = new Date('2025-07-01T02:00:00.000Z');
const keys: Record<string, string> = {};

// Refusals are recorded in security-*; signed checkpoints (ledger-*) may be issued at any time in the background.
const allEvents = async (): Promise<RecordedEvent[]> => t.app.get<EventStore>(EVENT_STORE).readAll({ maxCount: 100_000 });
const send = (path: string, body: object, key = keys.swd) => t.http().post(path).set('X-API-Key', key).send({ commandId: randomUUID(), ...body });
const get = (path: string, key = keys.auditor) => t.http().get(path).set('X-API-Key', key);

const copy = (copyId: string, overrides: Record<string, unknown> = {}) => ({ copyId, kind: 'ORIGINAL', medium: 'ELECTRONIC', protection: 'ENCRYPTED_FILE', location: '社會救助科加密檔案區', ...overrides });
const recordBody = (overrides: Record<string, unknown> = {}) => ({
  recordId: 'SWD_OD_1',
  agencyCode: AGENCY,
  registrationIds: ['SWD_Q_1', 'SWD_Q_2'],
  obtainedOn: '2025-03-05',
  legalBasis: '社會救助法第44條之3',
  use: { until: '2025-06-30', basis: '低收入戶資格審查案件辦結為止' },
  copies: [copy('case_file')],
  ...overrides,
});
const deletionBody = (overrides: Record<string, unknown> = {}) => ({
  deletionId: 'del_1',
  deletedOn: '2025-07-10',
  copyIds: ['case_file'],
  temporaryFilesCleared: true,
  method: 'SECURE_ERASE',
  performedBy: { unit: '社會救助科' },
  evidence: { reference: '114社救字第0456號簽', description: '覆寫工具報告' },
  ...overrides,
});

async function expectNothingAppended(request: () => Promise<unknown>): Promise<void> {
  const before = (await allEvents()).filter((e) => !/^(security|ledger)-/.test(e.streamId)).length;
  await request();
  expect((await allEvents()).filter((e) => !/^(security|ledger)-/.test(e.streamId)).length).toBe(before);
}

beforeAll(async () => {
  t = await startTestApp({}, { clock: () => clock });
  const store = t.app.get<EventStore>(EVENT_STORE);
  for (const [id, agencyCode] of [['SWD_Q_1', AGENCY], ['SWD_Q_2', AGENCY], ['DIST_Q_1', 'DIST']]) {
    await store.append(queryRegistrationStreamId(id), [{
      eventId: randomUUID(),
      type: 'QueryRegistered',
      data: { registrationId: id, agencyCode, accountId: `${agencyCode}.USER.${'ab'.repeat(32)}`, operationCode: 'LI_ENROLMENT', plannedAt: '2025-03-05T01:30:00.000Z', caseNumber: '114社救字第0123號', reason: '低收入戶資格審查', subject: { personId: 'person_seed', nationalIdCiphertext: 'v1.a.b.c' } },
      metadata: { $correlationId: randomUUID(), $causationId: randomUUID(), commandId: randomUUID(), actor: 'seed', occurredAt: '2025-03-05T01:20:00.000Z' },
    }], 'no_stream');
  }
  const issue = async (principalId: string, roles: string[], agencies: string[]) =>
    (await t.http().post('/auth/keys').set('X-API-Key', ADMIN_KEY).send({ principalId, roles, agencies }).expect(201)).body.apiKey as string;
  keys.swd = await issue('svc_swd', ['integrator'], [AGENCY]);
  keys.dist = await issue('svc_dist', ['integrator'], ['DIST']);
  keys.auditor = await issue('auditor_1', ['auditor'], []);
});
afterAll(() => t.close());

describe('obtained data and its deletion (要點 八、九(一)3、十一)', () => {
  it('要點 九(一)3、十一(二): the agency records that data exists, where and how each copy is kept; bad input and broken rules append nothing', async () => {
    // 要點 九(一)3: an unencrypted file is refused by rule, naming it.
    await expectNothingAppended(async () => {
      const res = await send('/obtained-data', recordBody({ copies: [copy('case_file', { protection: 'NONE' })] })).expect(422);
      expect(res.body).toMatchObject({ code: 'OBTAINED_DATA_NOT_PROTECTED', rule: '要點 九(一)3' });
      await send('/obtained-data', recordBody({ registrationIds: ['SWD_Q_1', 'DIST_Q_1'] })).expect(422).expect((r) => expect(r.body.code).toBe('OBTAINED_DATA_REGISTRATION_UNKNOWN'));
      await send('/obtained-data', recordBody({ registrationIds: ['NOPE'] })).expect(422);
      // Bad input: 400 naming the field, never its value.
      const nid = await send('/obtained-data', recordBody({ legalBasis: '依A123456789之申請' })).expect(400);
      expect(JSON.stringify(nid.body)).toContain('legalBasis');
      expect(JSON.stringify(nid.body)).not.toContain('A123456789');
      const date = await send('/obtained-data', recordBody({ obtainedOn: '2025-02-30' })).expect(400);
      expect(JSON.stringify(date.body.fields)).toContain('obtainedOn');
      const nested = await send('/obtained-data', recordBody({ copies: [copy('case_file', { medium: 'TAPE' })] })).expect(400);
      expect(JSON.stringify(nested.body.fields)).toContain('copies.0.medium');
      await send('/obtained-data', recordBody({ use: undefined })).expect(400);
      // Only an integrator acting for the agency: another agency's key, the admin key (which acts for no body).
      await send('/obtained-data', recordBody(), keys.dist).expect(403);
      const admin = await send('/obtained-data', recordBody(), ADMIN_KEY).expect(403);
      expect(admin.body.code).toBe('SIGNER_NOT_ALLOWED');
    });

    const res = await send('/obtained-data', recordBody()).expect(201);
    expect(res.body).toMatchObject({ streamId: 'obtaineddata-SWD_OD_1', events: [{ type: 'ObtainedDataRecorded' }] });
    await send('/obtained-data/SWD_OD_1/copies', { copy: copy('nightly_backup', { kind: 'BACKUP', location: '機房備份' }) }).expect(201);
    await send('/obtained-data/SWD_OD_1/copies', { copy: copy('print', { kind: 'DERIVED', medium: 'PAPER', protection: 'CONFIDENTIAL_PAPER', location: '案卷密件櫃' }) }).expect(201);
    const state = await get('/obtained-data/SWD_OD_1').expect(200);
    expect(state.body.state).toMatchObject({ status: 'HELD', copies: [{ copyId: 'case_file' }, { copyId: 'nightly_backup' }, { copyId: 'print' }] });
    await get('/obtained-data/SWD_OD_1', keys.dist).expect(403);
    await get('/obtained-data/NOPE').expect(404);
  });

  it('要點 八: a disclosure without a legal basis is refused; one reported after the fact is recorded, flagged', async () => {
    const disclosure = { disclosureId: 'dis_1', recipientKind: 'INTERNATIONAL', recipient: '境外委外廠商', disclosedOn: '2025-04-01' };
    await expectNothingAppended(async () => {
      const refused = await send('/obtained-data/SWD_OD_1/disclosures', disclosure).expect(422);
      expect(refused.body).toMatchObject({ code: 'DISCLOSURE_WITHOUT_LEGAL_BASIS', rule: '要點 八' });
    });
    const flagged = await send('/obtained-data/SWD_OD_1/disclosures', { ...disclosure, reportedBreach: true }).expect(201);
    const event = (await allEvents()).find((e) => e.eventId === flagged.body.eventIds[0])!;
    expect(event.data).toMatchObject({ flag: 'NO_LEGAL_BASIS', legalBasis: null });
    expect(event.metadata).toMatchObject({ actor: 'svc_swd', occurredAt: clock.toISOString() });
    await send('/obtained-data/SWD_OD_1/disclosures', { ...disclosure, disclosureId: 'dis_2', recipientKind: 'OTHER_AGENCY', recipient: '臺灣臺北地方法院', legalBasis: '刑事訴訟法第133條' }).expect(201);
  });

  it('要點 十一(二)(三): use complete opens the deletion, due one month later; a deletion leaving a backup or a derived file keeps it open; the rest closes it late', async () => {
    await expectNothingAppended(() => send('/obtained-data/SWD_OD_1/deletions', deletionBody()).expect(422).expect((r) => expect(r.body.code).toBe('OBTAINED_DATA_USE_NOT_ENDED')));
    const ended = await send('/obtained-data/SWD_OD_1/use-end', { endedOn: '2025-07-01', reason: 'USE_COMPLETE', note: '案件已辦結' }).expect(201);
    const obligation = await get(`/obligations?agency=${AGENCY}&kind=DELETE_OBTAINED_DATA&minPosition=${ended.body.position}`).expect(200);
    expect(obligation.body.obligations).toEqual([expect.objectContaining({ state: 'open', rule: '要點 十一(二)', subject: 'SWD_OD_1', dueDate: '2025-08-01', dueDateRoc: '民國114年08月01日' })]);

    // Paper is shredded, not erased (要點 十一(三)1); the original and the print deleted now, the backup left.
    await send('/obtained-data/SWD_OD_1/deletions', deletionBody({ copyIds: ['print'] })).expect(422).expect((r) => expect(r.body.code).toBe('OBTAINED_DATA_DELETION_METHOD'));
    await send('/obtained-data/SWD_OD_1/deletions', deletionBody({ copyIds: ['print'], method: 'SHREDDED', deletionId: 'del_0' })).expect(201);
    const partial = await send('/obtained-data/SWD_OD_1/deletions', deletionBody()).expect(201);
    const open = await get(`/obtained-data/open-deletions?agency=${AGENCY}&minPosition=${partial.body.position}`).expect(200);
    expect(open.body.openDeletions).toEqual([expect.objectContaining({ recordId: 'SWD_OD_1', remainingCopyIds: ['nightly_backup'], deletionDueDate: '2025-08-01', overdue: false })]);
    const own = await get(`/obtained-data/open-deletions?agency=${AGENCY}`, keys.swd).expect(200);
    expect(own.body.count).toBe(1);
    await get('/obtained-data/open-deletions', keys.swd).expect(400);
    await get(`/obtained-data/open-deletions?agency=${AGENCY}`, keys.dist).expect(403);

    const csv = await get(`/obtained-data/open-deletions?agency=${AGENCY}&format=csv`).expect(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.text.startsWith('\uFEFF機關代號,取得資料編號')).toBe(true);
    expect(csv.text).toContain('民國114年08月01日');
    expect(csv.text).toContain('nightly_backup');
    expect(csv.text).not.toMatch(/2025-08-01/);

    // Past the month, still overdue while the backup remains.
    clock = new Date('2025-08-05T02:00:00.000Z');
    expect((await get(`/obligations?agency=${AGENCY}&kind=DELETE_OBTAINED_DATA`).expect(200)).body.obligations[0]).toMatchObject({ state: 'overdue' });
    expect((await get(`/obtained-data/open-deletions?agency=${AGENCY}`).expect(200)).body.openDeletions[0]).toMatchObject({ overdue: true });
    const rest = await send('/obtained-data/SWD_OD_1/deletions', deletionBody({ deletionId: 'del_2', deletedOn: '2025-08-05', copyIds: ['nightly_backup'], temporaryFilesCleared: false, method: 'MEDIUM_DESTROYED' })).expect(201);
    const met = await get(`/obligations?agency=${AGENCY}&kind=DELETE_OBTAINED_DATA&minPosition=${rest.body.position}`).expect(200);
    expect(met.body.obligations[0]).toMatchObject({ state: 'met', metLate: true });
    expect((await get(`/obtained-data/open-deletions?agency=${AGENCY}&minPosition=${rest.body.position}`).expect(200)).body.count).toBe(0);
    await send('/obtained-data/SWD_OD_1/copies', { copy: copy('late_copy') }).expect(422).expect((r) => expect(r.body.code).toBe('OBTAINED_DATA_DELETED'));
  });

  it('要點 十一(二)1: a statutory retention period takes precedence over the month', async () => {
    await send('/obtained-data', recordBody({ recordId: 'SWD_OD_2', statutoryRetention: { until: '2030-12-31', basis: '檔案法第12條' } })).expect(201);
    const ended = await send('/obtained-data/SWD_OD_2/use-end', { endedOn: '2025-08-01', reason: 'BASIS_LAPSED' }).expect(201);
    const obligations = await get(`/obligations?agency=${AGENCY}&kind=DELETE_OBTAINED_DATA&minPosition=${ended.body.position}`).expect(200);
    expect(obligations.body.obligations.find((o: { subject: string }) => o.subject === 'SWD_OD_2')).toMatchObject({ dueDate: '2031-01-31', state: 'open' });
    await expectNothingAppended(() => send('/obtained-data/SWD_OD_2/deletions', deletionBody({ deletedOn: '2025-08-05' })).expect(422).expect((r) => expect(r.body).toMatchObject({ code: 'OBTAINED_DATA_RETENTION_RUNNING', rule: '要點 十一(二)1' })));
  });
});
