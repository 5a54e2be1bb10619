import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import type { EventStore, RecordedEvent } from '@ledger/event-store';
import { EVENT_STORE } from '../apps/ledger-api/src/infrastructure/event-store.provider';
import { ADMIN_KEY, startTestApp } from './support/app';

/**
 * One data-requester agency from registration to its yearly access review (要點 二–七), over HTTP
 * on the real app, then the refusals: each must leave the ledger as it was, apart from the
 * security stream's record of a refused caller.
 */
const CENTRAL = 'DIT'; // 資訊處, 總管理機關
const AUTHORITY = 'LAB'; // 勞工局, 權責管理機關
const REQUESTER = 'SWD'; // 社會局, 資料需求機關
const OTHER = 'DIST'; // 區公所: a requester with nothing to do with SWD

const ADMIN_PERSON = { nationalId: 'A123456789', name: '王小明' };
const USER_PERSON = { nationalId: 'B223456782', name: '陳美玲' };
const SUCCESSOR_PERSON = { nationalId: 'H224680135', name: '林志豪' };
const ITEMS = ['LI_ENROLMENT', 'LI_SALARY'];

let t: Awaited<ReturnType<typeof startTestApp>>;
const keys: Record<string, string> = {};
// The story's ledger clock: acts dated in the story are never ahead of it, nor before what they act on (要點 十二(五)).
let now = new Date('2025-06-02T01:00:00.000Z');
const advanceTo = (iso: string) => (now = new Date(iso));

beforeAll(async () => {
  t = await startTestApp({}, { clock: () => now });
});
afterAll(() => t.close());

const send = (path: string, body: object, key: string) => t.http().post(path).set('X-API-Key', key).send({ commandId: randomUUID(), ...body });
const read = (path: string, key = keys.auditor) => t.http().get(path).set('X-API-Key', key);

async function allEvents(): Promise<RecordedEvent[]> {
  const store = t.app.get<EventStore>(EVENT_STORE);
  const out: RecordedEvent[] = [];
  for (let after: bigint | undefined; ; ) {
    const page = await store.readAll({ after, maxCount: 1000 });
    out.push(...page);
    if (page.length < 1000) return out;
    after = page[page.length - 1].position;
  }
}

async function counts() {
  const events = await allEvents();
  const security = events.filter((e) => e.streamId.startsWith('security-')).length;
  return { ledger: events.length - security, security };
}

/** Runs a refused request and checks it appended nothing but, where given, security-stream records. */
async function appendsNothing(request: () => PromiseLike<Response>, securityRecords = 0): Promise<Response> {
  const before = await counts();
  const res = await request();
  expect(await counts()).toEqual({ ledger: before.ledger, security: before.security + securityRecords });
  return res;
}

const expectRefusal = (res: Response, status: number, code: string, rule?: string) => {
  expect({ status: res.status, code: res.body.code, ...(rule && { rule: res.body.rule }) }).toEqual({ status, code, ...(rule && { rule }) });
};

const submitApplication = (body: object, key = keys[REQUESTER]) => send('/applications', body, key);
const sign = (applicationId: string, step: string, key: string) => send(`/applications/${applicationId}/approvals`, { step }, key);

async function issueKey(principalId: string, roles: string[], agencies: string[]): Promise<string> {
  const res = await t.http().post('/auth/keys').set('X-API-Key', ADMIN_KEY).send({ principalId, roles, agencies }).expect(201);
  return res.body.apiKey;
}

describe('access lifecycle of one requester agency (要點 二–七)', () => {
  let adminId: string;
  let userId: string;
  let successorId: string;

  it('registers the central admin, the competent authority and two requester agencies, and issues integrator keys', async () => {
    const agencies = [
      [CENTRAL, '臺北市政府資訊處', 'CENTRAL_ADMIN'],
      [AUTHORITY, '臺北市政府勞工局', 'COMPETENT_AUTHORITY'],
      [REQUESTER, '臺北市政府社會局', 'DATA_REQUESTER'],
      [OTHER, '臺北市大安區公所', 'DATA_REQUESTER'],
    ];
    for (const [agencyCode, name, role] of agencies) {
      await send('/agencies', { agencyCode, name, role }, ADMIN_KEY).expect(201);
      keys[agencyCode] = await issueKey(`svc_${agencyCode.toLowerCase()}`, ['integrator'], [agencyCode]);
    }
    keys.auditor = await issueKey('auditor_1', ['auditor'], []);
  });

  it('a query-item application cannot be filed before the agency is approved for WebIR (要點 二(三))', async () => {
    await submitApplication({ applicationId: 'SWD_items', agencyCode: REQUESTER, kind: 'AGENCY_QUERY_ITEM_CHANGE', queryItems: { add: ITEMS } }).expect(201);
    await sign('SWD_items', 'SUPERVISOR', keys[REQUESTER]).expect(201);
    const item = { operationCode: ITEMS[0], legalBasis: '社會救助法第44條之3', businessScope: '低收入戶資格審核', purpose: '審核工作收入', applicationId: 'SWD_items' };
    const res = await appendsNothing(() => send(`/agencies/${REQUESTER}/query-items`, item, keys[REQUESTER]));
    expectRefusal(res, 422, 'AGENCY_NOT_APPROVED_FOR_WEBIR', '要點 二(三)');
  });

  it('the competent authority approves the requester for WebIR use', async () => {
    const res = await send(`/agencies/${REQUESTER}/approval`, { reference: '北市勞資字第1140012345號' }, keys[AUTHORITY]).expect(201);
    expect(res.body).toMatchObject({ streamId: `agency-${REQUESTER}`, events: [{ type: 'AgencyApprovedForWebIR' }], replayed: false });
    const agency = await read(`/agencies/${REQUESTER}`).expect(200);
    expect(agency.body.state).toMatchObject({ role: 'DATA_REQUESTER', approvedForWebIR: true });
  });

  it("designated personnel: the central admin's change opens a 7-day BLI notice, and only the dedicated staff is trained (要點 七、十(二))", async () => {
    const designate = (agencyCode: string, personnelRole: string, personId: string, effectiveDate: string) =>
      send(`/agencies/${agencyCode}/personnel`, { personnelRole, personId, effectiveDate }, keys[agencyCode]);
    await designate(CENTRAL, 'CONTACT_WINDOW', 'person_dit_contact_1', '2025-07-01').expect(201);
    await designate(CENTRAL, 'CONTACT_WINDOW', 'person_dit_contact_2', '2025-08-01').expect(201);
    expect((await read(`/agencies/${CENTRAL}`)).body.state.bliNoticesDue).toEqual([{ changeNo: 2, dueDate: '2025-08-08' }]);
    advanceTo('2025-08-05T03:00:00.000Z');
    const notice = await send(`/agencies/${CENTRAL}/bli-notices`, { changeNo: 2, occurredAt: '2025-08-05T10:00:00+08:00' }, keys[CENTRAL]).expect(201);
    expect(notice.body.events).toEqual([{ type: 'BliNotifiedOfPersonnelChange', revision: 3 }]);
    expect((await read(`/agencies/${CENTRAL}`)).body.state.bliNoticesDue).toEqual([]);

    const identifierAsPersonId = await appendsNothing(() => designate(REQUESTER, 'DEDICATED_STAFF', 'A123456789', '2025-07-01'));
    expect(identifierAsPersonId.status).toBe(400);
    expect(identifierAsPersonId.body.fields).toEqual([expect.objectContaining({ field: 'personId', rule: 'isOpaquePersonId' })]);

    await designate(REQUESTER, 'DEDICATED_STAFF', 'person_swd_staff', '2025-07-01').expect(201);
    const training = { personId: 'person_swd_staff', completedOn: '2025-09-15', course: '資通安全通識教育訓練' };
    await send(`/agencies/${REQUESTER}/trainings`, training, keys[REQUESTER]).expect(201);
    const notStaff = await appendsNothing(() => send(`/agencies/${REQUESTER}/trainings`, { ...training, personId: 'person_someone' }, keys[REQUESTER]));
    expectRefusal(notStaff, 422, 'TRAINEE_NOT_DEDICATED_STAFF', '要點 十(二)');
  });

  it('query items go through the full chain: supervisor, competent authority, central admin, BLI, grant (要點 三、四、五(二))', async () => {
    for (const operationCode of ITEMS) {
      const justification = { legalBasis: '社會救助法第44條之3', businessScope: '低收入戶資格審核', purpose: '審核工作收入', applicationId: 'SWD_items' };
      await send(`/agencies/${REQUESTER}/query-items`, { operationCode, ...justification }, keys[REQUESTER]).expect(201);
    }
    await sign('SWD_items', 'COMPETENT_AUTHORITY', keys[AUTHORITY]).expect(201);
    for (const code of ITEMS) await send(`/agencies/${REQUESTER}/query-items/${code}/review`, { decision: 'APPROVED' }, keys[AUTHORITY]).expect(201);
    await sign('SWD_items', 'CENTRAL_ADMIN', keys[CENTRAL]).expect(201);
    for (const code of ITEMS) {
      await send(`/agencies/${REQUESTER}/query-items/${code}/bli-submission`, { reference: '北市資綜字第1140034567號' }, keys[CENTRAL]).expect(201);
      await send(`/agencies/${REQUESTER}/query-items/${code}/bli-result`, { result: 'APPROVED', reference: '保資字第1140045678號' }, keys[CENTRAL]).expect(201);
    }

    // BLI's reply is on the item but the form still lacks its BLI sign-off.
    const early = await appendsNothing(() => send(`/agencies/${REQUESTER}/query-items/${ITEMS[0]}/grant`, {}, keys[CENTRAL]));
    expectRefusal(early, 422, 'APPLICATION_NOT_COMPLETE', '要點 五(二)');

    const last = await sign('SWD_items', 'BLI', keys[CENTRAL]).expect(201);
    expect(last.body.events.map((e: { type: string }) => e.type)).toEqual(['ApplicationStepApproved', 'ApplicationCompleted']);
    for (const code of ITEMS) await send(`/agencies/${REQUESTER}/query-items/${code}/grant`, {}, keys[CENTRAL]).expect(201);

    const item = await read(`/agencies/${REQUESTER}/query-items/${ITEMS[0]}`).expect(200);
    expect(item.body.state).toMatchObject({ status: 'GRANTED', applicationId: 'SWD_items', round: 1 });
    const form = await read('/applications/SWD_items').expect(200);
    expect(form.body.state.approvals).toEqual([
      expect.objectContaining({ step: 'SUPERVISOR', signedBy: 'svc_swd' }),
      expect.objectContaining({ step: 'COMPETENT_AUTHORITY', signedBy: 'svc_lab' }),
      expect.objectContaining({ step: 'CENTRAL_ADMIN', signedBy: 'svc_dit' }),
      expect.objectContaining({ step: 'BLI', signedBy: 'svc_dit' }),
    ]);
  });

  it('the central admin records the yearly usage review of a granted item (要點 九(三))', async () => {
    const res = await send(`/agencies/${REQUESTER}/query-items/${ITEMS[0]}/usage-reviews`, { stillNeeded: true, note: '仍有需求' }, keys[CENTRAL]).expect(201);
    expect(res.body.events).toEqual([{ type: 'QueryItemUsageReviewed', revision: 5 }]);
  });

  it('an administrator account needs supervisor and competent authority, then the central admin creates it (要點 三(一)1、五)', async () => {
    const form = await submitApplication({ applicationId: 'SWD_admin_1', agencyCode: REQUESTER, kind: 'ADMIN_ACCOUNT_ADD', holder: { nationalId: ADMIN_PERSON.nationalId } }).expect(201);
    adminId = form.body.accountId;
    expect(adminId).toMatch(new RegExp(`^${REQUESTER}\\.ADMIN\\.[0-9a-f]{32}$`));
    await sign('SWD_admin_1', 'SUPERVISOR', keys[REQUESTER]).expect(201);

    const account = { agencyCode: REQUESTER, kind: 'ADMIN', applicationId: 'SWD_admin_1', holder: ADMIN_PERSON, myEGovAccountId: 'egov_wang', certificateBound: true, post: '資訊管理員', unit: '秘書室' };
    const early = await appendsNothing(() => send('/accounts', account, keys[CENTRAL]));
    expectRefusal(early, 422, 'APPLICATION_NOT_COMPLETE', '要點 五(二)');

    await sign('SWD_admin_1', 'COMPETENT_AUTHORITY', keys[AUTHORITY]).expect(201);
    const created = await send('/accounts', account, keys[CENTRAL]).expect(201);
    expect(created.body).toMatchObject({ accountId: adminId, streamId: `account-${adminId}`, events: [{ type: 'AccountCreated', revision: 0 }] });
    // Random, not derived from the account id or the national ID (issue 7, finding 3).
    expect(created.body.personId).toMatch(/^person_[0-9a-f]{32}$/);
    expect(created.body.personId).not.toBe(`person_${adminId.split('.')[2].slice(0, 32)}`);
  });

  it('a user account needs only the supervisor; without a bound certificate it is refused, and a person gets one per agency (要點 五(一)、六(一))', async () => {
    const form = await submitApplication({ applicationId: 'SWD_user_1', agencyCode: REQUESTER, kind: 'USER_ACCOUNT_ADD', holder: { nationalId: USER_PERSON.nationalId } }).expect(201);
    userId = form.body.accountId;
    await sign('SWD_user_1', 'SUPERVISOR', keys[REQUESTER]).expect(201);

    const account = { agencyCode: REQUESTER, kind: 'USER', applicationId: 'SWD_user_1', holder: USER_PERSON, myEGovAccountId: 'egov_chen', certificateBound: true, post: '社工員', unit: '社會救助科' };
    const uncertified = await appendsNothing(() => send('/accounts', { ...account, certificateBound: false }, keys[REQUESTER]));
    expectRefusal(uncertified, 422, 'CERTIFICATE_NOT_BOUND', '要點 五(一)');

    await send('/accounts', account, keys[REQUESTER]).expect(201);

    await submitApplication({ applicationId: 'SWD_user_dup', agencyCode: REQUESTER, kind: 'USER_ACCOUNT_ADD', holder: { nationalId: USER_PERSON.nationalId } }).expect(201);
    await sign('SWD_user_dup', 'SUPERVISOR', keys[REQUESTER]).expect(201);
    const second = await appendsNothing(() => send('/accounts', { ...account, applicationId: 'SWD_user_dup' }, keys[REQUESTER]));
    expectRefusal(second, 422, 'ONE_ACCOUNT_PER_PERSON', '要點 六(一)');
  });

  it("a user is granted only items its agency holds, on a signed item-change form (要點 四、五(二))", async () => {
    await submitApplication({ applicationId: 'SWD_user_items', agencyCode: REQUESTER, kind: 'USER_QUERY_ITEM_CHANGE', accountId: userId, queryItems: { add: [...ITEMS, 'LI_PENSION'] } }).expect(201);
    await sign('SWD_user_items', 'SUPERVISOR', keys[REQUESTER]).expect(201);

    const outside = await appendsNothing(() => send(`/accounts/${userId}/query-items`, { operationCodes: [ITEMS[0], 'LI_PENSION'], applicationId: 'SWD_user_items' }, keys[REQUESTER]));
    expectRefusal(outside, 422, 'QUERY_ITEMS_NOT_GRANTED_TO_AGENCY', '要點 四');
    expect(outside.body.details).toEqual({ operationCodes: ['LI_PENSION'] });

    await send(`/accounts/${userId}/query-items`, { operationCodes: ITEMS, applicationId: 'SWD_user_items' }, keys[REQUESTER]).expect(201);
    expect((await read(`/accounts/${userId}`).expect(200)).body.state.queryItems).toEqual(ITEMS);
  });

  it("a user's change of post opens a duty, met by adjusting the account on or before the effective date (要點 六(五))", async () => {
    const moved = await send(`/accounts/${userId}/post-changes`, { effectiveDate: '2025-08-20', newUnit: '社會福利科' }, keys[REQUESTER]).expect(201);
    expect(moved.body.events).toEqual([{ type: 'AccountPostChanged', revision: 2 }]);
    expect((await read(`/accounts/${userId}`)).body.state.pendingPostChange).toEqual({ effectiveDate: '2025-08-20', successorAccountId: null, duty: 'ADJUST_OR_REMOVE_MOVED_USER' });

    advanceTo('2025-08-19T03:00:00.000Z');
    await send(`/accounts/${userId}/query-item-revocations`, { operationCodes: [ITEMS[1]], reason: '調任社會福利科', occurredAt: '2025-08-19T10:00:00+08:00' }, keys[REQUESTER]).expect(201);
    const [revoked] = (await read(`/ledger/streams/account-${userId}?fromRevision=3`).expect(200)).body.events;
    expect(revoked).toMatchObject({ type: 'AccountQueryItemsRevoked', data: { operationCodes: [ITEMS[1]], meetsDuty: 'ADJUST_OR_REMOVE_MOVED_USER' } });
    expect((await read(`/accounts/${userId}`)).body.state).toMatchObject({ queryItems: [ITEMS[0]], unit: '社會福利科', pendingPostChange: null });
  });

  it("an administrator's handover: the successor's account is created, then the predecessor's disabled on or before the effective date (要點 六(四))", async () => {
    const form = await submitApplication({ applicationId: 'SWD_admin_2', agencyCode: REQUESTER, kind: 'ADMIN_ACCOUNT_ADD', holder: { nationalId: SUCCESSOR_PERSON.nationalId } }).expect(201);
    successorId = form.body.accountId;
    await send(`/accounts/${adminId}/post-changes`, { effectiveDate: '2025-09-01', newUnit: '人事室', successorAccountId: successorId }, keys[REQUESTER]).expect(201);

    const tooEarly = await appendsNothing(() => send(`/accounts/${adminId}/disable`, { reason: '職務異動' }, keys[REQUESTER]));
    expectRefusal(tooEarly, 422, 'HANDOVER_SUCCESSOR_NOT_ACTIVE', '要點 六(四)');

    await sign('SWD_admin_2', 'SUPERVISOR', keys[REQUESTER]).expect(201);
    await sign('SWD_admin_2', 'COMPETENT_AUTHORITY', keys[AUTHORITY]).expect(201);
    const successor = { agencyCode: REQUESTER, kind: 'ADMIN', applicationId: 'SWD_admin_2', holder: SUCCESSOR_PERSON, myEGovAccountId: 'egov_lin', certificateBound: true, post: '資訊管理員', unit: '秘書室' };
    await send('/accounts', successor, keys[CENTRAL]).expect(201);

    advanceTo('2025-08-29T10:00:00.000Z');
    await send(`/accounts/${adminId}/disable`, { reason: '職務異動，由新任管理者承接', occurredAt: '2025-08-29T17:00:00+08:00' }, keys[REQUESTER]).expect(201);
    const stream = await read(`/ledger/streams/account-${adminId}`).expect(200);
    expect(stream.body.events.at(-1)).toMatchObject({
      type: 'AccountDisabled',
      data: { disabledOn: '2025-08-29', handover: { successorAccountId: successorId, effectiveDate: '2025-09-01', onTime: true }, meetsDuty: 'DISABLE_PREDECESSOR_ADMIN' },
    });
  });

  it('the yearly access review is opened by an active administrator, covers every user on the roster, and closes (要點 六(六))', async () => {
    const byDisabled = await appendsNothing(() => send('/access-reviews', { reviewId: 'SWD_review_2025', agencyCode: REQUESTER, reviewerAccountId: adminId }, keys[REQUESTER]));
    expectRefusal(byDisabled, 422, 'ACCESS_REVIEWER_NOT_ADMIN', '要點 六(六)');

    await send('/access-reviews', { reviewId: 'SWD_review_2025', agencyCode: REQUESTER, reviewerAccountId: successorId }, keys[REQUESTER]).expect(201);
    const incomplete = await appendsNothing(() => send('/access-reviews/SWD_review_2025/close', {}, keys[REQUESTER]));
    expectRefusal(incomplete, 422, 'ACCESS_REVIEW_INCOMPLETE', '要點 六(六)');
    expect(incomplete.body.details).toEqual({ unreviewed: 1 });

    await send('/access-reviews/SWD_review_2025/findings', { accountId: userId, finding: 'CHANGED_DUTIES', action: 'ADJUSTED', note: '已撤銷 LI_SALARY' }, keys[REQUESTER]).expect(201);
    await send('/access-reviews/SWD_review_2025/close', {}, keys[REQUESTER]).expect(201);
    const review = await read('/access-reviews/SWD_review_2025').expect(200);
    expect(review.body.state).toEqual({ status: 'CLOSED', reviewId: 'SWD_review_2025', agencyCode: REQUESTER, findings: { [userId]: { finding: 'CHANGED_DUTIES', action: 'ADJUSTED' } } });
    const closed = (await read('/ledger/streams/accessreview-SWD_review_2025')).body.events.at(-1);
    expect(closed).toMatchObject({ type: 'AccessReviewClosed', data: { reviewedAccounts: 1, findings: { CHANGED_DUTIES: 1 } } });
  });

  it('a departing user is disabled, then deleted on a signed remove form; an account is never handed over (要點 五(二)、六(一))', async () => {
    const handOver = await appendsNothing(() => send(`/accounts/${userId}/holder-changes`, { personId: 'person_someone_else' }, keys[REQUESTER]));
    expectRefusal(handOver, 422, 'ACCOUNT_NOT_TRANSFERABLE', '要點 六(一)');

    await send(`/accounts/${userId}/disable`, { reason: '離職' }, keys[REQUESTER]).expect(201);
    await submitApplication({ applicationId: 'SWD_user_remove', agencyCode: REQUESTER, kind: 'USER_ACCOUNT_REMOVE', accountId: userId }).expect(201);
    await sign('SWD_user_remove', 'SUPERVISOR', keys[REQUESTER]).expect(201);
    await send(`/accounts/${userId}/delete`, { reason: '離職', applicationId: 'SWD_user_remove' }, keys[REQUESTER]).expect(201);
    expect((await read(`/accounts/${userId}`)).body.state).toMatchObject({ status: 'DELETED', queryItems: [] });
  });

  it('a rejected form is closed for good; an item no longer needed is terminated (要點 五(二)、九(三))', async () => {
    await submitApplication({ applicationId: 'SWD_items_2', agencyCode: REQUESTER, kind: 'AGENCY_QUERY_ITEM_CHANGE', queryItems: { add: ['LI_PENSION'] } }).expect(201);
    await sign('SWD_items_2', 'SUPERVISOR', keys[REQUESTER]).expect(201);
    await send('/applications/SWD_items_2/rejections', { step: 'COMPETENT_AUTHORITY', reason: '無法律依據' }, keys[AUTHORITY]).expect(201);
    const after = await appendsNothing(() => sign('SWD_items_2', 'COMPETENT_AUTHORITY', keys[AUTHORITY]));
    expectRefusal(after, 422, 'APPLICATION_CLOSED', '要點 五(二)');

    await send(`/agencies/${REQUESTER}/query-items/${ITEMS[1]}/termination`, { reason: '已無資料介接需求', reference: '北市資綜字第1140056789號' }, keys[CENTRAL]).expect(201);
    expect((await read(`/agencies/${REQUESTER}/query-items/${ITEMS[1]}`)).body.state.status).toBe('TERMINATED');
  });

  describe('refusals append nothing (security-stream records of refused callers counted apart)', () => {
    const user = () => ({ agencyCode: REQUESTER, kind: 'USER', applicationId: 'SWD_user_dup', holder: USER_PERSON, myEGovAccountId: 'egov_chen', certificateBound: true, post: '社工員', unit: '社會救助科' });

    it('a national ID with a bad check digit → 400 naming holder.nationalId, without echoing it', async () => {
      const res = await appendsNothing(() => send('/accounts', { ...user(), holder: { nationalId: 'A123456788', name: '王小明' } }, keys[REQUESTER]));
      expect(res.status).toBe(400);
      expect(res.body.fields).toEqual([expect.objectContaining({ field: 'holder.nationalId', rule: 'isTaiwanId' })]);
      expect(JSON.stringify(res.body)).not.toMatch(/A123456788|王小明/);
    });

    it('an unknown field → 400 naming it', async () => {
      const res = await appendsNothing(() => send(`/accounts/${successorId}/post-changes`, { effectiveDate: '2025-10-01', grantAdmin: true }, keys[REQUESTER]));
      expect(res.status).toBe(400);
      expect(res.body.fields).toEqual([expect.objectContaining({ field: 'grantAdmin', rule: 'whitelistValidation' })]);
    });

    it('an integrator of another agency → 403, recorded in the security stream', async () => {
      const res = await appendsNothing(() => send(`/accounts/${successorId}/post-changes`, { effectiveDate: '2025-10-01' }, keys[OTHER]), 1);
      expectRefusal(res, 403, 'AGENCY_OUT_OF_SCOPE');
      const notAnAuthority = await appendsNothing(() => send(`/agencies/${OTHER}/approval`, {}, keys[REQUESTER]), 1);
      expectRefusal(notAnAuthority, 403, 'SIGNER_NOT_ALLOWED');
      const reading = await appendsNothing(() => read(`/accounts/${successorId}`, keys[OTHER]), 1);
      expectRefusal(reading, 403, 'AGENCY_OUT_OF_SCOPE');
    });

    it('a requester cannot sign for the competent authority; an auditor can only read (403)', async () => {
      await submitApplication({ applicationId: 'DIST_admin', agencyCode: OTHER, kind: 'ADMIN_ACCOUNT_ADD', holder: { nationalId: 'F135792464' } }, keys[OTHER]).expect(201);
      await sign('DIST_admin', 'SUPERVISOR', keys[OTHER]).expect(201);
      const forged = await appendsNothing(() => sign('DIST_admin', 'COMPETENT_AUTHORITY', keys[REQUESTER]), 1);
      expectRefusal(forged, 403, 'SIGNER_NOT_ALLOWED');
      const auditor = await appendsNothing(() => send(`/accounts/${successorId}/disable`, { reason: 'x' }, keys.auditor), 1);
      expectRefusal(auditor, 403, 'ROLE_NOT_ALLOWED');
    });

    it('no key or a bad key → 401', async () => {
      const none = await appendsNothing(() => t.http().post(`/accounts/${successorId}/disable`).send({ commandId: randomUUID(), reason: 'x' }), 1);
      expectRefusal(none, 401, 'API_KEY_MISSING');
      const bad = await appendsNothing(() => send(`/accounts/${successorId}/disable`, { reason: 'x' }, 'wl_not_a_key'), 1);
      expectRefusal(bad, 401, 'API_KEY_INVALID');
    });

    it('an unknown application → 404', async () => {
      const res = await appendsNothing(() => sign('NO_SUCH_FORM', 'SUPERVISOR', keys[REQUESTER]));
      expectRefusal(res, 404, 'NOT_FOUND');
    });
  });

  it('readers see folded state with the holder only as a pseudonymous id, and the ledger verifies intact', async () => {
    const admin = await read(`/accounts/${successorId}`).expect(200);
    expect(Object.keys(admin.body.state).sort()).toEqual(
      ['accountId', 'agencyCode', 'incarnation', 'kind', 'pendingPostChange', 'personId', 'post', 'queryItems', 'status', 'unit', 'usedApplicationIds'].sort(),
    );
    expect(JSON.stringify(admin.body)).not.toMatch(/Ciphertext|H224680135|林志豪/);
    await read(`/agencies/${REQUESTER}`, keys[CENTRAL]).expect(200);

    const verify = await read('/ledger/verify').expect(200);
    expect(verify.body).toMatchObject({ intact: true, failures: [] });
  });
});

describe('retries and personal data', () => {
  /** A user account at a fresh agency: a one-step form, then creation. */
  async function userForm(agencyCode: string, applicationId: string, nationalId: string) {
    const form = await send('/applications', { applicationId, agencyCode, kind: 'USER_ACCOUNT_ADD', holder: { nationalId } }, ADMIN_KEY).expect(201);
    await send(`/applications/${applicationId}/approvals`, { step: 'SUPERVISOR' }, ADMIN_KEY).expect(201);
    return form.body.accountId as string;
  }
  const userBody = (agencyCode: string, applicationId: string, holder: { nationalId: string; name: string }) => ({
    agencyCode,
    kind: 'USER',
    applicationId,
    holder,
    myEGovAccountId: 'egov_retry',
    certificateBound: true,
    post: '科員',
    unit: '綜合規劃科',
  });

  it('a retried account creation returns the first result and appends nothing', async () => {
    const accountId = await userForm('RETRY1', 'RETRY1_user', 'E122223333');
    const body = { commandId: randomUUID(), ...userBody('RETRY1', 'RETRY1_user', { nationalId: 'E122223333', name: '張家豪' }) };
    const first = await send('/accounts', body, ADMIN_KEY).expect(201);
    expect(first.body).toMatchObject({ accountId, replayed: false });

    const retry = await appendsNothing(() => send('/accounts', body, ADMIN_KEY));
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual({ ...first.body, replayed: true });
  });

  it('a retried sign-off returns the first result, even after the form completed', async () => {
    await send('/applications', { applicationId: 'RETRY2_user', agencyCode: 'RETRY2', kind: 'USER_ACCOUNT_ADD', holder: { nationalId: 'E122223333' } }, ADMIN_KEY).expect(201);
    const body = { commandId: randomUUID(), step: 'SUPERVISOR' };
    const first = await send('/applications/RETRY2_user/approvals', body, ADMIN_KEY).expect(201);
    const retry = await appendsNothing(() => send('/applications/RETRY2_user/approvals', body, ADMIN_KEY));
    expect(retry.body).toEqual({ ...first.body, replayed: true });
  });

  it('two sign-offs racing on one form: one is appended, the other refused (409 if it lost the race, else 422)', async () => {
    await send('/applications', { applicationId: 'RACE1_user', agencyCode: 'RACE1', kind: 'USER_ACCOUNT_ADD', holder: { nationalId: 'E122223333' } }, ADMIN_KEY).expect(201);
    const racing = await Promise.all([1, 2].map(() => send('/applications/RACE1_user/approvals', { step: 'SUPERVISOR' }, ADMIN_KEY)));
    const statuses = racing.map((res) => res.status).sort();
    expect([[201, 409], [201, 422]]).toContainEqual(statuses);
    const loser = racing.find((res) => res.status !== 201)!;
    expect(['WRONG_EXPECTED_REVISION', 'APPLICATION_CLOSED']).toContain(loser.body.code);
    expect((await read('/ledger/streams/application-RACE1_user', ADMIN_KEY)).body.events.map((e: { type: string }) => e.type)).toEqual([
      'ApplicationSubmitted',
      'ApplicationStepApproved',
      'ApplicationCompleted',
    ]);
  });

  it('the same person typed in lower case is the same holder: still one account per agency', async () => {
    await userForm('CASE1', 'CASE1_user', 'F135792464');
    await send('/accounts', userBody('CASE1', 'CASE1_user', { nationalId: 'F135792464', name: '黃淑芬' }), ADMIN_KEY).expect(201);
    await userForm('CASE1', 'CASE1_again', 'f135792464');
    const again = await appendsNothing(() => send('/accounts', userBody('CASE1', 'CASE1_again', { nationalId: 'f135792464', name: '黃淑芬' }), ADMIN_KEY));
    expectRefusal(again, 422, 'ONE_ACCOUNT_PER_PERSON');
    expect(JSON.stringify(again.body)).not.toMatch(/135792464|黃淑芬/i);
  });

  it('no national ID or name appears in any event, and no error body repeats them', async () => {
    const person = { nationalId: 'A123456789', name: '王小明' };
    const accountId = await userForm('PII1', 'PII1_user', person.nationalId);
    const created = await send('/accounts', userBody('PII1', 'PII1_user', person), ADMIN_KEY).expect(201);
    expect(created.body.accountId).toBe(accountId);

    const errors = [
      await send('/accounts', userBody('PII1', 'PII1_user', person), ADMIN_KEY).expect(422),
      await send('/accounts', userBody('PII1', 'PII1_user', { nationalId: 'A123456780', name: person.name }), ADMIN_KEY).expect(400),
      await send('/accounts', userBody('PII1', 'PII1_user', { nationalId: person.nationalId, name: '王\u202E小明' }), ADMIN_KEY).expect(400),
      await send('/applications', { applicationId: 'PII1_items', agencyCode: 'PII1', kind: 'AGENCY_QUERY_ITEM_CHANGE', holder: person }, ADMIN_KEY).expect(400),
    ];
    expect(errors[2].body.fields).toEqual([expect.objectContaining({ field: 'name' })]);
    for (const res of errors) expect(JSON.stringify(res.body)).not.toMatch(/A12345678\d|小明/);

    const log = JSON.stringify((await allEvents()).map((e) => ({ ...e, position: e.position.toString() })));
    expect(log).toContain(accountId);
    for (const secret of ['A123456789', 'a123456789', '王小明', '陳美玲', 'B223456782', 'H224680135', '林志豪', 'E122223333', 'F135792464']) {
      expect(log.toLowerCase()).not.toContain(secret.toLowerCase());
    }
    const created0 = (await allEvents()).find((e) => e.streamId === `account-${accountId}`);
    expect(created0?.data.holder).toEqual({
      personId: expect.stringMatching(/^person_[0-9a-f]{32}$/),
      holderKey: accountId.split('.')[2],
      nationalIdCiphertext: expect.any(String),
      nameCiphertext: expect.any(String),
    });
  });

  it('documents every access route with examples in OpenAPI', async () => {
    const doc = (await t.http().get('/docs-json').expect(200)).body;
    const routes = [
      ['/agencies/{agencyCode}/approval', 'post'],
      ['/agencies/{agencyCode}/query-items/{operationCode}/grant', 'post'],
      ['/applications/{applicationId}/approvals', 'post'],
      ['/accounts', 'post'],
      ['/access-reviews/{reviewId}/close', 'post'],
      ['/accounts/{accountId}', 'get'],
    ];
    for (const [path, method] of routes) {
      const op = doc.paths[path]?.[method];
      expect(op).toBeDefined();
      const ok = op.responses[method === 'get' ? '200' : '201'];
      expect(ok.content['application/json'].example).toBeDefined();
    }
    expect(doc.components.schemas.CreateAccountDto.required).toEqual(expect.arrayContaining(['commandId', 'holder', 'applicationId']));
    expect(doc.components.schemas.AccountHolderDto.properties.nationalId.example).toBe('A123456789');
  });
});
