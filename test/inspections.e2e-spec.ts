import { randomUUID } from 'node:crypto';
import type { EventStore, RecordedEvent } from '@ledger/event-store';
import { EVENT_STORE } from '../apps/ledger-api/src/infrastructure/event-store.provider';
import { ADMIN_KEY, startTestApp } from './support/app';

/**
 * BLI inspections (要點 十二(五)(六)(七)) over HTTP on the real app: the inspection and the materials
 * provided with their signed checkpoint, BLI's request and the answer, suspension, reapplication and
 * resumption, and "was the agency's service stopped at instant T".
 */
const AGENCY = 'SWD';
let t: Awaited<ReturnType<typeof startTestApp>>;
let clock = new Date('2025-07-01T02:00:00.000Z');
const keys: Record<string, string> = {};
let checkpoint: { treeSize: number; rootHash: string };

// Refusals are recorded in security-*; signed checkpoints (ledger-*) may be issued at any time in the background.
const allEvents = async (): Promise<RecordedEvent[]> => t.app.get<EventStore>(EVENT_STORE).readAll({ maxCount: 100_000 });
const ledgerEvents = async () => (await allEvents()).filter((e) => !/^(security|ledger)-/.test(e.streamId));
const send = (path: string, body: object, key = keys.swd) => t.http().post(path).set('X-API-Key', key).send({ commandId: randomUUID(), ...body });
const get = (path: string, key = keys.auditor) => t.http().get(path).set('X-API-Key', key);
const roster = () => ({ materialId: 'roster_1', kind: 'ROSTER', description: '使用者清冊(民國114年06月30日)', providedOn: '2025-07-01', checkpoint });
const inspection = (overrides: Record<string, unknown> = {}) => ({ inspectionId: 'BLI_2025_SWD', agencyCode: AGENCY, startedOn: '2025-07-01', scope: '勞保WebIR使用情形實地稽核', materials: [roster()], ...overrides });

beforeAll(async () => {
  t = await startTestApp({}, { clock: () => clock });
  const issue = async (principalId: string, roles: string[], agencies: string[]) =>
    (await t.http().post('/auth/keys').set('X-API-Key', ADMIN_KEY).send({ principalId, roles, agencies }).expect(201)).body.apiKey as string;
  await send('/agencies', { agencyCode: AGENCY, name: '社會局', role: 'DATA_REQUESTER' }, ADMIN_KEY).expect(201);
  await send('/agencies', { agencyCode: 'DIT', name: '資訊處', role: 'CENTRAL_ADMIN' }, ADMIN_KEY).expect(201);
  keys.swd = await issue('svc_swd', ['integrator'], [AGENCY]);
  keys.dit = await issue('svc_dit', ['integrator'], ['DIT']);
  keys.auditor = await issue('auditor_1', ['auditor'], []);
  keys.ethics = await issue('ethics_1', ['ethics'], []);
  const issued = await t.http().post('/ledger/checkpoints').set('X-API-Key', ADMIN_KEY).send({}).expect(201);
  checkpoint = { treeSize: issued.body.treeSize, rootHash: issued.body.rootHash };
});
afterAll(() => t.close());

describe('BLI inspections (要點 十二(五))', () => {
  it('要點 十二(五): the agency records the inspection with the roster drawn from a signed checkpoint; one the ledger never signed, or none, is refused', async () => {
    const before = (await ledgerEvents()).length;
    const none = await send('/bli-inspections', inspection({ materials: [{ ...roster(), checkpoint: null }] })).expect(422);
    expect(none.body).toMatchObject({ code: 'INSPECTION_MATERIAL_NEEDS_CHECKPOINT', rule: '要點 十二(五)' });
    await send('/bli-inspections', inspection({ materials: [{ ...roster(), checkpoint: { ...checkpoint, rootHash: Buffer.alloc(32).toString('base64') } }] })).expect(422).expect((r) => expect(r.body.code).toBe('INSPECTION_CHECKPOINT_UNKNOWN'));
    const bad = await send('/bli-inspections', inspection({ materials: [{ ...roster(), checkpoint: { treeSize: 0, rootHash: 'x' } }] })).expect(400);
    expect(JSON.stringify(bad.body.fields)).toContain('materials.0.checkpoint');
    await send('/bli-inspections', inspection({ scope: '受檢人A123456789' })).expect(400);
    await send('/bli-inspections', inspection({ startedOn: '2025-13-01' })).expect(400);
    await send('/bli-inspections', inspection(), keys.dit).expect(403);
    expect((await send('/bli-inspections', inspection(), ADMIN_KEY).expect(403)).body.code).toBe('SIGNER_NOT_ALLOWED');
    expect((await ledgerEvents()).length).toBe(before);

    const res = await send('/bli-inspections', inspection()).expect(201);
    const event = (await allEvents()).find((e) => e.eventId === res.body.eventIds[0])!;
    expect(event).toMatchObject({ streamId: 'bliinspection-BLI_2025_SWD', metadata: { actor: 'svc_swd' }, data: { materials: [{ kind: 'ROSTER', checkpoint }] } });
    await send('/bli-inspections/BLI_2025_SWD/materials', { materials: [{ ...roster(), materialId: 'audit_1', kind: 'AUDIT_RECORDS', description: '稽核紀錄' }] }).expect(201);
    await send('/bli-inspections/BLI_2025_SWD/materials', { materials: [roster()] }).expect(422).expect((r) => expect(r.body.code).toBe('INSPECTION_MATERIAL_DUPLICATE'));
    const state = await get('/bli-inspections/BLI_2025_SWD').expect(200);
    expect(state.body.state).toMatchObject({ status: 'RECORDED', materialIds: ['roster_1', 'audit_1'] });
  });

  it("要點 十二(五)(六): BLI's request is due on the date BLI set: open → overdue → met late by the agency's answer", async () => {
    const requested = await send('/bli-inspections/BLI_2025_SWD/requests', { requestId: 'req_1', kind: 'IMPROVEMENT', receivedOn: '2025-07-10', dueDate: '2025-08-10', summary: '查詢資料登記表缺漏,限期改善' }).expect(201);
    await send('/bli-inspections/BLI_2025_SWD/requests', { requestId: 'req_2', kind: 'EXPLANATION', receivedOn: '2025-07-10', dueDate: '2025-07-09', summary: 's' }).expect(400);
    const obligation = (asOf: string) => get(`/obligations?agency=${AGENCY}&kind=BLI_REQUESTED_ACTION&asOf=${asOf}&minPosition=${requested.body.position}`).expect(200);
    expect((await obligation('2025-08-10')).body.obligations[0]).toMatchObject({ state: 'open', rule: '要點 十二(五)(六)', subject: 'BLI_2025_SWD.req_1', dueDate: '2025-08-10' });
    expect((await obligation('2025-08-11')).body.obligations[0]).toMatchObject({ state: 'overdue' });
    await send('/bli-inspections/BLI_2025_SWD/requests/req_9/answer', { summary: 's' }).expect(422).expect((r) => expect(r.body.code).toBe('BLI_REQUEST_UNKNOWN'));
    clock = new Date('2025-08-12T02:00:00.000Z');
    const answered = await send('/bli-inspections/BLI_2025_SWD/requests/req_1/answer', { summary: '已補正並辦理教育訓練', evidence: '改善報告' }).expect(201);
    const met = (await get(`/obligations?agency=${AGENCY}&kind=BLI_REQUESTED_ACTION&minPosition=${answered.body.position}`).expect(200)).body.obligations[0];
    expect(met).toMatchObject({ state: 'met', metLate: true, metAt: '2025-08-12T02:00:00.000Z' });
    await send('/bli-inspections/BLI_2025_SWD/requests/req_1/answer', { summary: 'again' }).expect(422).expect((r) => expect(r.body.code).toBe('BLI_REQUEST_ALREADY_ANSWERED'));

    const list = await get(`/bli-inspections?agency=${AGENCY}&minPosition=${answered.body.position}`, keys.swd).expect(200);
    expect(list.body.inspections).toEqual([
      expect.objectContaining({ inspectionId: 'BLI_2025_SWD', openRequests: 0, materials: [expect.objectContaining({ kind: 'ROSTER', checkpointTreeSize: checkpoint.treeSize }), expect.objectContaining({ kind: 'AUDIT_RECORDS' })] }),
    ]);
    expect(list.body.inspections[0].requests).toEqual([expect.objectContaining({ requestId: 'req_1', dueDate: '2025-08-10', onTime: false })]);
    await get('/bli-inspections', keys.swd).expect(400);
    await get(`/bli-inspections?agency=${AGENCY}`, keys.dit).expect(403);
  });
});

describe('suspension, termination and reapplication (要點 十二(六)(七))', () => {
  it('要點 十二(六)(七): only the central admin records them; the service is stopped exactly between suspension and resumption', async () => {
    clock = new Date('2025-10-02T02:00:00.000Z');
    const suspension = { effectiveAt: '2025-09-01T00:00:00+08:00', reason: '屆期未完成改善', reference: '勞保局函', inspectionId: 'BLI_2025_SWD' };
    const before = (await ledgerEvents()).length;
    expect((await send(`/webir-service/${AGENCY}/suspension`, suspension).expect(403)).body.code).toBe('SIGNER_NOT_ALLOWED');
    await send(`/webir-service/${AGENCY}/suspension`, suspension, ADMIN_KEY).expect(403);
    await send(`/webir-service/${AGENCY}/suspension`, { ...suspension, effectiveAt: '2025-09-01T00:00:00' }, keys.dit).expect(400);
    await send(`/webir-service/${AGENCY}/reapplication`, { improvements: 'i', evidence: 'e' }, keys.dit).expect(422).expect((r) => expect(r.body.code).toBe('WEBIR_SERVICE_NOT_STOPPED'));
    expect((await ledgerEvents()).length).toBe(before);

    await send(`/webir-service/${AGENCY}/suspension`, suspension, keys.dit).expect(201);
    await send(`/webir-service/${AGENCY}/suspension`, suspension, keys.dit).expect(422).expect((r) => expect(r.body.code).toBe('WEBIR_SERVICE_ALREADY_STOPPED'));
    await send(`/webir-service/${AGENCY}/resumption`, { effectiveAt: '2025-10-01T09:00:00+08:00' }, keys.dit).expect(422).expect((r) => expect(r.body).toMatchObject({ code: 'WEBIR_SERVICE_REAPPLICATION_REQUIRED', rule: '要點 十二(七)' }));
    await send(`/webir-service/${AGENCY}/reapplication`, { improvements: '已完成改善', evidence: ' ' }, keys.dit).expect(400);
    await send(`/webir-service/${AGENCY}/reapplication`, { improvements: '已完成改善', evidence: '改善報告及佐證資料' }, keys.dit).expect(201);
    const resumed = await send(`/webir-service/${AGENCY}/resumption`, { effectiveAt: '2025-10-01T09:00:00+08:00', reference: '勞保局函復' }, keys.dit).expect(201);

    const at = (instant: string, key = keys.ethics) => get(`/webir-service/${AGENCY}?at=${encodeURIComponent(instant)}&minPosition=${resumed.body.position}`, key).expect(200);
    expect((await at('2025-08-31T23:59:59.999+08:00')).body.status).toBe('ACTIVE');
    expect((await at('2025-09-01T00:00:00+08:00')).body).toMatchObject({ status: 'SUSPENDED', since: { type: 'WebIRServiceSuspended' } });
    expect((await at('2025-10-01T08:59:59.999+08:00')).body.status).toBe('SUSPENDED');
    const after = await at('2025-10-01T09:00:00+08:00', keys.swd);
    expect(after.body).toMatchObject({ status: 'ACTIVE', stopPeriods: [{ status: 'SUSPENDED', from: '2025-08-31T16:00:00.000Z', until: '2025-10-01T01:00:00.000Z' }] });
    expect((await get(`/webir-service/${AGENCY}?at=2025-09-15&minPosition=${resumed.body.position}`).expect(200)).body.status).toBe('SUSPENDED');
    await get(`/webir-service/${AGENCY}?at=2025-09-15T10:00:00`).expect(400);
    await get('/webir-service/OTHER', keys.swd).expect(403);

    const terminated = await send(`/webir-service/${AGENCY}/termination`, { effectiveAt: '2025-10-02T09:00:00+08:00', reason: '情節重大' }, keys.dit).expect(201);
    expect((await get(`/webir-service/${AGENCY}?minPosition=${terminated.body.position}`).expect(200)).body.status).toBe('TERMINATED');
  });
});
