import { randomUUID } from 'node:crypto';
import type { EventStore, RecordedEvent } from '@ledger/event-store';
import type { ProjectionRunner } from '@ledger/read-models';
import { EVENT_STORE, PROJECTION_RUNNERS } from '../apps/ledger-api/src/infrastructure/event-store.provider';
import { ADMIN_KEY, startTestApp } from './support/app';

/**
 * What an auditor preparing a BLI inspection reads (要點 十二(五)): the roster today and at past
 * dates, the overdue list, and a stream's state at a revision — and that unmasked reads are recorded.
 */
const PERSON = { nationalId: 'B223456782', name: '陳美玲' };
let t: Awaited<ReturnType<typeof startTestApp>>;
let accountId: string;
const keys: Record<string, string> = {};

const send = (path: string, body: object, key = ADMIN_KEY) => t.http().post(path).set('X-API-Key', key).send({ commandId: randomUUID(), ...body });
const get = (path: string, key = keys.auditor) => t.http().get(path).set('X-API-Key', key);
const caughtUp = async () => {
  for (const runner of t.app.get<ProjectionRunner[]>(PROJECTION_RUNNERS)) await runner.caughtUp();
};
async function allEvents(): Promise<RecordedEvent[]> {
  return t.app.get<EventStore>(EVENT_STORE).readAll();
}
const issueKey = async (principalId: string, roles: string[], agencies: string[]) =>
  (await t.http().post('/auth/keys').set('X-API-Key', ADMIN_KEY).send({ principalId, roles, agencies }).expect(201)).body.apiKey as string;

beforeAll(async () => {
  t = await startTestApp();
  keys.auditor = await issueKey('auditor_bli', ['auditor'], []);
  keys.ethics = await issueKey('ethics_1', ['ethics'], []);
  keys.swd = await issueKey('svc_swd', ['integrator'], ['SWD']);
  keys.other = await issueKey('svc_other', ['integrator'], ['DIST']);
  keys.lab = await issueKey('svc_lab', ['integrator'], ['LAB']);

  await send('/agencies', { agencyCode: 'SWD', name: '臺北市政府社會局', role: 'DATA_REQUESTER', occurredAt: '2025-01-02T09:00:00+08:00' }).expect(201);
  await send('/agencies', { agencyCode: 'LAB', name: '臺北市政府勞動局', role: 'COMPETENT_AUTHORITY', occurredAt: '2025-01-02T09:00:00+08:00' }).expect(201);
  // 要點 二(三): only the competent authority approves a requester for WebIR.
  await send('/agencies/SWD/approval', { reference: 'ref', occurredAt: '2025-01-03T09:00:00+08:00' }, keys.lab).expect(201);
  const form = await send('/applications', { applicationId: 'SWD_u1', agencyCode: 'SWD', kind: 'USER_ACCOUNT_ADD', holder: { nationalId: PERSON.nationalId }, occurredAt: '2025-03-01T09:00:00+08:00' }).expect(201);
  accountId = form.body.accountId;
  await send('/applications/SWD_u1/approvals', { step: 'SUPERVISOR', occurredAt: '2025-03-02T09:00:00+08:00' }).expect(201);
  await send('/accounts', {
    agencyCode: 'SWD', kind: 'USER', applicationId: 'SWD_u1', holder: PERSON, myEGovAccountId: 'egov_chen', certificateBound: true,
    post: '社工員', unit: '社會救助科', occurredAt: '2025-03-03T09:00:00+08:00',
  }, keys.swd).expect(201);
  await send(`/accounts/${accountId}/post-changes`, { effectiveDate: '2025-06-30', newUnit: '社會福利科', occurredAt: '2025-06-01T09:00:00+08:00' }, keys.swd).expect(201);
  // Disabled on 7/5: after the 6/30 deadline of 要點 六(五).
  await send(`/accounts/${accountId}/disable`, { reason: '調任', occurredAt: '2025-07-05T09:00:00+08:00' }, keys.swd).expect(201);
  await caughtUp();
});
afterAll(() => t.close());

describe('roster (使用者清冊, 要點 十二(五))', () => {
  it('today: every account with masked holder, kind, status, dates and items', async () => {
    const res = await get('/agencies/SWD/roster').expect(200);
    expect(res.body).toMatchObject({ title: '使用者清冊', rule: '要點 十二(五)', agencyCode: 'SWD', asOf: { kind: 'current' }, masked: true });
    expect(res.body.entries).toEqual([
      expect.objectContaining({
        accountId, kind: 'USER', kindLabel: '使用者', status: 'DISABLED', statusLabel: '停用',
        holder: { nationalId: 'B22****782', name: '陳○玲' }, unit: '社會福利科', queryItems: [],
        createdAt: '2025-03-03T01:00:00.000Z', approvedAt: '2025-03-02T01:00:00.000Z', disabledAt: '2025-07-05T01:00:00.000Z',
      }),
    ]);
    expect(JSON.stringify(res.body)).not.toMatch(/Ciphertext|B223456782|陳美玲|egov_chen/);
    // The agency's own integrator gets the accounts, but no holder identifier at all, not even masked.
    const integrator = await get('/agencies/SWD/roster', keys.swd).expect(200);
    expect(integrator.body.entries).toEqual([expect.objectContaining({ accountId, status: 'DISABLED' })]);
    expect(integrator.body.entries[0]).not.toHaveProperty('holder');
    expect(integrator.body.entries[0]).not.toHaveProperty('myEGovAccountId');
    expect(JSON.stringify(integrator.body)).not.toMatch(/B22|陳|egov|person_/);
  });

  it('as of a business date, and says which "as of" it answers', async () => {
    const before = await get('/agencies/SWD/roster?asOf=2025-03-02').expect(200);
    expect(before.body).toMatchObject({ asOf: { kind: 'business-date', at: '2025-03-02T15:59:59.999Z' }, entries: [] });
    const active = await get('/agencies/SWD/roster?asOf=2025-07-04').expect(200);
    expect(active.body.entries).toEqual([expect.objectContaining({ status: 'ACTIVE', unit: '社會福利科', disabledAt: null })]);
    const ledgerTime = await get('/agencies/SWD/roster?asOf=2000-01-01&asOfKind=ledger-time').expect(200);
    expect(ledgerTime.body).toMatchObject({ asOf: { kind: 'ledger-time' }, entries: [] });
  });

  it('CSV for auditors: UTF-8 BOM, Traditional Chinese title with the 要點 reference and headers, ROC dates', async () => {
    const res = await get('/agencies/SWD/roster?format=csv&asOf=2025-07-04').expect(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toContain('roster-SWD-2025-07-04.csv');
    const [title, header, row] = res.text.split('\r\n');
    expect(title.charCodeAt(0)).toBe(0xfeff);
    expect(title).toContain('使用者清冊(要點 十二(五))');
    expect(title).toContain('截至民國114年07月04日');
    expect(header).toBe('機關代碼,帳號代碼,帳號類別,身分證統一編號,姓名,帳號狀態,職稱,單位,查調項目,建立日期,核准日期,停用日期,刪除日期,最近權限清查日期,清查結果');
    expect(row).toContain('使用者,B22****782,陳○玲,啟用,社工員,社會福利科,,民國114年03月03日,民國114年03月02日');
  });

  it('unmasked holders: refused to integrators, need a stated purpose, and each read is recorded without the data', async () => {
    const integrator = await get('/agencies/SWD/roster?reveal=true&purpose=check%20case', keys.swd).expect(403);
    expect(integrator.body.code).toBe('REVEAL_NOT_ALLOWED');
    const noPurpose = await get('/agencies/SWD/roster?reveal=true', keys.ethics).expect(400);
    expect(noPurpose.body.fields).toEqual([expect.objectContaining({ field: 'purpose' })]);

    const before = (await allEvents()).filter((e) => e.type === 'PersonalDataRead').length;
    const res = await get(`/agencies/SWD/roster?reveal=true&purpose=${encodeURIComponent('政風查處案 114-07')}`, keys.ethics).expect(200);
    expect(res.body.masked).toBe(false);
    expect(res.body.entries[0].holder).toEqual({ nationalId: PERSON.nationalId, name: PERSON.name });
    const reads = (await allEvents()).filter((e) => e.type === 'PersonalDataRead');
    expect(reads).toHaveLength(before + 1);
    expect(reads[reads.length - 1]).toMatchObject({
      streamId: expect.stringMatching(/^pdaccess-\d{8}$/),
      data: { reader: 'ethics_1', purpose: '政風查處案 114-07', agencyCode: 'SWD', accountIds: [accountId], fields: ['nationalId', 'name'] },
      metadata: { actor: 'ethics_1' },
    });
    expect(JSON.stringify(reads.map((e) => ({ data: e.data, metadata: e.metadata })))).not.toMatch(/B223456782|陳美玲/);
  });

  it('an integrator sees only its own agencies; bad "as of" names the field', async () => {
    await get('/agencies/SWD/roster', keys.other).expect(403);
    const bad = await get('/agencies/SWD/roster?asOf=last-tuesday').expect(400);
    expect(bad.body.fields).toEqual([expect.objectContaining({ field: 'asOf' })]);
  });
});

describe('obligations', () => {
  it('要點 六(五): the moved user is open before the effective day ends, overdue after, met late once disabled', async () => {
    const at = async (asOf: string) => (await get(`/obligations?agency=SWD&kind=ADJUST_OR_REMOVE_MOVED_USER&asOf=${asOf}`).expect(200)).body;
    expect((await at('2025-06-30')).obligations).toEqual([expect.objectContaining({ state: 'open', rule: '要點 六(五)', dueDate: '2025-06-30', dueDateRoc: '民國114年06月30日' })]);
    expect((await at('2025-07-01')).obligations).toEqual([expect.objectContaining({ state: 'overdue' })]);
    const later = (await at('2025-07-06')).obligations[0];
    expect(later).toMatchObject({ state: 'met', metLate: true, createdBy: { type: 'AccountPostChanged' }, metBy: { type: 'AccountDisabled' } });
    const overdue = await get('/obligations?state=overdue&agency=SWD&asOf=2025-07-01').expect(200);
    // The agency was approved without designating dedicated staff (要點 十(一)), due the day it arose.
    expect(overdue.body.obligations.map((o: { kind: string }) => o.kind)).toEqual(['NO_DEDICATED_STAFF', 'ADJUST_OR_REMOVE_MOVED_USER']);
  });

  it('要點 六(六): approval for WebIR opens the yearly access review, overdue once its year has passed', async () => {
    const res = await get('/obligations?agency=SWD&kind=ANNUAL_ACCESS_REVIEW&asOf=2026-01-04').expect(200);
    expect(res.body.obligations).toEqual([expect.objectContaining({ state: 'overdue', dueDate: '2026-01-03', rule: '要點 六(六)' })]);
  });

  it('an integrator must name one of its agencies', async () => {
    const res = await get('/obligations', keys.swd).expect(400);
    expect(res.body.fields).toEqual([expect.objectContaining({ field: 'agency' })]);
    await get('/obligations?agency=SWD', keys.other).expect(403);
  });
});

describe('a stream at a revision or a time', () => {
  it('folds the account as it stood at revision 0, on a business date, and now', async () => {
    const at0 = await get(`/ledger/streams/account-${accountId}/state?revision=0`).expect(200);
    expect(at0.body).toMatchObject({ asOf: { kind: 'revision', revision: 0 }, revision: 0, eventsApplied: 1, state: { status: 'ACTIVE', unit: '社會救助科' } });
    const onDate = await get(`/ledger/streams/account-${accountId}/state?asOf=2025-07-04`).expect(200);
    expect(onDate.body).toMatchObject({ asOf: { kind: 'business-date' }, state: { status: 'ACTIVE', unit: '社會福利科' } });
    const head = await get(`/ledger/streams/account-${accountId}/state`).expect(200);
    expect(head.body).toMatchObject({ asOf: { kind: 'head' }, state: { status: 'DISABLED' } });
    expect(JSON.stringify(head.body)).not.toMatch(/v1\.[A-Za-z0-9_-]+\./);
  });
});

describe('rebuild and restart', () => {
  it('a rebuilt roster equals the live one', async () => {
    const live = (await get('/agencies/SWD/roster')).body.entries;
    const roster = t.app.get<ProjectionRunner[]>(PROJECTION_RUNNERS).find((r) => r.name === 'roster')!;
    await roster.rebuild();
    expect((await get('/agencies/SWD/roster')).body.entries).toEqual(live);
  });
});
