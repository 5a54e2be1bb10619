import { randomUUID } from 'node:crypto';
import { accountIdOf, accountStreamId, queryItemStreamId } from '@ledger/domain';
import type { EventStore, RecordedEvent } from '@ledger/event-store';
import { isValidTaiwanId, maskNationalId, type PersonalDataProtector } from '@ledger/personal-data';
import { EVENT_STORE, PERSONAL_DATA } from '../apps/ledger-api/src/infrastructure/event-store.provider';
import { ADMIN_KEY, startTestApp } from './support/app';

/**
 * 政風 over HTTP (要點 八、九、十二(二)): an investigator finds each anomaly kind, sees its evidence
 * (the log line beside its registration, the subject masked unless revealed with a purpose, which is
 * recorded), and concludes an investigation; a violation opens the joint audit obligation.
 *
 * Accounts and the WebIR log are seeded as the events their own routes write (their lifecycles are
 * covered by access-lifecycle and the log import's tests); the subjects and holders go through the
 * real personal-data vault, so person ids compare as in production. Everything 政風 does goes over HTTP.
 */
const AGENCY = 'SWD';
let t: Awaited<ReturnType<typeof startTestApp>>;
let store: EventStore;
let protector: PersonalDataProtector;
const keys: Record<string, string> = {};
const now = new Date('2025-04-05T02:00:00.000Z');

/** Valid national IDs, made from a serial (the last digit is the check digit). */
const idOf = (n: number) => {
  const body = `A1${String(n).padStart(7, '0')}`;
  for (let d = 0; d < 10; d++) if (isValidTaiwanId(`${body}${d}`)) return `${body}${d}`;
  throw new Error('no check digit');
};
const HOLDER = { self: idOf(1), colleague: idOf(2), relative: idOf(3), night: idOf(4), bulk: idOf(5), repeat: idOf(6), gone: idOf(7), item: idOf(8), unreg: idOf(9), target: idOf(10) };
const MOTHER = idOf(20);
const STRANGER = (n: number) => idOf(100 + n);

const meta = (occurredAt: string) => ({ $correlationId: randomUUID(), $causationId: randomUUID(), commandId: randomUUID(), actor: 'seed', occurredAt });
const event = (type: string, data: Record<string, unknown>, occurredAt: string) => ({ eventId: randomUUID(), type, data, metadata: meta(occurredAt) });
const at = (day: number, hhmm: string) => new Date(Date.parse(`2025-03-${String(day).padStart(2, '0')}T${hhmm}:00+08:00`)).toISOString();

const accounts: Record<keyof typeof HOLDER, string> = {} as Record<keyof typeof HOLDER, string>;
let lastPosition = '0';
let importId = '';

async function issueKey(principalId: string, roles: string[], agencies: string[]): Promise<string> {
  return (await t.http().post('/auth/keys').set('X-API-Key', ADMIN_KEY).send({ principalId, roles, agencies }).expect(201)).body.apiKey;
}
const post = (path: string, body: object, key: string) => t.http().post(path).set('X-API-Key', key).send({ commandId: randomUUID(), ...body });
const get = (path: string, key = keys.ethics) => t.http().get(path).set('X-API-Key', key);
const ledger = async (): Promise<RecordedEvent[]> => store.readAll({ maxCount: 100_000 });
const withoutSecurity = async () => (await ledger()).filter((e) => !e.streamId.startsWith('security-') && !e.streamId.startsWith('ledger-'));

async function seedAccount(name: keyof typeof HOLDER, items = ['LI_ENROLMENT']) {
  const { personId } = await protector.resolvePerson(HOLDER[name]);
  const holderKey = (Buffer.from(name).toString('hex') + '0'.repeat(64)).slice(0, 64);
  const accountId = accountIdOf(AGENCY, 'USER', holderKey);
  const holder = { personId, holderKey, nationalIdCiphertext: (await protector.protect(personId, { nationalId: HOLDER[name], name: '測試' })).nationalIdCiphertext, nameCiphertext: 'v1.a.b.c' };
  await store.append(accountStreamId(accountId), [
    event('AccountCreated', { accountId, agencyCode: AGENCY, kind: 'USER', incarnation: 1, applicationId: 'app_add', holder, myEGovAccountId: 'egov:1', certificateBound: true, post: '科員', unit: '社會救助科' }, '2025-01-10T01:00:00.000Z'),
    event('AccountQueryItemsGranted', { accountId, operationCodes: items, applicationId: 'app_grant' }, '2025-01-10T02:00:00.000Z'),
  ], 'no_stream');
  accounts[name] = accountId;
}

beforeAll(async () => {
  t = await startTestApp({}, { clock: () => now });
  store = t.app.get<EventStore>(EVENT_STORE);
  protector = t.app.get<PersonalDataProtector>(PERSONAL_DATA);
  keys.swd = await issueKey('svc_swd', ['integrator'], [AGENCY]);
  keys.ethics = await issueKey('ethics_1', ['ethics'], []);
  keys.auditor = await issueKey('auditor_1', ['auditor'], []);
  const item = { agencyCode: AGENCY, operationCode: 'LI_ENROLMENT' };
  await store.append(queryItemStreamId(AGENCY, 'LI_ENROLMENT'), [
    event('QueryItemApplied', { ...item, legalBasis: '社會救助法', businessScope: '低收入戶審核', purpose: '資格審查', applicationId: 'app_items', round: 1 }, '2025-01-02T01:00:00.000Z'),
    event('QueryItemApprovedByCompetentAuthority', item, '2025-01-03T01:00:00.000Z'),
    event('QueryItemSubmittedToBli', { ...item, reference: null }, '2025-01-04T01:00:00.000Z'),
    event('QueryItemApprovedByBli', { ...item, reference: null }, '2025-01-05T01:00:00.000Z'),
    event('QueryItemGranted', { ...item, applicationId: 'app_items' }, '2025-01-06T01:00:00.000Z'),
  ], 'no_stream');
  for (const name of Object.keys(HOLDER) as (keyof typeof HOLDER)[]) await seedAccount(name);
  await store.append(accountStreamId(accounts.gone), [event('AccountDisabled', { accountId: accounts.gone, reason: '離職', disabledOn: '2025-03-01' }, '2025-03-01T01:00:00.000Z')], 1);
});
afterAll(() => t.close());

describe('政風: case assignments and relations lists (要點 八)', () => {
  it('the case system records an assignment; the same set again appends nothing; another agency is refused', async () => {
    const body = { agencyCode: AGENCY, caseNumber: '114社救字第0777號', accountIds: [accounts.target], assignedFrom: '2025-03-01T08:00:00+08:00' };
    const first = await post('/case-assignments', body, keys.swd).expect(201);
    expect(first.body.events).toEqual([{ type: 'CaseAssignmentRecorded', revision: 0 }]);
    expect((await post('/case-assignments', body, keys.swd).expect(201)).body.events).toEqual([]);
    await post('/case-assignments', { ...body, agencyCode: 'DIST' }, keys.swd).expect(403);
    await post('/case-assignments', body, keys.ethics).expect(403);
    const bad = await post('/case-assignments', { ...body, assignedFrom: '2025-03-01T08:00:00' }, keys.swd).expect(400);
    expect(JSON.stringify(bad.body)).toContain('assignedFrom');
  });

  it('政風 keeps a relations list by blind index only: the number is in no event and no response', async () => {
    const res = await post('/ethics/relations', { accountId: accounts.relative, entries: [{ nationalId: MOTHER, relation: 'RELATIVE' }] }, keys.ethics).expect(201);
    expect(res.body.events).toEqual([{ type: 'RelationDeclared', revision: 0 }]);
    expect(JSON.stringify(res.body)).not.toMatch(new RegExp(`${MOTHER}|person_`));
    const self = await post('/ethics/relations', { accountId: accounts.relative, entries: [{ nationalId: HOLDER.relative, relation: 'RELATIVE' }] }, keys.ethics).expect(422);
    expect(self.body).toMatchObject({ code: 'RELATION_TO_SELF', rule: '要點 八' });
    await post('/ethics/relations', { accountId: accounts.relative, entries: [{ nationalId: MOTHER, relation: 'RELATIVE' }] }, keys.auditor).expect(403);
    const badId = await post('/ethics/relations', { accountId: accounts.relative, entries: [{ nationalId: 'A123456788', relation: 'RELATIVE' }] }, keys.ethics).expect(400);
    expect(JSON.stringify(badId.body)).toContain('entries.0.nationalId');
    expect(JSON.stringify(badId.body)).not.toContain('A123456788');
    const notListed = await post('/ethics/relations/withdrawals', { accountId: accounts.relative, nationalId: STRANGER(99), reason: '誤登' }, keys.ethics).expect(422);
    expect(notListed.body.code).toBe('RELATION_NOT_DECLARED');
  });
});

describe('政風: anomalies, evidence and investigations (要點 八、九、十二(二))', () => {
  beforeAll(async () => {
    // One registration through the API: its log line is shown beside it.
    await post('/query-registrations', {
      registrationId: 'SWD_2025_S1', agencyCode: AGENCY, accountId: accounts.self, operationCode: 'LI_ENROLMENT', plannedAt: '2025-03-12T09:55:00+08:00',
      caseNumber: '114社救字第0001號', reason: '資格審查', subject: { nationalId: HOLDER.self },
    }, keys.swd).expect(201);
    const line = async (name: keyof typeof HOLDER, loggedAt: string, subject: string, caseNumber = `案-${name}-${loggedAt}`) => ({
      accountId: accounts[name], loggedAt, operationCode: name === 'item' ? 'LI_SALARY' : 'LI_ENROLMENT', subject: (await protector.protectIdentifiers([subject]))[0], caseNumber, reason: '業務查詢', outcomeCode: 'FOUND',
    });
    const lines = [
      await line('self', at(12, '10:00'), HOLDER.self, '114社救字第0001號'),
      await line('colleague', at(12, '10:05'), HOLDER.target),
      await line('relative', at(12, '10:10'), MOTHER),
      await line('night', at(12, '22:30'), STRANGER(1)),
      ...(await Promise.all(Array.from({ length: 61 }, (_, i) => line('bulk', new Date(Date.parse(at(13, '10:00')) + i * 50_000).toISOString(), STRANGER(10 + i))))),
      await line('repeat', at(14, '10:00'), STRANGER(2), '案A'),
      await line('repeat', at(17, '10:00'), STRANGER(2), '案B'),
      await line('repeat', at(18, '10:00'), STRANGER(2), '案C'),
      await line('gone', at(12, '11:00'), STRANGER(3)),
      await line('item', at(12, '11:00'), STRANGER(4)),
      await line('unreg', at(12, '11:30'), STRANGER(5)),
      // Under its case assignment: the target's query about the colleague is lawful and not flagged.
      await line('target', at(12, '11:40'), HOLDER.colleague, '114社救字第0777號'),
    ].sort((a, b) => (a.loggedAt < b.loggedAt ? -1 : 1));
    const numbered = lines.map((l, i) => ({ lineNo: i + 2, ...l }));
    importId = `${AGENCY}.${'ab'.repeat(16)}`;
    const unreg = numbered.find((l) => l.accountId === accounts.unreg)!;
    await store.append(`querylog-${importId}`, [
      event('QueryLogLinesAccepted', { importId, agencyCode: AGENCY, period: '2025-03', chunk: 0, lines: numbered }, '2025-04-02T02:00:00.000Z'),
      event('UnregisteredQueriesFound', {
        importId, agencyCode: AGENCY, period: '2025-03', chunk: 0, anomaly: 'UNREGISTERED_QUERY', window: { days: 1 },
        queries: [{ lineNo: unreg.lineNo, accountId: unreg.accountId, operationCode: unreg.operationCode, loggedAt: unreg.loggedAt }],
        duty: { kind: 'EXPLAIN_UNREGISTERED_QUERY', rule: '要點 九(一)', dueDate: '2025-04-16' },
      }, '2025-04-02T02:00:00.000Z'),
    ], 'no_stream');
    // 要點 十二(六): another agency whose service BLI suspended; a query of the suspension is flagged.
    const sus = accountIdOf('SUS', 'USER', 'f0'.repeat(32));
    const { personId } = await protector.resolvePerson(STRANGER(90));
    await store.append(accountStreamId(sus), [
      event('AccountCreated', { accountId: sus, agencyCode: 'SUS', kind: 'USER', incarnation: 1, applicationId: 'app_add', holder: { personId, holderKey: 'f0'.repeat(32), nationalIdCiphertext: 'v1.a.b.c', nameCiphertext: 'v1.a.b.c' }, myEGovAccountId: 'egov:9', certificateBound: true, post: '科員', unit: '一科' }, '2025-01-10T01:00:00.000Z'),
      event('AccountQueryItemsGranted', { accountId: sus, operationCodes: ['LI_ENROLMENT'], applicationId: 'app_grant' }, '2025-01-10T02:00:00.000Z'),
    ], 'no_stream');
    await store.append('webirservice-SUS', [event('WebIRServiceSuspended', { agencyCode: 'SUS', effectiveAt: '2025-03-10T00:00:00.000Z', reason: '屆期未完成改善', reference: null, inspectionId: null }, '2025-03-10T00:00:00.000Z')], 'no_stream');
    const susImport = `SUS.${'cd'.repeat(16)}`;
    const susLine = { lineNo: 2, accountId: sus, loggedAt: at(12, '10:00'), operationCode: 'LI_ENROLMENT', subject: (await protector.protectIdentifiers([STRANGER(91)]))[0], caseNumber: '案S', reason: '業務查詢', outcomeCode: 'FOUND' };
    const last = await store.append(`querylog-${susImport}`, [event('QueryLogLinesAccepted', { importId: susImport, agencyCode: 'SUS', period: '2025-03', chunk: 0, lines: [susLine] }, '2025-04-02T02:00:00.000Z')], 'no_stream');
    lastPosition = last.position.toString();
  });

  const anomaliesOf = async (query: string, key = keys.ethics, minPosition = lastPosition) =>
    (await get(`/ethics/anomalies?${query}&minPosition=${minPosition}`, key).expect(200)).body.anomalies as { anomalyId: string; kind: string; accountId: string; state: string; evidenceCount: number }[];

  it('an investigator finds each kind, once, on the account that raised it; nothing on the query under its case assignment', async () => {
    const all = await anomaliesOf(`agency=${AGENCY}&month=2025-03`);
    const found = Object.fromEntries(Object.entries(accounts).map(([name, id]) => [name, all.filter((a) => a.accountId === id).map((a) => a.kind)]));
    expect(found).toEqual({
      self: ['SELF_QUERY'], colleague: ['COLLEAGUE_QUERY'], relative: ['DECLARED_RELATION'], night: ['OFF_HOURS'], bulk: ['BULK'], repeat: ['REPEATED_SUBJECT'],
      gone: ['QUERY_WHILE_INACTIVE'], item: ['ITEM_NOT_GRANTED'], unreg: ['UNREGISTERED_QUERY'], target: [],
    });
    for (const kind of ['SELF_QUERY', 'COLLEAGUE_QUERY', 'DECLARED_RELATION', 'OFF_HOURS', 'BULK', 'REPEATED_SUBJECT', 'UNREGISTERED_QUERY', 'QUERY_WHILE_INACTIVE', 'ITEM_NOT_GRANTED', 'QUERY_DURING_SUSPENSION']) {
      expect([kind, (await anomaliesOf(`kind=${kind}`)).length]).toEqual([kind, 1]);
    }
    expect((await anomaliesOf('agency=SUS')).map((a) => a.kind)).toEqual(['QUERY_DURING_SUSPENSION']);
    expect(JSON.stringify(all)).not.toMatch(/person_|subjectPersonId|A1\d{8}/);
    // Auditors read too; integrators do not.
    expect(await anomaliesOf(`agency=${AGENCY}`, keys.auditor)).toHaveLength(9);
    await get('/ethics/anomalies', keys.swd).expect(403);
  });

  it('counts per agency and month, and CSV with Traditional Chinese headers', async () => {
    const summary = await get(`/ethics/anomalies/summary?agency=${AGENCY}&month=2025-03`).expect(200);
    expect(summary.body.months).toEqual([expect.objectContaining({ agencyCode: AGENCY, month: '2025-03', total: 9, byState: { OPEN: 9 } })]);
    const csv = await get(`/ethics/anomalies?agency=${AGENCY}&format=csv`).expect(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.text.startsWith('\uFEFF')).toBe(true);
    expect(csv.text).toContain('異常編號');
    expect(csv.text).toContain('民國114年03月12日');
    expect((await get(`/ethics/anomalies/summary?format=csv`).expect(200)).text).toContain('合計');
  });

  it('one anomaly’s evidence: the log line beside its registration, subject masked; reveal needs a purpose and is recorded first', async () => {
    const [self] = await anomaliesOf('kind=SELF_QUERY');
    const masked = await get(`/ethics/anomalies/${self.anomalyId}`).expect(200);
    const [e] = masked.body.evidence;
    expect(e.logLine).toMatchObject({ accountId: accounts.self, caseNumber: '114社救字第0001號', subject: maskNationalId(HOLDER.self) });
    expect(e.registration).toMatchObject({ registrationId: 'SWD_2025_S1', caseNumber: '114社救字第0001號', subject: maskNationalId(HOLDER.self) });
    expect(maskNationalId(HOLDER.self)).toMatch(/\*{4}/);
    expect(e.sameSubject).toBe(true);
    expect(JSON.stringify(masked.body)).not.toContain(HOLDER.self);

    const before = (await ledger()).length;
    await get(`/ethics/anomalies/${self.anomalyId}?reveal=true`).expect(400);
    await get(`/ethics/anomalies/${self.anomalyId}?reveal=true&purpose=${encodeURIComponent('政風調查查詢己身')}`, keys.auditor).expect(403);
    expect((await ledger()).filter((x) => x.type === 'PersonalDataRead')).toHaveLength(0);
    const revealed = await get(`/ethics/anomalies/${self.anomalyId}?reveal=true&purpose=${encodeURIComponent('政風調查查詢己身')}`).expect(200);
    expect(revealed.body.evidence[0].logLine.subject).toBe(HOLDER.self);
    const reads = (await ledger()).slice(before).filter((x) => x.type === 'PersonalDataRead');
    expect(reads).toHaveLength(1);
    expect(reads[0].data).toMatchObject({ reader: 'ethics_1', purpose: '政風調查查詢己身', records: [self.anomalyId, `${importId}.${e.logLine.lineNo}`] });
    expect(JSON.stringify(reads[0].data)).not.toContain(HOLDER.self);

    // The reconciliation's finding shows its log line too, found through the chunk that holds it.
    const [unreg] = await anomaliesOf('kind=UNREGISTERED_QUERY');
    const u = await get(`/ethics/anomalies/${unreg.anomalyId}`).expect(200);
    expect(u.body.evidence[0]).toMatchObject({ registration: null, logLine: { accountId: accounts.unreg, subject: expect.stringMatching(/^A10\*{4}\d{3}$/) } });
    await get('/ethics/anomalies/SELF_QUERY:999999:1').expect(404);
    expect((await get('/ethics/anomalies/not-an-id').expect(400)).body.fields[0].field).toBe('anomalyId');
  });

  it('an investigation is opened, noted and concluded; a violation opens the joint audit report (要點 十二(二))', async () => {
    const [self] = await anomaliesOf('kind=SELF_QUERY');
    const [night] = await anomaliesOf('kind=OFF_HOURS');
    await post('/ethics/investigations', { investigationId: 'ETH_1', anomalyIds: [self.anomalyId], title: '疑似查詢己身資料' }, keys.auditor).expect(403);
    const unknown = await post('/ethics/investigations', { investigationId: 'ETH_0', anomalyIds: ['SELF_QUERY:999999:1'], title: '不存在' }, keys.ethics).expect(422);
    expect(unknown.body.code).toBe('ANOMALY_UNKNOWN');
    const opened = await post('/ethics/investigations', { investigationId: 'ETH_1', anomalyIds: [self.anomalyId], title: '疑似查詢己身資料' }, keys.ethics).expect(201);
    await post('/ethics/investigations', { investigationId: 'ETH_2', anomalyIds: [self.anomalyId], title: '重複' }, keys.ethics).expect(422);
    await post('/ethics/investigations/ETH_1/notes', { text: '114年4月3日約談當事人' }, keys.ethics).expect(201);
    await post('/ethics/investigations/ETH_1/evidence', { kind: 'DOCUMENT', reference: '政風室114年第12號簽', description: '約談紀錄' }, keys.ethics).expect(201);
    const concluded = await post('/ethics/investigations/ETH_1/conclusion', { conclusion: 'VIOLATION', summary: '查詢非屬分案範圍' }, keys.ethics).expect(201);
    await post('/ethics/investigations/ETH_1/notes', { text: '補充' }, keys.ethics).expect(422);

    expect(opened.body.events).toEqual([{ type: 'InvestigationOpened', revision: 0 }]);
    const violation = await anomaliesOf('state=VIOLATION', keys.ethics, concluded.body.position);
    expect(violation.map((a) => a.anomalyId)).toEqual([self.anomalyId]);
    const investigation = await get(`/ethics/investigations/ETH_1?minPosition=${concluded.body.position}`, keys.auditor).expect(200);
    expect(investigation.body).toMatchObject({ state: 'CONCLUDED', conclusion: 'VIOLATION', notes: [{ noteNo: 1 }], evidence: [{ evidenceNo: 1, kind: 'DOCUMENT' }] });
    const jointAuditId = investigation.body.jointAudit.jointAuditId as string;
    expect(jointAuditId).toMatch(/^[0-9a-f-]{36}$/);
    const obligations = await t.http().get(`/obligations?agency=${AGENCY}&kind=JOINT_AUDIT_REPORT&minPosition=${concluded.body.position}`).set('X-API-Key', keys.auditor).expect(200);
    expect(obligations.body.obligations).toEqual([expect.objectContaining({ kind: 'JOINT_AUDIT_REPORT', rule: '要點 十二(二)', subject: jointAuditId, dueDate: '2025-05-05', state: 'open' })]);

    // Justified and unfounded open nothing.
    await post('/ethics/investigations', { investigationId: 'ETH_3', anomalyIds: [night.anomalyId], title: '加班查詢' }, keys.ethics).expect(201);
    const justified = await post('/ethics/investigations/ETH_3/conclusion', { conclusion: 'JUSTIFIED', summary: '經核准加班' }, keys.ethics).expect(201);
    const list = await get(`/ethics/investigations?agency=${AGENCY}&minPosition=${justified.body.position}`, keys.auditor).expect(200);
    expect(list.body.investigations.map((i: { investigationId: string; conclusion: string }) => [i.investigationId, i.conclusion])).toEqual([['ETH_1', 'VIOLATION'], ['ETH_3', 'JUSTIFIED']]);
    const obligationsAfter = await t.http().get(`/obligations?kind=JOINT_AUDIT_REPORT&minPosition=${justified.body.position}`).set('X-API-Key', keys.auditor).expect(200);
    expect(obligationsAfter.body.count).toBe(1);
    expect((await get('/ethics/investigations?format=csv').expect(200)).text).toContain('調查案號');
  });

  it('bad input is a 400 naming the field; a refused command appends nothing; no subject in clear in any event', async () => {
    const before = (await withoutSecurity()).length;
    for (const [query, field] of [['month=2025-13', 'month'], ['kind=NOPE', 'kind'], ['limit=0', 'limit'], ['from=2025-02-30', 'from'], ['knownAt=2025-03-01T10:00:00', 'knownAt'], ['account=x', 'account']]) {
      const res = await get(`/ethics/anomalies?${query}`).expect(400);
      expect([query, JSON.stringify(res.body)]).toEqual([query, expect.stringContaining(field)]);
    }
    await post('/ethics/investigations', { investigationId: 'bad-id', anomalyIds: ['x'], title: '' }, keys.ethics).expect(400);
    await post('/ethics/investigations/ETH_9/notes', { text: `查詢${HOLDER.self}` }, keys.ethics).expect(400);
    await post('/ethics/investigations/ETH_9/notes', { text: '未開案' }, keys.ethics).expect(422);
    expect((await withoutSecurity()).length).toBe(before);
    const text = JSON.stringify((await ledger()).map((e) => [e.streamId, e.data]));
    for (const id of [...Object.values(HOLDER), MOTHER]) expect(text).not.toContain(id);
  });
});
