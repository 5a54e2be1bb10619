import { randomUUID } from 'node:crypto';
import { ADMIN_KEY, startTestApp } from './support/app';
import { allEvents, appendsOnly } from './support/ledger-counts';

/**
 * Issue 7: each attack an outside probe found, reproduced over HTTP against the real app, and
 * shown refused, recorded where the finding says, appending nothing else.
 */
const CENTRAL = 'DIT';
const AUTHORITY = 'LAB';
const REQUESTER = 'SWD';
const INTRUDER = 'EVIL'; // an integrator whose agency is not registered yet

let t: Awaited<ReturnType<typeof startTestApp>>;
const keys: Record<string, string> = {};
const send = (path: string, body: object, key: string) => t.http().post(path).set('X-API-Key', key).send({ commandId: randomUUID(), ...body });
const read = (path: string, key: string) => t.http().get(path).set('X-API-Key', key);
const issueKey = async (principalId: string, roles: string[], agencies: string[]) =>
  (await t.http().post('/auth/keys').set('X-API-Key', ADMIN_KEY).send({ principalId, roles, agencies }).expect(201)).body.apiKey as string;
const securityEvents = async () => (await allEvents(t)).filter((e) => e.streamId.startsWith('security-'));

beforeAll(async () => {
  t = await startTestApp();
  for (const [agencyCode, name, role] of [
    [CENTRAL, '臺北市政府資訊局', 'CENTRAL_ADMIN'],
    [AUTHORITY, '臺北市政府勞動局', 'COMPETENT_AUTHORITY'],
    [REQUESTER, '臺北市政府社會局', 'DATA_REQUESTER'],
  ]) {
    await send('/agencies', { agencyCode, name, role }, ADMIN_KEY).expect(201);
    keys[agencyCode] = await issueKey(`svc_${agencyCode.toLowerCase()}`, ['integrator'], [agencyCode]);
  }
  keys[INTRUDER] = await issueKey('svc_evil', ['integrator'], [INTRUDER]);
  keys.auditor = await issueKey('auditor_1', ['auditor'], []);
});
afterAll(() => t.close());

describe('finding 1: overseeing roles are granted, never self-declared (要點 三)', () => {
  it.each(['COMPETENT_AUTHORITY', 'CENTRAL_ADMIN'])('an integrator registering its own agency as %s → 403, recorded, nothing else appended', async (role) => {
    const res = await appendsOnly(t, () => send('/agencies', { agencyCode: INTRUDER, name: '自稱主管機關', role }, keys[INTRUDER]), { security: 1 });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('ROLE_ESCALATION_REFUSED');
    const last = (await securityEvents()).at(-1)!;
    expect(last.data).toMatchObject({ actor: 'svc_evil', reason: 'ROLE_ESCALATION', detail: `${INTRUDER}:${role}` });
    await read(`/agencies/${INTRUDER}`, keys.auditor).expect(404);
  });

  it('so it can neither approve a foreign agency nor sign its review steps', async () => {
    await send('/agencies', { agencyCode: INTRUDER, name: '某區公所', role: 'DATA_REQUESTER' }, keys[INTRUDER]).expect(201);
    const approve = await appendsOnly(t, () => send(`/agencies/${REQUESTER}/approval`, {}, keys[INTRUDER]), { security: 1 });
    expect(approve.status).toBe(403);
    expect(approve.body.code).toBe('SIGNER_NOT_ALLOWED');
  });

  it('an admin grants an overseeing role', async () => {
    await send('/agencies', { agencyCode: 'LAB2', name: '臺北市政府勞動局(二)', role: 'COMPETENT_AUTHORITY' }, ADMIN_KEY).expect(201);
    expect((await read('/agencies/LAB2', keys.auditor).expect(200)).body.state.role).toBe('COMPETENT_AUTHORITY');
  });
});

describe('finding 2: each step only from the body the 要點 names, and the form records it', () => {
  const form = (applicationId: string, kind: string, extra: object = {}) =>
    send('/applications', { applicationId, agencyCode: REQUESTER, kind, ...extra }, keys[REQUESTER]).expect(201);

  it("the requester's integrator signs its supervisor step but not the competent authority's or central admin's", async () => {
    await form('SWD_items', 'AGENCY_QUERY_ITEM_CHANGE', { queryItems: { add: ['LI_ENROLMENT'] } });
    const sup = await send('/applications/SWD_items/approvals', { step: 'SUPERVISOR' }, keys[REQUESTER]).expect(201);
    expect(sup.body.replayed).toBe(false);
    for (const [step, key] of [
      ['COMPETENT_AUTHORITY', keys[REQUESTER]],
      ['COMPETENT_AUTHORITY', ADMIN_KEY],
      ['COMPETENT_AUTHORITY', keys[CENTRAL]],
    ] as const) {
      const res = await appendsOnly(t, () => send('/applications/SWD_items/approvals', { step }, key), { security: 1 });
      expect([res.status, res.body.code]).toEqual([403, 'SIGNER_NOT_ALLOWED']);
    }
    await send('/applications/SWD_items/approvals', { step: 'COMPETENT_AUTHORITY' }, keys[AUTHORITY]).expect(201);
    const central = await appendsOnly(t, () => send('/applications/SWD_items/approvals', { step: 'CENTRAL_ADMIN' }, keys[AUTHORITY]), { security: 1 });
    expect(central.status).toBe(403);
    await send('/applications/SWD_items/approvals', { step: 'CENTRAL_ADMIN' }, keys[CENTRAL]).expect(201);
    const view = await read('/applications/SWD_items', keys.auditor).expect(200);
    expect(view.body.state.approvals).toEqual([
      expect.objectContaining({ step: 'SUPERVISOR', signedBy: 'svc_swd', signedFor: REQUESTER }),
      expect.objectContaining({ step: 'COMPETENT_AUTHORITY', signedBy: 'svc_lab', signedFor: AUTHORITY }),
      expect.objectContaining({ step: 'CENTRAL_ADMIN', signedBy: 'svc_dit', signedFor: CENTRAL }),
    ]);
  });

  it('administrator accounts are created only by the central admin (要點 三(一)1)', async () => {
    const f = await form('SWD_admin', 'ADMIN_ACCOUNT_ADD', { holder: { nationalId: 'A123456789' } });
    await send('/applications/SWD_admin/approvals', { step: 'SUPERVISOR' }, keys[REQUESTER]).expect(201);
    await send('/applications/SWD_admin/approvals', { step: 'COMPETENT_AUTHORITY' }, keys[AUTHORITY]).expect(201);
    const body = { agencyCode: REQUESTER, kind: 'ADMIN', applicationId: 'SWD_admin', holder: { nationalId: 'A123456789', name: '王小明' }, myEGovAccountId: 'egov_wang', certificateBound: true, post: '科員', unit: '資訊室' };
    for (const key of [keys[REQUESTER], ADMIN_KEY]) {
      const res = await appendsOnly(t, () => send('/accounts', body, key), { security: 1 });
      expect([res.status, res.body.code]).toEqual([403, 'SIGNER_NOT_ALLOWED']);
    }
    const created = await send('/accounts', body, keys[CENTRAL]).expect(201);
    expect(created.body.accountId).toBe(f.body.accountId);
  });

  it("the yearly usage review is the central admin's (要點 九(三))", async () => {
    const res = await appendsOnly(t, () => send(`/agencies/${REQUESTER}/query-items/LI_ENROLMENT/usage-reviews`, { stillNeeded: true, note: '仍需要' }, keys[REQUESTER]), { security: 1 });
    expect([res.status, res.body.code]).toEqual([403, 'SIGNER_NOT_ALLOWED']);
  });
});
