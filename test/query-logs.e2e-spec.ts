import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { accountIdOf, accountStreamId, queryItemStreamId } from '@ledger/domain';
import { SqliteEventStore, type EventStore, type RecordedEvent } from '@ledger/event-store';
import { EVENT_STORE } from '../apps/ledger-api/src/infrastructure/event-store.provider';
import { ADMIN_KEY, startTestApp } from './support/app';
import { encode, LOG_HEADER, logLine, LogRow, nationalId } from './support/webir-log';

/**
 * A month of one agency over HTTP (要點 九(一)(二)): queries registered, the administrator's WebIR
 * log for March imported in Big5 with ROC dates, reconciled; a re-import; February imported after
 * March in UTF-8 with BOM and ISO dates; the reads, the CSV, the subject search (recorded), and the
 * explanation duty met by an explanation and by a late registration.
 */
const AGENCY = 'SWD';
const USER = accountIdOf(AGENCY, 'USER', 'ab'.repeat(32));
const ADMIN = accountIdOf(AGENCY, 'ADMIN', 'cd'.repeat(32));
const S = [nationalId(1), nationalId(2), nationalId(3), nationalId(4)];

let t: Awaited<ReturnType<typeof startTestApp>>;
const keys: Record<string, string> = {};
const now = new Date('2025-04-02T01:00:00.000Z');

const meta = (occurredAt: string) => ({ $correlationId: randomUUID(), $causationId: randomUUID(), commandId: randomUUID(), actor: 'seed', occurredAt });
const event = (type: string, data: Record<string, unknown>, occurredAt: string) => ({ eventId: randomUUID(), type, data, metadata: meta(occurredAt) });
const store = () => t.app.get<EventStore>(EVENT_STORE);
const allEvents = (): Promise<RecordedEvent[]> => store().readAll({ maxCount: 100_000 });

async function issueKey(principalId: string, roles: string[], agencies: string[]): Promise<string> {
  return (await t.http().post('/auth/keys').set('X-API-Key', ADMIN_KEY).send({ principalId, roles, agencies }).expect(201)).body.apiKey;
}

const registration = (registrationId: string, subject: string, plannedAt: string, caseNumber = '114社救字第0001號') => ({
  registrationId, agencyCode: AGENCY, accountId: USER, operationCode: 'LI_ENROLMENT', plannedAt, caseNumber, reason: '低收入戶資格審查', subject: { nationalId: subject },
});

const row = (over: Partial<LogRow>): string =>
  logLine({ accountId: USER, date: '114/03/05', time: '10:00:00', operationCode: 'LI_ENROLMENT', subject: S[0], caseNumber: '114社救字第0001號', reason: '低收入戶資格審查', result: '成功', ...over });

const upload = (body: Buffer, query: string, key = keys.swd, type = 'text/csv') =>
  t.http().post(`/query-logs?${query}`).set('X-API-Key', key).set('Content-Type', type).send(body);

// March, Big5, ROC dates in both styles.
const march = [
  row({}), // line 2: registered R1 (same Taipei day)
  row({ date: '1140305', time: '23:59:59', subject: S[1] }), // line 3: registered R2 at 00:10, logged 23:59:59 the same Taipei day
  row({ date: '114/03/06', time: '00:00:00', subject: S[2] }), // line 4: R3 planned the 5th: next Taipei day → UNREGISTERED
  row({ date: '114/03/07', subject: S[3], caseNumber: '114社救字第0009號' }), // line 5: no registration → UNREGISTERED
  row({ date: '114/02/30' }), // line 6: impossible day → rejected
  row({}), // line 7: duplicate of line 2 → rejected
  row({ date: '114/03/08', result: '投保薪資 45800' }), // line 8: result with returned data → rejected, never kept
  row({ time: '15:00:00' }), // line 9: the same registration R1 queried again the same day: matched (repeat)
];
const marchFile = encode([LOG_HEADER, ...march].join('\r\n') + '\r\n', 'BIG5');

beforeAll(async () => {
  t = await startTestApp({}, { clock: () => now });
  const item = { agencyCode: AGENCY, operationCode: 'LI_ENROLMENT' };
  await store().append(
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
  for (const [id, kind, key] of [[USER, 'USER', 'ab'], [ADMIN, 'ADMIN', 'cd']] as const) {
    const holder = { personId: `person_${key}`, holderKey: key.repeat(32), nationalIdCiphertext: 'v1.a.b.c', nameCiphertext: 'v1.d.e.f' };
    await store().append(
      accountStreamId(id),
      [
        event('AccountCreated', { accountId: id, agencyCode: AGENCY, kind, incarnation: 1, applicationId: `app_${key}`, holder, myEGovAccountId: 'egov:1', certificateBound: true, post: '科員', unit: '社會救助科' }, '2025-01-10T01:00:00.000Z'),
        ...(kind === 'USER' ? [event('AccountQueryItemsGranted', { accountId: id, operationCodes: ['LI_ENROLMENT'], applicationId: 'app_grant' }, '2025-01-10T02:00:00.000Z')] : []),
      ],
      'no_stream',
    );
  }
  keys.swd = await issueKey('svc_swd', ['integrator'], [AGENCY]);
  keys.other = await issueKey('svc_dist', ['integrator'], ['DIST']);
  keys.auditor = await issueKey('auditor_1', ['auditor'], []);
  keys.ethics = await issueKey('ethics_1', ['ethics'], []);
  const res = await t
    .http()
    .post('/query-registrations/batch')
    .set('X-API-Key', keys.swd)
    .send({
      commandId: randomUUID(),
      registrations: [
        registration('R1', S[0], '2025-03-05T09:30:00+08:00'),
        registration('R2', S[1], '2025-03-05T00:10:00+08:00'),
        registration('R3', S[2], '2025-03-05T20:00:00+08:00'),
        registration('R4', S[0], '2025-03-20T09:00:00+08:00', '114社救字第0002號'), // never logged: not performed
        registration('F1', S[0], '2025-02-10T09:00:00+08:00'),
      ],
    })
    .expect(200);
  expect(res.body.outcomes.map((o: { status: string }) => o.status)).toEqual(['REGISTERED', 'REGISTERED', 'REGISTERED', 'REGISTERED', 'REGISTERED']);
});
afterAll(() => t.close());

describe('WebIR query log import over HTTP (要點 九(二))', () => {
  let importId: string;

  it('要點 九(二): imports a Big5 file with ROC dates: every line accounted for, malformed and duplicate lines rejected with number and reason', async () => {
    const res = await upload(marchFile, `agency=${AGENCY}&month=2025-03&fileName=SWD_202503.csv&downloadedBy=${ADMIN}`).expect(201);
    importId = res.body.importId;
    expect(res.body).toMatchObject({
      agencyCode: AGENCY, period: '2025-03', encoding: 'BIG5', lineCount: 8, acceptedCount: 5, rejectedCount: 3, alreadyImported: false,
      matchedCount: 3, unregisteredCount: 2, byteLength: marchFile.length,
    });
    expect(res.body.rejectedSample).toEqual([
      { lineNo: 6, code: 'BAD_DATE', field: 'queryDate', reason: expect.any(String) },
      { lineNo: 7, code: 'DUPLICATE_LINE', reason: '與第 2 行重複' },
      { lineNo: 8, code: 'UNKNOWN_OUTCOME', field: 'outcome', reason: expect.any(String) },
    ]);
    const events = (await allEvents()).filter((e) => e.streamId === `querylog-${importId}`);
    expect(events.map((e) => e.type)).toEqual(['QueryLogImportStarted', 'QueryLogLinesAccepted', 'QueryLogLinesRejected', 'QueryLogImportCompleted', 'UnregisteredQueriesFound', 'QueryLogReconciled']);
    expect(events[0].data).toMatchObject({ downloadedBy: ADMIN, file: { encoding: 'BIG5', fileName: 'SWD_202503.csv' } });
    const text = JSON.stringify(events.map((e) => e.data));
    // 要點 十一: no subject in the clear, no data BLI returned.
    for (const id of S) expect(text).not.toContain(id);
    expect(text).not.toContain('45800');
    expect((events[4].data as { queries: { lineNo: number }[] }).queries.map((q) => q.lineNo)).toEqual([4, 5]);
  });

  it('要點 九(二): the same file again appends nothing and answers 200 with the recorded outcome', async () => {
    const before = (await allEvents()).length;
    const res = await upload(marchFile, `agency=${AGENCY}&month=2025-03`).expect(200);
    expect(res.body).toMatchObject({ importId, alreadyImported: true, eventsAppended: 0, matchedCount: 3, unregisteredCount: 2 });
    expect((await allEvents()).length).toBe(before);
  });

  it('要點 九(二): the same file declared for another month is refused, appending nothing', async () => {
    const before = (await allEvents()).length;
    const res = await upload(marchFile, `agency=${AGENCY}&month=2025-04`).expect(422);
    expect(res.body).toMatchObject({ code: 'QUERY_LOG_PERIOD_CONFLICT', rule: '要點 九(二)' });
    expect((await allEvents()).length).toBe(before);
  });

  it('bad input is a 4xx naming the field, never a 5xx', async () => {
    expect((await upload(marchFile, 'agency=SWD&month=2025-13').expect(400)).body.fields[0].field).toBe('month');
    expect((await upload(marchFile, 'month=2025-03').expect(400)).body.fields[0].field).toBe('agency');
    expect((await upload(Buffer.from('a,b,c\r\n1,2,3\r\n'), 'agency=SWD&month=2025-03').expect(400)).body.message).toContain('缺少欄位');
    expect((await upload(Buffer.alloc(0), 'agency=SWD&month=2025-03').expect(400)).body.fields[0].field).toBe('file');
    await upload(marchFile, 'agency=SWD&month=2025-03', keys.swd, 'application/json').expect(415);
    await upload(marchFile, 'agency=SWD&month=2025-03', keys.swd, 'image/png').expect(415);
    await upload(marchFile, 'agency=SWD&month=2025-03', keys.other).expect(403);
    expect((await upload(marchFile, `agency=SWD&month=2025-03&downloadedBy=${USER}`).expect(422)).body.code).toBe('QUERY_LOG_NOT_BY_ADMINISTRATOR');
    expect((await upload(marchFile, 'agency=SWD&month=2025-03&downloadedBy=nobody').expect(400)).body.fields[0].field).toBe('downloadedBy');
    const notAdmin = await upload(encode(LOG_HEADER + '\r\n', 'UTF-8'), `agency=SWD&month=2025-03&downloadedBy=${accountIdOf(AGENCY, 'ADMIN', 'ef'.repeat(32))}`).expect(422);
    expect(notAdmin.body.code).toBe('QUERY_LOG_NOT_BY_ADMINISTRATOR');
  });

  it('要點 九(二): February imported after March (UTF-8 with BOM, ISO dates) gives the same March and its own month', async () => {
    const feb = encode([LOG_HEADER, row({ date: '2025-02-10', time: '09:05' }), row({ date: '20250211', subject: S[1] })].join('\n') + '\n', 'UTF-8-BOM');
    const res = await upload(feb, `agency=${AGENCY}&month=2025-02`).expect(201);
    expect(res.body).toMatchObject({ encoding: 'UTF-8-BOM', lineCount: 2, acceptedCount: 2, matchedCount: 1, unregisteredCount: 1 });
    const summary = await t.http().get(`/query-reconciliation?agency=${AGENCY}&month=2025-02`).set('X-API-Key', keys.auditor).expect(200);
    expect(summary.body).toMatchObject({ registered: 1, performed: 1, notPerformed: 0, logged: 2, matched: 1, unregistered: 1 });
  });
});

describe('reconciliation and reads (要點 九(一)、十二(一))', () => {
  it('要點 九(一): the month summary: registered, performed, not performed, logged, matched, unregistered, explained', async () => {
    const res = await t.http().get(`/query-reconciliation?agency=${AGENCY}&month=2025-03`).set('X-API-Key', keys.swd).expect(200);
    expect(res.body).toMatchObject({
      agencyCode: AGENCY, month: '2025-03', monthRoc: '民國114年03月', window: { days: 1 },
      registered: 4, performed: 2, notPerformed: 2, logged: 5, matched: 3, unregistered: 2, loggedMoreThanOnce: 1, rejected: 3, imports: 1, importsIncomplete: 0, foundUnregistered: 2, explained: 0,
    });
    expect(res.body.files).toHaveLength(1);
    const csv = await t.http().get(`/query-reconciliation?agency=${AGENCY}&month=2025-03&format=csv`).set('X-API-Key', keys.auditor).expect(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.text.startsWith('\uFEFF機關代號,月份,登記筆數')).toBe(true);
    expect(csv.text).toContain('SWD,民國114年03月,4,2,2,5,3,2,0,2,1,0,0,3,1,0,');
  });

  it('要點 九(二): logged queries by month in pages; integrators never see the subject, auditors see its person id', async () => {
    const first = await t.http().get(`/logged-queries?agency=${AGENCY}&month=2025-03&limit=2`).set('X-API-Key', keys.swd).expect(200);
    expect(first.body.queries.map((q: { lineNo: number }) => q.lineNo)).toEqual([2, 9]);
    expect(first.body.queries[0]).not.toHaveProperty('subjectPersonId');
    expect(first.body.queries[0]).not.toHaveProperty('personId');
    expect(first.body.queries[0]).toMatchObject({ loggedAtRoc: '民國114年03月05日 10:00:00', registered: true, outcomeCode: 'FOUND' });
    const rest = await t.http().get(`/logged-queries?agency=${AGENCY}&month=2025-03&limit=10&after=${encodeURIComponent(first.body.next)}`).set('X-API-Key', keys.swd).expect(200);
    expect(rest.body.queries.map((q: { lineNo: number }) => q.lineNo)).toEqual([3, 4, 5]);
    const audited = await t.http().get(`/logged-queries?agency=${AGENCY}&month=2025-03&registered=false`).set('X-API-Key', keys.auditor).expect(200);
    expect(audited.body.queries.map((q: { lineNo: number; subjectPersonId: string }) => [q.lineNo, q.subjectPersonId.startsWith('person_')])).toEqual([[4, true], [5, true]]);
    const byCase = await t.http().get(`/logged-queries?agency=${AGENCY}&caseNumber=${encodeURIComponent('114社救字第0009號')}`).set('X-API-Key', keys.auditor).expect(200);
    expect(byCase.body.queries.map((q: { lineNo: number }) => q.lineNo)).toEqual([5]);
    const csv = await t.http().get(`/logged-queries?agency=${AGENCY}&month=2025-03&format=csv`).set('X-API-Key', keys.swd).expect(200);
    expect(csv.text.startsWith('\uFEFF匯入批號,行號')).toBe(true);
    expect(csv.text).toContain('民國114年03月05日 23:59:59');
    expect(csv.text).not.toContain('person_');
    await t.http().get(`/logged-queries?month=2025-03`).set('X-API-Key', keys.swd).expect(400);
    await t.http().get(`/logged-queries?agency=${AGENCY}`).set('X-API-Key', keys.other).expect(403);
    const rejected = await t.http().get(`/query-logs/${first.body.queries[0].importId}/rejected-lines`).set('X-API-Key', keys.auditor).expect(200);
    expect(rejected.body.lines.map((l: { lineNo: number; code: string }) => [l.lineNo, l.code])).toEqual([[6, 'BAD_DATE'], [7, 'DUPLICATE_LINE'], [8, 'UNKNOWN_OUTCOME']]);
  });

  it('要點 八、九(二): search by subject (blind index) for auditor and ethics only; the read is recorded before the answer', async () => {
    await t.http().post('/logged-queries/search').set('X-API-Key', keys.swd).send({ nationalId: S[0], purpose: '查核' }).expect(403);
    await t.http().post('/logged-queries/search').set('X-API-Key', keys.ethics).send({ nationalId: 'A123456780', purpose: '查核' }).expect(400);
    await t.http().post('/logged-queries/search').set('X-API-Key', keys.ethics).send({ nationalId: S[0] }).expect(400);
    const res = await t.http().post('/logged-queries/search').set('X-API-Key', keys.ethics).send({ nationalId: S[0], purpose: '政風案件 114-007', month: '2025-03' }).expect(200);
    expect(res.body.queries.map((q: { lineNo: number }) => q.lineNo)).toEqual([2, 9]);
    const reads = (await allEvents()).filter((e) => e.type === 'PersonalDataRead' && (e.data as { route: string }).route === '/logged-queries/search');
    expect(reads.at(-1)!.data).toMatchObject({ reader: 'ethics_1', purpose: '政風案件 114-007', fields: ['nationalId'], personIds: [expect.stringMatching(/^person_/)] });
    expect(JSON.stringify(reads.map((e) => e.data))).not.toContain(S[0]);
  });

  it('要點 九(一): each unregistered query opens EXPLAIN_UNREGISTERED_QUERY (14 days); an explanation and a late registration meet it', async () => {
    const open = await t.http().get(`/obligations?agency=${AGENCY}`).set('X-API-Key', keys.auditor).expect(200);
    const duties = (open.body.obligations ?? open.body).filter((o: { kind: string }) => o.kind === 'EXPLAIN_UNREGISTERED_QUERY');
    expect(duties.map((o: { subject: string; dueDate: string; state: string }) => [o.subject.split('.').pop(), o.dueDate, o.state]).sort()).toEqual([
      ['3', '2025-04-16', 'open'], ['4', '2025-04-16', 'open'], ['5', '2025-04-16', 'open'],
    ]);
    const march = (await t.http().get(`/query-logs?agency=${AGENCY}&month=2025-03`).set('X-API-Key', keys.swd).expect(200)).body.imports[0].importId;
    const explain = (lineNo: number, body: object, key = keys.swd) =>
      t.http().post(`/query-logs/${march}/lines/${lineNo}/explanation`).set('X-API-Key', key).send({ commandId: randomUUID(), ...body });
    await explain(5, { resolution: 'EXPLANATION', explanation: '系統異常,登記表以紙本填寫,已補附' }).expect(201);
    expect((await explain(2, { resolution: 'EXPLANATION', explanation: '無' }).expect(422)).body.code).toBe('UNREGISTERED_QUERY_NOT_FOUND');
    expect((await explain(4, { resolution: 'LATE_REGISTRATION', registrationId: 'R1' }).expect(422)).body.code).toBe('LATE_REGISTRATION_MISMATCH');
    await explain(4, { resolution: 'EXPLANATION' }).expect(400);
    await explain(4, { resolution: 'EXPLANATION', explanation: 'x' }, keys.other).expect(403);
    // The late registration of line 4's query (06 March), then named as its resolution.
    await t.http().post('/query-registrations').set('X-API-Key', keys.swd).send({ commandId: randomUUID(), ...registration('R3b', S[2], '2025-03-06T00:00:00+08:00') }).expect(201);
    const late = await explain(4, { resolution: 'LATE_REGISTRATION', registrationId: 'R3b' }).expect(201);
    const met = await t.http().get(`/obligations?agency=${AGENCY}&minPosition=${late.body.position}`).set('X-API-Key', keys.auditor).expect(200);
    const states = (met.body.obligations ?? met.body).filter((o: { kind: string }) => o.kind === 'EXPLAIN_UNREGISTERED_QUERY').map((o: { subject: string; state: string }) => [o.subject.split('.').pop(), o.state]);
    expect(states.sort()).toEqual([['3', 'open'], ['4', 'met'], ['5', 'met']]);
    const summary = await t.http().get(`/query-reconciliation?agency=${AGENCY}&month=2025-03&minPosition=${late.body.position}`).set('X-API-Key', keys.auditor).expect(200);
    expect(summary.body).toMatchObject({ registered: 5, matched: 4, unregistered: 1, explained: 2, unexplained: 0 });
  });
});

describe('npm run cli -- import-log (要點 九(二))', () => {
  const root = resolve(__dirname, '..');
  const dataDir = mkdtempSync(join(tmpdir(), 'ledger-cli-log-'));
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['-r', '@swc-node/register', 'apps/ledger-cli/src/main.ts', ...args], {
      cwd: root,
      env: { ...process.env, LEDGER_DATA_DIR: dataDir, EVENTSTORE_URL: '', LEDGER_LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 120_000,
    });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('imports a Big5 sample, prints the outcome as JSON and exits 0; the same file again appends nothing', () => {
    const file = 'test/fixtures/webir-logs/swd001-2025-03.big5.csv';
    const first = cli('import-log', file, '--agency', 'SWD001', '--month', '2025-03');
    expect(first.status).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ encoding: 'BIG5', lineCount: 11, acceptedCount: 6, rejectedCount: 5, unregisteredCount: 6, alreadyImported: false });
    const again = cli('import-log', file, '--agency', 'SWD001', '--month', '2025-03');
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ alreadyImported: true, eventsAppended: 0 });
  }, 240_000);

  it('projects the query-logs read model on a thread (LEDGER_PROJECTIONS=thread) or in its event loop (run) with the same outcome; stdout holds the JSON outcome only', () => {
    const outcomes = ['thread', 'run'].map((projections) => {
      const own = mkdtempSync(join(tmpdir(), `ledger-cli-${projections}-`));
      try {
        const run = spawnSync(process.execPath, ['-r', '@swc-node/register', 'apps/ledger-cli/src/main.ts', 'import-log', 'test/fixtures/webir-logs/swd001-2025-03.utf8.csv', '--agency', 'SWD001', '--month', '2025-03'], {
          cwd: root,
          // Log level info: the thread's start-up lines would be on stdout, breaking the JSON, were they not sent to stderr.
          env: { ...process.env, LEDGER_DATA_DIR: own, EVENTSTORE_URL: '', LEDGER_LOG_LEVEL: 'info', LEDGER_PROJECTIONS: projections },
          encoding: 'utf8',
          timeout: 120_000,
        });
        expect(run.status).toBe(0);
        return JSON.parse(run.stdout) as Record<string, unknown>;
      } finally {
        rmSync(own, { recursive: true, force: true });
      }
    });
    expect(outcomes[0]).toMatchObject({ lineCount: 11, acceptedCount: 6, rejectedCount: 5, unregisteredCount: 6, matchedCount: 0, alreadyImported: false });
    expect(outcomes[0]).toEqual(outcomes[1]);
  }, 240_000);

  it('exits 75 (try again) when another process keeps the event log locked past LEDGER_SQLITE_BUSY_TIMEOUT_MS, and the same command then imports the file', async () => {
    const own = mkdtempSync(join(tmpdir(), 'ledger-cli-busy-'));
    try {
      const run = (busyMs: string) =>
        spawnSync(process.execPath, ['-r', '@swc-node/register', 'apps/ledger-cli/src/main.ts', 'import-log', 'test/fixtures/webir-logs/swd001-2025-03.big5.csv', '--agency', 'SWD001', '--month', '2025-03'], {
          cwd: root,
          env: { ...process.env, LEDGER_DATA_DIR: own, EVENTSTORE_URL: '', LEDGER_LOG_LEVEL: 'silent', LEDGER_SQLITE_BUSY_TIMEOUT_MS: busyMs },
          encoding: 'utf8',
          timeout: 120_000,
        });
      // An embedded ledger whose event log another process (here this one) holds the write lock of.
      await new SqliteEventStore({ file: join(own, 'events.db') }).close();
      const log = new Database(join(own, 'events.db'));
      log.exec('BEGIN IMMEDIATE');
      const busy = run('200');
      log.exec('COMMIT');
      log.close();
      expect(busy.stderr).toMatch(/^unavailable: event log busy: another connection held its write lock .*run the same command again/m);
      expect(busy.status).toBe(75);
      const after = run('5000');
      expect(after.status).toBe(0);
      expect(JSON.parse(after.stdout)).toMatchObject({ lineCount: 11, acceptedCount: 6, alreadyImported: false });
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  }, 240_000);

  it('refuses a bad month or another month for the same file with exit 1 and the reason; bad options exit 2', () => {
    const file = 'test/fixtures/webir-logs/swd001-2025-03.big5.csv';
    const bad = cli('import-log', file, '--agency', 'SWD001', '--month', '2025-3');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('month');
    const conflict = cli('import-log', file, '--agency', 'SWD001', '--month', '2025-04');
    expect(conflict.status).toBe(1);
    expect(conflict.stderr).toContain('QUERY_LOG_PERIOD_CONFLICT');
    expect(cli('import-log', file, '--agency', 'SWD001').status).toBe(2);
  }, 240_000);
});
