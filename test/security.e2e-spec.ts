import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKPOINT_STREAM } from '@ledger/event-store';
import { keyedHash } from '@ledger/personal-data';
import { ADMIN_KEY, startTestApp } from './support/app';
import { allEvents, appendsOnly, isTimedIntegrityRecord } from './support/ledger-counts';

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

/**
 * Every byte of the embedded files, as someone holding a copy of data/ would read them. Read by a
 * child process: opening and closing a database file in this process would drop the app's SQLite locks.
 */
function dataFiles(): Buffer {
  const files = readdirSync(t.dataDir).filter((f) => statSync(join(t.dataDir, f)).isFile()).map((f) => join(t.dataDir, f));
  return spawnSync('cat', files, { maxBuffer: 512 * 1024 * 1024 }).stdout;
}
function serverBlindIndex(nationalId: string): string {
  const secrets = JSON.parse(readFileSync(join(t.dataDir, 'secrets.json'), 'utf8'));
  return keyedHash(Buffer.from(secrets.LEDGER_HMAC_KEY, 'base64'), 'national-id', nationalId);
}
const userForm = async (applicationId: string, nationalId: string, occurredAt?: string) => {
  const res = await send('/applications', { applicationId, agencyCode: REQUESTER, kind: 'USER_ACCOUNT_ADD', holder: { nationalId }, occurredAt }, keys[REQUESTER]).expect(201);
  await send(`/applications/${applicationId}/approvals`, { step: 'SUPERVISOR', occurredAt }, keys[REQUESTER]).expect(201);
  return res.body.accountId as string;
};
const createUser = (applicationId: string, holder: { nationalId: string; name: string }, occurredAt?: string) =>
  send('/accounts', { agencyCode: REQUESTER, kind: 'USER', applicationId, holder, myEGovAccountId: 'egov_secret_handle', certificateBound: true, post: '社工員', unit: '社會救助科', occurredAt }, keys[REQUESTER]).expect(201);

describe('finding 3: no identifier derived from personal data; confirming a person is an audited read', () => {
  it('the account id and person id carry no keyed hash of the ID, and the log holds none', async () => {
    const nationalId = 'A145678903';
    const accountId = await userForm('SWD_oracle_1', nationalId);
    const created = await createUser('SWD_oracle_1', { nationalId, name: '吳建宏' });
    const hash = serverBlindIndex(nationalId);
    const key = accountId.split('.')[2];
    expect(hash).not.toContain(key);
    expect(created.body.personId).not.toContain(hash.slice(0, 32));
    const log = JSON.stringify((await allEvents(t)).map((e) => ({ ...e, position: String(e.position) })));
    expect(log).not.toContain(hash.slice(0, 16));
    expect(log).not.toContain('egov_secret_handle');
  });

  it("guessing: an unknown ID yields a fresh random id that matches nothing; a known holder's id is recorded as a personal-data read", async () => {
    const roster = await read(`/agencies/${REQUESTER}/roster`, keys[REQUESTER]).expect(200);
    const known = new Set(roster.body.entries.map((e: { accountId: string }) => e.accountId));
    expect(roster.body.entries.every((e: object) => !('holder' in e))).toBe(true);
    // A guess of someone never seen: the answer is random and appends the form, nothing else.
    const guess = await appendsOnly(t, () => send('/applications', { applicationId: 'SWD_guess_1', agencyCode: REQUESTER, kind: 'USER_ACCOUNT_ADD', holder: { nationalId: 'A145678912' } }, keys[REQUESTER]), { ledger: 1 });
    expect(known.has(guess.body.accountId)).toBe(false);
    // Naming the person who has an account confirms it: that answer is recorded as a read.
    const hit = await appendsOnly(t, () => send('/applications', { applicationId: 'SWD_guess_2', agencyCode: REQUESTER, kind: 'USER_ACCOUNT_ADD', holder: { nationalId: 'A145678903' } }, keys[REQUESTER]), { ledger: 1, reads: 1 });
    expect(known.has(hit.body.accountId)).toBe(true);
    const read1 = (await allEvents(t)).filter((e) => e.streamId.startsWith('pdaccess-')).at(-1)!;
    expect(read1.data).toMatchObject({ reader: 'svc_swd', agencyCode: REQUESTER, accountIds: [hit.body.accountId] });
  });
});

describe('finding 4: erasure that erases', () => {
  const OLD = '2019-03-01T09:00:00+08:00';

  it('refused while a retention duty runs (422, nothing appended); with a legal override it erases', async () => {
    await userForm('SWD_recent', 'B120000008');
    const created = await createUser('SWD_recent', { nationalId: 'B120000008', name: '周大同' });
    const body = { personId: created.body.personId, reason: '個人資料保護法第11條第3項' };
    const refused = await appendsOnly(t, () => send('/erasures', body, ADMIN_KEY));
    expect([refused.status, refused.body.code, refused.body.rule]).toEqual([422, 'RETENTION_DUTY_RUNNING', '要點 五(三)、六(六)、九(二)、十一(三)、十二(十一)']);
    const integrator = await appendsOnly(t, () => send('/erasures', body, keys[REQUESTER]), { security: 1 });
    expect(integrator.status).toBe(403);
    const done = await send('/erasures', { ...body, legalOverride: '臺北地方法院114年度訴字第1號判決' }, ADMIN_KEY).expect(201);
    expect(done.body).toMatchObject({ personId: created.body.personId, legalOverride: '臺北地方法院114年度訴字第1號判決', accounts: 1, dataKeyDestroyed: true });
    const again = await appendsOnly(t, () => send('/erasures', { ...body, legalOverride: 'x' }, ADMIN_KEY));
    expect(again.body.receiptId).toBe(done.body.receiptId);
  });

  it('after erasure nothing in data/ links any event to the person, even with every server key', async () => {
    const person = { nationalId: 'D120000000', name: '鄭美惠' };
    const accountId = await userForm('SWD_old', person.nationalId, OLD);
    const created = await createUser('SWD_old', person, OLD);
    expect(created.body.accountId).toBe(accountId);
    const blind = serverBlindIndex(person.nationalId);
    expect(dataFiles().includes(blind)).toBe(true); // before: the vault's index row

    const receipt = await send('/erasures', { nationalId: person.nationalId, reason: '個人資料保護法第11條第3項: 特定目的消失' }, ADMIN_KEY).expect(201);
    expect(receipt.body).toMatchObject({ personId: created.body.personId, retentionUntil: '2024-03-01', legalOverride: null, accounts: 1, blindIndexDeleted: true });
    const event = (await allEvents(t)).find((e) => e.streamId === `erasure-${created.body.personId}`)!;
    expect(event.type).toBe('PersonErased');

    const files = dataFiles();
    for (const needle of [blind, blind.slice(0, 32), person.nationalId, person.name]) expect(files.includes(needle)).toBe(false);
    // The index row and the account slot are gone: the same ID now resolves to nobody.
    const retry = await appendsOnly(t, () => send('/erasures', { nationalId: person.nationalId, reason: 'again' }, ADMIN_KEY));
    expect(retry.status).toBe(404);
    const roster = await read(`/agencies/${REQUESTER}/roster`, keys.auditor).expect(200);
    expect(roster.body.entries.find((e: { accountId: string }) => e.accountId === accountId).holder).toEqual({ erased: true });
  });
});

describe('finding 4: erasure from the CLI', () => {
  it('npm run cli -- erase prints a receipt (exit 0); an unknown person is refused (exit 1)', async () => {
    await userForm('SWD_cli_erase', 'E123456701', '2018-05-02T09:00:00+08:00');
    const created = await createUser('SWD_cli_erase', { nationalId: 'E123456701', name: '張志明' }, '2018-05-02T09:00:00+08:00');
    const { spawnSync } = await import('node:child_process');
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ['-r', '@swc-node/register', 'apps/ledger-cli/src/main.ts', 'erase', ...args], {
        cwd: join(__dirname, '..'),
        env: { ...process.env, LEDGER_DATA_DIR: t.dataDir, EVENTSTORE_URL: '' },
        encoding: 'utf8',
        timeout: 60_000,
      });
    const run = cli('--person', created.body.personId, '--reason', '個人資料保護法第11條第3項');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ personId: created.body.personId, retentionUntil: '2023-05-02', dataKeyDestroyed: true });
    const unknown = cli('--person', 'person_0000000000000000000000000000abcd', '--reason', 'x');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('NOT_FOUND');
  }, 90_000);
});

describe('finding 5: no personal data through side doors', () => {
  it.each(['person_A123456789', 'A123456789.x', 'A123456789-', 'x_a123456789'])('personId %s → 400 naming personId, nothing appended', async (personId) => {
    const res = await appendsOnly(t, () => send(`/agencies/${REQUESTER}/personnel`, { personnelRole: 'DEDICATED_STAFF', personId, effectiveDate: '2025-07-01' }, keys[REQUESTER]));
    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual([expect.objectContaining({ field: 'personId' })]);
    expect(JSON.stringify(res.body)).not.toMatch(/123456789/);
  });

  it.each([
    ['reason', `/applications/SWD_items/rejections`, { step: 'BLI', reason: '申請人A123456789資格不符' }],
    ['course', `/agencies/${REQUESTER}/trainings`, { personId: 'person_x', completedOn: '2025-09-15', course: '課程 Ａ１２３４５６７８９' }],
    ['name', '/agencies', { agencyCode: 'X1', name: '王小明A123456789', role: 'DATA_REQUESTER' }],
    ['post', '/accounts', { agencyCode: REQUESTER, kind: 'USER', applicationId: 'a1', holder: { nationalId: 'A123456789', name: '王小明' }, myEGovAccountId: 'egov', certificateBound: true, post: 'B120000008', unit: '科' }],
    ['myEGovAccountId', '/accounts', { agencyCode: REQUESTER, kind: 'USER', applicationId: 'a1', holder: { nationalId: 'A123456789', name: '王小明' }, myEGovAccountId: 'a123456789', certificateBound: true, post: '科員', unit: '科' }],
    ['unit', '/accounts', { agencyCode: REQUESTER, kind: 'USER', applicationId: 'a1', holder: { nationalId: 'A123456789', name: '王小明' }, myEGovAccountId: 'egov', certificateBound: true, post: '科員', unit: '王小明的科' }],
    ['correlationId', '/agencies', { agencyCode: 'X2', name: '某機關', role: 'DATA_REQUESTER', correlationId: 'case-A123456789' }],
  ])('a national ID or the holder name in %s → 400 naming it, nothing appended', async (field, path, body) => {
    const res = await appendsOnly(t, () => send(path, body, path === '/agencies' ? ADMIN_KEY : keys[REQUESTER]));
    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual([expect.objectContaining({ field })]);
    expect(JSON.stringify(res.body)).not.toMatch(/123456789|120000008|王小明/);
  });
});

describe('finding 6: a keyless flood cannot grow the ledger, and is answered 429 with Retry-After', () => {
  it('600 keyless requests add a handful of bounded security records and nothing else (bench:security runs 3,000)', async () => {
    const { SecurityLogService } = await import('../apps/ledger-api/src/auth/security-log.service');
    const server = await t.app.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const before = await allEvents(t);
    const statuses = new Map<number, number>();
    let retryAfter: string | undefined;
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < 600; i = next++) {
        const res = await (i % 2
          ? fetch(`${base}/agencies`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ commandId: randomUUID(), agencyCode: 'FLOOD', name: 'x', role: 'DATA_REQUESTER' }) })
          : fetch(`${base}/agencies/${REQUESTER}`));
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 429) retryAfter ??= res.headers.get('retry-after') ?? undefined;
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    await t.app.get(SecurityLogService).flush();
    const appended = (await allEvents(t)).slice(before.length);
    // The first timed checkpoint also announces the signing key (ledger-keys): timer-driven too.
    const added = appended.filter((e) => !isTimedIntegrityRecord(e));
    expect(statuses.get(401)).toBe(60);
    expect(statuses.get(429)).toBe(540);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    // The ledger's timed checkpoints keep running during the flood (a slow machine may see one); they are not caused by it.
    expect(appended.filter((e) => e.streamId === CHECKPOINT_STREAM).map((e) => (e.data as { reason?: string }).reason)).not.toContain('events');
    expect(added.filter((e) => !e.streamId.startsWith('security-')).map((e) => `${e.streamId} ${e.type}`)).toEqual([]);
    // At most two records per source, reason and minute (a minute may turn during the run).
    expect(added.length).toBeLessThanOrEqual(8);
    const counted = (reason: string) =>
      added.filter((e) => e.data.reason === reason).reduce((n, e) => n + (e.type === 'AccessRefused' ? 1 : Number(e.data.count)), 0);
    expect([counted('NO_KEY'), counted('RATE_LIMITED')]).toEqual([60, 540]);
    // A caller with a valid key is not held back by the flood from its address.
    await read(`/agencies/${REQUESTER}`, keys.auditor).expect(200);
  }, 60_000);

  it('a key over its own limit gets 429 with Retry-After, and nothing is appended', async () => {
    const other = await startTestApp({ LEDGER_RATE_LIMIT_PER_MINUTE: '5' });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 7; i += 1) codes.push((await other.http().get('/agencies/NONE').set('X-API-Key', ADMIN_KEY)).status);
      expect(codes).toEqual([404, 404, 404, 404, 404, 429, 429]);
      const res = await other.http().get('/agencies/NONE').set('X-API-Key', ADMIN_KEY).expect(429);
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
      expect(res.body).toMatchObject({ status: 429, code: 'RATE_LIMITED', title: 'Too Many Requests' });
    } finally {
      await other.close();
    }
  });
});

describe('finding 7: key revocation takes effect at once in every running instance', () => {
  it('a key revoked through another instance, or through the CLI, is refused on the very next request', async () => {
    const second = await startTestApp({}, { dataDir: t.dataDir, keepData: true });
    try {
      const issued = async () => (await t.http().post('/auth/keys').set('X-API-Key', ADMIN_KEY).send({ principalId: 'svc_leaky', roles: ['auditor'], agencies: [] }).expect(201)).body;
      const one = await issued();
      await read(`/agencies/${REQUESTER}`, one.apiKey).expect(200); // cached as valid by the first instance
      await second.http().get(`/agencies/${REQUESTER}`).set('X-API-Key', one.apiKey).expect(200);
      const revoked = await second.http().post(`/auth/keys/${one.keyId}/revocation`).set('X-API-Key', ADMIN_KEY).send({ reason: '金鑰外洩' }).expect(201);
      expect(revoked.body).toMatchObject({ keyId: one.keyId, alreadyRevoked: false });
      const refused = await read(`/agencies/${REQUESTER}`, one.apiKey).expect(401);
      expect(refused.body.code).toBe('API_KEY_INVALID');

      const two = await issued();
      await read(`/agencies/${REQUESTER}`, two.apiKey).expect(200);
      const { spawnSync } = await import('node:child_process');
      const { resolve } = await import('node:path');
      const run = spawnSync(process.execPath, ['-r', '@swc-node/register', 'apps/ledger-cli/src/main.ts', 'revoke-key', two.keyId, '--reason', 'rotated'], {
        cwd: resolve(__dirname, '..'),
        env: { ...process.env, LEDGER_DATA_DIR: t.dataDir, EVENTSTORE_URL: '' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(run.status).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ keyId: two.keyId, alreadyRevoked: false });
      await read(`/agencies/${REQUESTER}`, two.apiKey).expect(401);
      await second.http().get(`/agencies/${REQUESTER}`).set('X-API-Key', two.apiKey).expect(401);
    } finally {
      await second.close();
    }
  }, 90_000);

  it('non-admins list keys without hashes; an integrator sees only its own; only an admin revokes', async () => {
    const listed = await read('/auth/keys', keys.auditor).expect(200);
    expect(listed.body.length).toBeGreaterThan(3);
    expect(JSON.stringify(listed.body)).not.toMatch(/keyHash|[0-9a-f]{64}/);
    const own = await read('/auth/keys', keys[REQUESTER]).expect(200);
    expect(own.body.map((k: { principal: { id: string } }) => k.principal.id)).toEqual(['svc_swd']);
    const byIntegrator = await appendsOnly(t, () => send(`/auth/keys/${own.body[0].keyId}/revocation`, { reason: 'x' }, keys[REQUESTER]), { security: 1 });
    expect(byIntegrator.status).toBe(403);
  });
});

describe('finding 10 (part): owner-only files, and 404 for an unknown agency', () => {
  it('database and secret files are created 0600', async () => {
    const { readdirSync, statSync } = await import('node:fs');
    const { join } = await import('node:path');
    const files = readdirSync(t.dataDir).filter((f) => /\.(db|json)(-wal|-shm)?$/.test(f));
    expect(files).toEqual(expect.arrayContaining(['events.db', 'keys.db', 'read-models.db', 'secrets.json']));
    for (const f of files) expect([f, (statSync(join(t.dataDir, f)).mode & 0o777).toString(8)]).toEqual([f, '600']);
  });

  it("an unknown agency's roster is 404", async () => {
    const res = await read('/agencies/NO_SUCH_AGENCY/roster', keys.auditor).expect(404);
    expect(res.body.code).toBe('NOT_FOUND');
  });
});

describe('errors as RFC 9457 problem details (issue 15, point 7)', () => {
  it('every 4xx carries type, title, status, detail, plus code and, for a broken rule, the 要點 point', async () => {
    const notFound = await read('/agencies/NOPE', keys.auditor).expect(404);
    expect(notFound.headers['content-type']).toContain('application/problem+json');
    expect(notFound.body).toMatchObject({ type: 'https://webir-ledger.example/problems/not-found', title: 'Not Found', status: 404, detail: expect.any(String), code: 'NOT_FOUND' });
    await send('/applications', { applicationId: 'SWD_problem', agencyCode: REQUESTER, kind: 'USER_ACCOUNT_ADD', holder: { nationalId: 'E123456701' } }, keys[REQUESTER]).expect(201);
    await send('/applications/SWD_problem/approvals', { step: 'SUPERVISOR' }, keys[REQUESTER]).expect(201);
    const rule = await send('/applications/SWD_problem/approvals', { step: 'SUPERVISOR' }, keys[REQUESTER]).expect(422);
    expect(rule.body).toMatchObject({ type: expect.stringMatching(/\/problems\/application-/), title: 'Unprocessable Content', status: 422, code: expect.any(String), rule: expect.stringMatching(/^要點/) });
  });

  it('every operation documents its errors as problem details, and 422 examples come from the domain catalogue', async () => {
    const { REFUSALS } = await import('@ledger/domain');
    const doc = (await t.http().get('/docs-json').expect(200)).body;
    const undocumented: string[] = [];
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>)) {
      for (const [method, op] of Object.entries(item)) {
        const errors = Object.entries(op.responses).filter(([s]) => /^[45]/.test(s));
        if (!errors.some(([s]) => s.startsWith('4')) || !errors.some(([s]) => s.startsWith('5'))) undocumented.push(`${method} ${path}`);
        for (const [status, res] of errors) {
          if (status === '422') {
            const examples = (res.content?.['application/json'] as { examples?: Record<string, { value: { code: string; rule: string } }> })?.examples ?? {};
            // Refusals citing the 要點 are the domain's; others (e.g. COMMAND_ID_REUSED, IETF Idempotency-Key) are the transport's.
            for (const { value } of Object.values(examples).filter((e) => e.value.rule?.startsWith('要點'))) {
              expect([value.code, value.rule]).toEqual([value.code, REFUSALS[value.code as keyof typeof REFUSALS]?.rule]);
            }
          }
        }
      }
    }
    expect(undocumented).toEqual([]);
    expect(doc.components.schemas.ProblemView.required).toEqual(expect.arrayContaining(['type', 'title', 'status', 'detail', 'code']));
  });
});

describe('finding 9: the inputs that gave 500s are each a 4xx naming the field', () => {
  const post = (path: string) => t.http().post(path).set('X-API-Key', ADMIN_KEY);
  const cases: [string, () => PromiseLike<import('supertest').Response>, number, string][] = [
    ['body over the limit', () => post('/agencies').set('Content-Type', 'application/json').send(JSON.stringify({ agencyCode: 'A', name: 'x'.repeat(200_000) })), 413, 'body'],
    ['JSON cut off', () => post('/agencies').set('Content-Type', 'application/json').send('{"agencyCode":'), 400, 'body'],
    ['a JSON string, not an object', () => post('/agencies').set('Content-Type', 'application/json; charset=utf-8').send('"A123456789"'), 400, 'body'],
    ['charset latin-9', () => post('/agencies').set('Content-Type', 'application/json; charset=latin-9').send('{}'), 415, 'Content-Type'],
    ['Content-Encoding br', () => post('/agencies').set('Content-Type', 'application/json').set('Content-Encoding', 'br').send('{}'), 415, 'Content-Encoding'],
    ['Content-Encoding gzip', () => post('/agencies').set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').send('not gzip'), 415, 'Content-Encoding'],
    ['nested constructor key', () => post('/agencies').send({ commandId: randomUUID(), agencyCode: 'C1', name: 'n', role: 'DATA_REQUESTER', x: { constructor: 1 } }), 400, 'x.constructor'],
    ['__proto__ key', () => post('/agencies').set('Content-Type', 'application/json').send(`{"commandId":"${randomUUID()}","__proto__":{"admin":true}}`), 400, '__proto__'],
    ['JSON nested 8,000 deep', () => post('/agencies').set('Content-Type', 'application/json').send(`{"x":${'{"a":'.repeat(8000)}1${'}'.repeat(8000)}}`), 400, 'x.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a'],
    ['month 13', () => post(`/agencies/${REQUESTER}/personnel`).send({ commandId: randomUUID(), personnelRole: 'CONTACT_WINDOW', personId: 'person_x', effectiveDate: '2025-13-01' }), 400, 'effectiveDate'],
    ['day 32', () => post(`/agencies/${REQUESTER}/trainings`).send({ commandId: randomUUID(), personId: 'person_x', completedOn: '2025-12-32', course: 'c' }), 400, 'completedOn'],
    ['asOf month 13', () => read('/obligations?asOf=2025-13-01', ADMIN_KEY), 400, 'asOf'],
    ['agency code %00 in CSV', () => read('/agencies/A%00/roster?format=csv', ADMIN_KEY), 400, 'agencyCode'],
    ['agency code CR/LF in CSV', () => read('/agencies/A%0D%0AB/roster?format=csv', ADMIN_KEY), 400, 'agencyCode'],
    ['agency code non-ASCII in CSV', () => read('/agencies/%E4%B8%AD/roster?format=csv', ADMIN_KEY), 400, 'agencyCode'],
  ];
  it.each(cases)('%s', async (_name, request, status, field) => {
    const res = await appendsOnly(t, request);
    expect(res.status).toBe(status);
    expect(res.body.fields?.map((f: { field: string }) => f.field)).toContain(field);
    expect(res.text).not.toMatch(/\bat .+\.ts:\d+|stack/);
  });

  // The lean reader takes the plain spellings, body-parser the rest (json-body.ts): both accept a command.
  it.each([
    ['application/json', ''],
    ['application/json; charset=utf-8', ''],
    ['application/json', '\uFEFF'],
    ['application/json;  charset="UTF-8"', ''],
  ])('a command sent as %s (prefix %j) is read and accepted', async (contentType, prefix) => {
    const agencyCode = `BODY${randomUUID().slice(0, 6).toUpperCase()}`;
    const body = prefix + JSON.stringify({ commandId: randomUUID(), agencyCode, name: '臺北市政府測試局', role: 'DATA_REQUESTER' });
    const res = await post('/agencies').set('Content-Type', contentType).send(body);
    expect([res.status, res.body.streamId]).toEqual([201, expect.stringContaining(agencyCode)]);
  });

  it.each(['__proto__-x', 'constructor-x', 'toString-x'])('state of stream %s → 404, not a crash', async (id) => {
    const res = await appendsOnly(t, () => read(`/ledger/streams/${id}/state`, ADMIN_KEY));
    expect(res.status).toBe(404);
  });
});
