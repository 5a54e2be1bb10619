import { randomUUID } from 'node:crypto';
import type { EventStore, RecordedEvent } from '@ledger/event-store';
import { EVENT_STORE } from '../apps/ledger-api/src/infrastructure/event-store.provider';
import { ADMIN_KEY, startTestApp } from './support/app';

/** Security incidents and suspected incidents (要點 十二(十)) over HTTP on the real app. */
const AGENCY = 'SWD';
let t: Awaited<ReturnType<typeof startTestApp>>;
let clock = new Date('2025-07-01T03:00:00.000Z');
const keys: Record<string, string> = {};

// Refusals are recorded in security-*; signed checkpoints (ledger-*) may be issued at any time in the background.
const allEvents = async (): Promise<RecordedEvent[]> => t.app.get<EventStore>(EVENT_STORE).readAll({ maxCount: 100_000 });
const ledgerEvents = async () => (await allEvents()).filter((e) => !/^(security|ledger)-/.test(e.streamId));
const send = (path: string, body: object, key = keys.swd) => t.http().post(path).set('X-API-Key', key).send({ commandId: randomUUID(), ...body });
const get = (path: string, key = keys.auditor) => t.http().get(path).set('X-API-Key', key);
const report = (overrides: Record<string, unknown> = {}) => ({
  incidentId: 'SWD_INC_1',
  agencyCode: AGENCY,
  discoveredAt: '2025-07-01T09:10:00+08:00',
  suspected: true,
  summary: '承辦人電腦疑遭惡意程式感染,可能外洩查詢結果檔',
  registrationIds: ['SWD_Q_1'],
  ...overrides,
});

beforeAll(async () => {
  t = await startTestApp({ LEDGER_DEADLINE_INCIDENT_NOTICE_MINUTES: '30' }, { clock: () => clock });
  const issue = async (principalId: string, roles: string[], agencies: string[]) =>
    (await t.http().post('/auth/keys').set('X-API-Key', ADMIN_KEY).send({ principalId, roles, agencies }).expect(201)).body.apiKey as string;
  keys.swd = await issue('svc_swd', ['integrator'], [AGENCY]);
  keys.dist = await issue('svc_dist', ['integrator'], ['DIST']);
  keys.auditor = await issue('auditor_1', ['auditor'], []);
});
afterAll(() => t.close());

describe('security incidents (要點 十二(十))', () => {
  it('要點 十二(十): only the agency reports its incident; bad input is a 400 naming the field and appends nothing', async () => {
    const before = (await ledgerEvents()).length;
    await send('/incidents', report(), keys.dist).expect(403);
    expect((await send('/incidents', report(), ADMIN_KEY).expect(403)).body.code).toBe('SIGNER_NOT_ALLOWED');
    const offsetless = await send('/incidents', report({ discoveredAt: '2025-07-01T09:10:00' })).expect(400);
    expect(JSON.stringify(offsetless.body.fields)).toContain('discoveredAt');
    const nid = await send('/incidents', report({ summary: '當事人A123456789資料外洩' })).expect(400);
    expect(JSON.stringify(nid.body)).toContain('summary');
    expect(JSON.stringify(nid.body)).not.toContain('A123456789');
    const differing = await send('/incidents', report({ occurredAt: '2025-07-01T10:00:00+08:00' })).expect(400);
    expect(JSON.stringify(differing.body)).toContain('occurredAt');
    await send('/incidents', report({ suspected: 'maybe' })).expect(400);
    await send('/incidents', report({ discoveredAt: '2025-07-02T09:10:00+08:00' })).expect(422).expect((r) => expect(r.body.code).toBe('OCCURRED_AT_IN_FUTURE'));
    expect((await ledgerEvents()).length).toBe(before);
  });

  it('要點 十二(十) 即時: discovery opens the BLI notice due at an instant (30 minutes here, configured stricter); overdue one minute after; met late', async () => {
    const res = await send('/incidents', report()).expect(201);
    const event = (await allEvents()).find((e) => e.eventId === res.body.eventIds[0])!;
    expect(event).toMatchObject({ streamId: 'incident-SWD_INC_1', type: 'IncidentReported', metadata: { actor: 'svc_swd', occurredAt: '2025-07-01T01:10:00.000Z' } });
    expect(event.data).toMatchObject({ discoveredAt: '2025-07-01T01:10:00.000Z', suspected: true, duty: { kind: 'NOTIFY_BLI_OF_INCIDENT', rule: '要點 十二(十)', dueAt: '2025-07-01T01:40:00.000Z' } });
    await send('/incidents', report()).expect(422).expect((r) => expect(r.body.code).toBe('INCIDENT_ALREADY_REPORTED'));

    const obligation = (asOf: string) => get(`/obligations?agency=${AGENCY}&kind=NOTIFY_BLI_OF_INCIDENT&asOf=${encodeURIComponent(asOf)}&minPosition=${res.body.position}`).expect(200);
    expect((await obligation('2025-07-01T09:40:00+08:00')).body.obligations[0]).toMatchObject({ state: 'open', dueAt: '2025-07-01T01:40:00.000Z', dueGranularity: 'instant' });
    expect((await obligation('2025-07-01T09:41:00+08:00')).body.obligations[0]).toMatchObject({ state: 'overdue' });

    await send('/incidents/SWD_INC_1/actions', { action: 'EMERGENCY_RESPONSE', summary: '已將受感染電腦離線並保全證據', occurredAt: '2025-07-01T09:20:00+08:00' }).expect(201);
    // Before the discovery: an act cannot precede what it acts on.
    await send('/incidents/SWD_INC_1/actions', { action: 'INVESTIGATION', summary: 'x', occurredAt: '2025-07-01T09:00:00+08:00' }).expect(422).expect((r) => expect(r.body.code).toBe('ACT_BEFORE_SUBJECT_BEGAN'));
    await send('/incidents/SWD_INC_1/actions', { action: 'SHRUG', summary: 'x' }).expect(400);
    await send('/incidents/SWD_INC_1/actions', { action: 'INVESTIGATION', summary: 'x' }, keys.dist).expect(403);
    await send('/incidents/NOPE/actions', { action: 'INVESTIGATION', summary: 'x' }).expect(404);

    const notice = await send('/incidents/SWD_INC_1/bli-notification', { channel: 'EMAIL', reference: '通報單 114-0007', materialsProvided: '事故通報單', occurredAt: '2025-07-01T10:05:00+08:00' }).expect(201);
    const met = (await get(`/obligations?agency=${AGENCY}&kind=NOTIFY_BLI_OF_INCIDENT&minPosition=${notice.body.position}`).expect(200)).body.obligations[0];
    expect(met).toMatchObject({ state: 'met', metLate: true, metAt: '2025-07-01T02:05:00.000Z' });
  });

  it('要點 十二(十): closing needs every step and the notice; afterwards the incident takes nothing more', async () => {
    const close = { conclusion: 'CONFIRMED', summary: '已完成調查與改善' };
    const refused = await send('/incidents/SWD_INC_1/close', close).expect(422);
    expect(refused.body).toMatchObject({ code: 'INCIDENT_NOT_READY_TO_CLOSE', rule: '要點 十二(十)', details: { missing: ['INVESTIGATION', 'RESPONSIBILITY', 'CONTAINMENT'] } });
    for (const action of ['INVESTIGATION', 'RESPONSIBILITY', 'CONTAINMENT']) await send('/incidents/SWD_INC_1/actions', { action, summary: '已完成' }).expect(201);
    await send('/incidents/SWD_INC_1/close', close).expect(201);
    await send('/incidents/SWD_INC_1/bli-notification', { channel: 'LETTER' }).expect(422).expect((r) => expect(r.body.code).toBe('INCIDENT_CLOSED'));
    const state = await get('/incidents/SWD_INC_1').expect(200);
    expect(state.body.state).toMatchObject({ status: 'CLOSED', actions: ['EMERGENCY_RESPONSE', 'INVESTIGATION', 'RESPONSIBILITY', 'CONTAINMENT'], firstNotifiedAt: '2025-07-01T02:05:00.000Z', closed: { conclusion: 'CONFIRMED' } });
    await get('/incidents/SWD_INC_1', keys.dist).expect(403);
    expect((await get('/incidents/SWD_INC_1', keys.swd).expect(200)).body.state.status).toBe('CLOSED');
  });

  it('要點 十二(十): a suspicion notified within the time and found to be none closes after its investigation', async () => {
    clock = new Date('2025-07-02T03:00:00.000Z');
    await send('/incidents', report({ incidentId: 'SWD_INC_2', discoveredAt: '2025-07-02T10:00:00+08:00' })).expect(201);
    await send('/incidents/SWD_INC_2/bli-notification', { channel: 'PHONE', occurredAt: '2025-07-02T10:20:00+08:00' }).expect(201);
    await send('/incidents/SWD_INC_2/actions', { action: 'INVESTIGATION', summary: '經查為誤報' }).expect(201);
    const closed = await send('/incidents/SWD_INC_2/close', { conclusion: 'NOT_AN_INCIDENT', summary: '經查非資安事故' }).expect(201);
    const o = (await get(`/obligations?agency=${AGENCY}&kind=NOTIFY_BLI_OF_INCIDENT&minPosition=${closed.body.position}`).expect(200)).body.obligations;
    expect(o.find((x: { subject: string }) => x.subject === 'SWD_INC_2')).toMatchObject({ state: 'met', metLate: false });
  });

  it('要點 十二(十): incidents are listed by agency and status, in JSON and CSV; an integrator only its own', async () => {
    const last = (await allEvents()).at(-1)!.position.toString();
    const list = await get(`/incidents?agency=${AGENCY}&minPosition=${last}`).expect(200);
    expect(list.body.incidents.map((i: { incidentId: string; status: string; noticeOnTime: boolean }) => [i.incidentId, i.status, i.noticeOnTime])).toEqual([
      ['SWD_INC_2', 'CLOSED', true],
      ['SWD_INC_1', 'CLOSED', false],
    ]);
    expect((await get(`/incidents?status=OPEN`).expect(200)).body.count).toBe(0);
    expect((await get(`/incidents?agency=${AGENCY}`, keys.swd).expect(200)).body.count).toBe(2);
    await get('/incidents', keys.swd).expect(400);
    await get(`/incidents?agency=${AGENCY}`, keys.dist).expect(403);
    await get('/incidents?status=open').expect(400);
    const csv = await get(`/incidents?agency=${AGENCY}&format=csv`).expect(200);
    expect(csv.text.startsWith('\uFEFF機關代號,事故編號,疑似事故,發現時間')).toBe(true);
    expect(csv.text).toContain('民國114年07月01日 09:10');
    expect(csv.text).toContain('緊急應變、事故調查、責任釐清、防免損害擴大');
  });
});
