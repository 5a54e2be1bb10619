import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Response } from 'supertest';
import { drawSample, queryLogImportId, queryLogStreamId } from '@ledger/domain';
import type { EventStore } from '@ledger/event-store';
import { EVENT_STORE } from '../apps/ledger-api/src/infrastructure/event-store.provider';
import { ADMIN_KEY, startTestApp } from './support/app';
import { allEvents } from './support/ledger-counts';

/**
 * One requester agency's first quarter of 2025 (要點 十二): three monthly sampling checks — one with
 * a major anomaly that opens a joint audit, an empty month, one signed off late — the quarterly
 * submission held open by a missing month, the joint audit report and its breach review, and the
 * yearly audits; every act refused from a principal that does not act for the body named.
 */
const CENTRAL = 'DIT001';
const AUTHORITY = 'LAB001';
const REQUESTER = 'SWD001';
const CHECKER = 'person_swd_checker';

let t: Awaited<ReturnType<typeof startTestApp>>;
const keys: Record<string, string> = {};
let now = new Date('2025-01-02T01:00:00.000Z');
const advanceTo = (iso: string) => (now = new Date(iso));

beforeAll(async () => {
  t = await startTestApp({}, { clock: () => now });
});
afterAll(() => t.close());

const send = (path: string, body: object, key: string) => t.http().post(path).set('X-API-Key', key).send({ commandId: randomUUID(), ...body });
const read = (path: string, key = keys.auditor) => t.http().get(path).set('X-API-Key', key);
const ledgerCount = async () => (await allEvents(t)).filter((e) => !e.streamId.startsWith('security-') && e.streamId !== 'ledger-checkpoints').length;
async function appendsNothing(request: () => PromiseLike<Response>): Promise<Response> {
  const before = await ledgerCount();
  const res = await request();
  expect(await ledgerCount()).toBe(before);
  return res;
}
const expectRefusal = (res: Response, status: number, code: string) => expect({ status: res.status, code: res.body.code }).toEqual({ status, code });

async function issueKey(principalId: string, roles: string[], agencies: string[]): Promise<string> {
  return (await t.http().post('/auth/keys').set('X-API-Key', ADMIN_KEY).send({ principalId, roles, agencies }).expect(201)).body.apiKey;
}

/**
 * The WebIR log of a month as the query-log import records it (QueryLogImportStarted → accepted
 * lines → QueryLogImportCompleted); appended to the store directly, as the import would.
 */
async function importLog(month: string, lines: number): Promise<{ importId: string; sha256: string }> {
  const sha256 = createHash('sha256').update(`WebIR ${REQUESTER} ${month}`).digest('hex');
  const importId = queryLogImportId(REQUESTER, sha256);
  const loggedAt = `${month}-10T02:00:00.000Z`;
  const meta = () => ({ $correlationId: 'c', $causationId: 'c', commandId: randomUUID(), actor: 'svc_swd', occurredAt: now.toISOString(), schemaVersion: 1 });
  const base = { importId, agencyCode: REQUESTER, period: month };
  const accepted = Array.from({ length: lines }, (_, i) => ({
    lineNo: i + 2, accountId: `${REQUESTER}.USER.${'ab'.repeat(32)}`, loggedAt, operationCode: 'LI_ENROLMENT',
    subject: { personId: `person_${i}`, nationalIdCiphertext: 'v1.iv.tag.ct' }, caseNumber: `C${i}`, reason: '低收入戶審核', outcomeCode: 'FOUND',
  }));
  const store = t.app.get<EventStore>(EVENT_STORE);
  await store.append(queryLogStreamId(importId), [
    { eventId: randomUUID(), type: 'QueryLogImportStarted', data: { ...base, file: { sha256, byteLength: 100, encoding: 'UTF-8', layout: 'webir-query-log/1', columns: [] }, lineCount: lines, acceptedCount: lines, rejectedCount: 0, chunkLines: 500, acceptedChunks: lines ? 1 : 0, rejectedChunks: 0 }, metadata: meta() },
    ...(lines ? [{ eventId: randomUUID(), type: 'QueryLogLinesAccepted', data: { ...base, chunk: 0, lines: accepted }, metadata: meta() }] : []),
    { eventId: randomUUID(), type: 'QueryLogImportCompleted', data: { ...base, sha256, lineCount: lines, acceptedCount: lines, rejectedCount: 0, firstLoggedAt: lines ? loggedAt : null, lastLoggedAt: lines ? loggedAt : null }, metadata: meta() },
  ], 'no_stream');
  return { importId, sha256 };
}

/** Signs a checkpoint now (the service also signs one at every Taipei month close). */
const checkpoint = async () => (await t.http().post('/ledger/checkpoints').set('X-API-Key', ADMIN_KEY).expect(201)).body;

const monthly = (month: string, what: string) => `/checks/monthly/${REQUESTER}/${month}/${what}`;

describe("one requester agency's quarter of checks and audits (要點 十二)", () => {
  let janSample: string[] = [];
  let jointAuditId = '';
  let lastPosition = '0';

  it('registers the three bodies, approves the requester and designates its dedicated staff (要點 二、十(一))', async () => {
    for (const [code, name, role] of [[CENTRAL, '資訊處', 'CENTRAL_ADMIN'], [AUTHORITY, '勞工局', 'COMPETENT_AUTHORITY'], [REQUESTER, '社會局', 'DATA_REQUESTER']]) {
      await send('/agencies', { agencyCode: code, name, role }, ADMIN_KEY).expect(201);
      keys[code] = await issueKey(`svc_${code.toLowerCase()}`, ['integrator'], [code]);
    }
    keys.auditor = await issueKey('auditor_1', ['auditor'], []);
    await send(`/agencies/${REQUESTER}/approval`, { reference: '北市勞資字第1140000001號' }, keys[AUTHORITY]).expect(201);
    await send(`/agencies/${REQUESTER}/personnel`, { personnelRole: 'DEDICATED_STAFF', personId: CHECKER, effectiveDate: '2025-01-02' }, keys[REQUESTER]).expect(201);
  });

  it('要點 十二(一): January cannot be drawn before it closes (Asia/Taipei), nor by anyone but the agency', async () => {
    await importLog('2025-01', 25);
    advanceTo('2025-01-31T15:59:00.000Z'); // 23:59 on 01-31 in Taipei
    expectRefusal(await appendsNothing(() => send(monthly('2025-01', 'draw'), {}, keys[REQUESTER])), 422, 'SAMPLE_MONTH_NOT_CLOSED');
    advanceTo('2025-01-31T16:00:05.000Z'); // 00:00:05 on 02-01 in Taipei
    expect((await read(monthly('2025-01', 'sample'))).body.recomputed).toBeNull();
    await checkpoint();
    expectRefusal(await appendsNothing(() => send(monthly('2025-01', 'draw'), {}, ADMIN_KEY)), 403, 'SIGNER_NOT_ALLOWED');
    expectRefusal(await appendsNothing(() => send(monthly('2025-01', 'draw'), {}, keys[AUTHORITY])), 403, 'SIGNER_NOT_ALLOWED');
  });

  it('要點 十二(一): the draw is recomputable from the closing checkpoint and the log digest; another seed is refused', async () => {
    const preview = (await read(`${monthly('2025-01', 'sample')}?minPosition=1`).expect(200)).body;
    expect(preview.closingCheckpoint.recordedAt >= '2025-01-31T16:00:00.000Z').toBe(true);
    expect(preview.recomputed).toMatchObject({ population: 25, sampleSize: 10 });
    // An outsider's recomputation from what the route published.
    const cp = preview.closingCheckpoint;
    const outsider = drawSample({ agencyCode: REQUESTER, month: '2025-01', checkpoint: cp, logDigests: preview.recomputed.logDigests, entryIds: preview.entryIds }, (d) => createHash('sha256').update(d).digest());
    expect(outsider.sample).toEqual(preview.recomputed.sample);

    expectRefusal(await appendsNothing(() => send(monthly('2025-01', 'draw'), { expectedSeed: 'ab'.repeat(32) }, keys[REQUESTER])), 422, 'SAMPLE_SEED_MISMATCH');
    // A seed is 64 random hex digits; one that reads as a checksum-valid ID in capitals is still a seed.
    expectRefusal(await appendsNothing(() => send(monthly('2025-01', 'draw'), { expectedSeed: `${'0f'.repeat(20)}a123456789${'e'.repeat(14)}` }, keys[REQUESTER])), 422, 'SAMPLE_SEED_MISMATCH');
    const drawn = await send(monthly('2025-01', 'draw'), { expectedSeed: outsider.seed }, keys[REQUESTER]).expect(201);
    expect(drawn.body.events).toEqual([{ type: 'MonthlySampleDrawn', revision: 0 }]);
    expectRefusal(await appendsNothing(() => send(monthly('2025-01', 'draw'), {}, keys[REQUESTER])), 422, 'MONTHLY_SAMPLE_ALREADY_DRAWN');
    const verified = (await read(monthly('2025-01', 'sample')).expect(200)).body;
    expect(verified).toMatchObject({ matches: true, recorded: { seed: outsider.seed, sampleSize: 10 } });
    janSample = verified.recorded.sample;
  });

  it('要點 十二(一)(二): the checker compares each sampled entry; a mismatch marked major opens a joint audit', async () => {
    advanceTo('2025-02-10T02:00:00.000Z');
    const [first, ...rest] = janSample;
    const major = await send(monthly('2025-01', 'comparisons'), { entryId: first, outcome: 'MISMATCH', registrationId: 'SWD001_2025_000001', note: '查詢對象非案件當事人', majorAnomaly: true }, keys[REQUESTER]).expect(201);
    expect(major.body.events.map((e: { type: string }) => e.type)).toEqual(['SampleEntryCompared', 'MajorAnomalyFound']);
    const noNote = await appendsNothing(() => send(monthly('2025-01', 'comparisons'), { entryId: rest[0], outcome: 'MISSING' }, keys[REQUESTER]));
    expectRefusal(noNote, 422, 'SAMPLE_DISCREPANCY_NEEDS_NOTE');
    const early = await appendsNothing(() => send(monthly('2025-01', 'sign-off'), { checkerPersonId: CHECKER }, keys[REQUESTER]));
    expectRefusal(early, 422, 'SAMPLE_COMPARISON_INCOMPLETE');
    for (const entryId of rest) await send(monthly('2025-01', 'comparisons'), { entryId, outcome: 'MATCH', registrationId: 'SWD001_2025_000002' }, keys[REQUESTER]).expect(201);
    expectRefusal(await appendsNothing(() => send(monthly('2025-01', 'sign-off'), { checkerPersonId: 'person_someone' }, keys[REQUESTER])), 422, 'CHECKER_NOT_DEDICATED_STAFF');
    const signed = await send(monthly('2025-01', 'sign-off'), { checkerPersonId: CHECKER }, keys[REQUESTER]).expect(201);
    lastPosition = signed.body.position;
    const record = (await read(monthly('2025-01', '').replace(/\/$/, '')).expect(200)).body.state;
    expect(record).toMatchObject({ status: 'SIGNED_OFF', population: 25, sampleSize: 10, checkerPersonId: CHECKER });
    jointAuditId = record.jointAuditIds[0];
    const joint = (await read(`/obligations?agency=${REQUESTER}&kind=JOINT_AUDIT_REPORT&minPosition=${lastPosition}`).expect(200)).body.obligations;
    expect(joint).toEqual([expect.objectContaining({ subject: jointAuditId, state: 'open', dueDate: '2025-03-12', rule: '要點 十二(二)' })]);
  });

  it('要點 十二(一): February had no logged query: recorded as N = 0 and signed off', async () => {
    advanceTo('2025-02-28T16:00:03.000Z');
    await checkpoint();
    advanceTo('2025-03-03T02:00:00.000Z');
    const drawn = await send(monthly('2025-02', 'draw'), {}, keys[REQUESTER]).expect(201);
    expect(drawn.body.events).toEqual([{ type: 'MonthlySampleDrawn', revision: 0 }]);
    await send(monthly('2025-02', 'sign-off'), { checkerPersonId: CHECKER }, keys[REQUESTER]).expect(201);
    expect((await read(monthly('2025-02', '').replace(/\/$/, ''))).body.state).toMatchObject({ status: 'SIGNED_OFF', population: 0, sampleSize: 0, sample: [] });
  });

  it('要點 十二(二)(四): the joint audit reports; the breach it found gets its review report', async () => {
    advanceTo('2025-03-05T02:00:00.000Z');
    const body = { checkerPersonId: CHECKER, ethicsUnit: '政風室', itUnit: '資訊室', conclusion: '使用者查詢非承辦案件,已停權並移送', findings: [{ description: '非承辦案件查詢', breach: true, rule: '要點 八' }] };
    expectRefusal(await appendsNothing(() => send(`/joint-audits/${jointAuditId}/report`, body, keys[AUTHORITY])), 403, 'SIGNER_NOT_ALLOWED');
    expect((await appendsNothing(() => send(`/joint-audits/${randomUUID()}/report`, body, keys[REQUESTER]))).status).toBe(404);
    await send(`/joint-audits/${jointAuditId}/report`, body, keys[REQUESTER]).expect(201);
    const review = { correctedOn: '2025-03-05', correction: '停用該帳號', review: '檢討報告', competentAuthorityCode: AUTHORITY };
    const res = await send(`/joint-audits/${jointAuditId}/findings/1/review-report`, review, keys[REQUESTER]).expect(201);
    const view = (await read(`/obligations?agency=${REQUESTER}&minPosition=${res.body.position}`).expect(200)).body.obligations;
    const kinds = (kind: string) => view.filter((o: { kind: string }) => o.kind === kind).map((o: { state: string; metLate: boolean }) => [o.state, o.metLate]);
    expect(kinds('JOINT_AUDIT_REPORT')).toEqual([['met', false]]);
    expect(kinds('BREACH_CORRECTION_REPORT')).toEqual([['met', false]]);
  });

  it('要點 十二(一): March is signed off late; the quarterly submission is held open until its record is in', async () => {
    await importLog('2025-03', 12);
    advanceTo('2025-03-31T16:00:02.000Z');
    await checkpoint();
    advanceTo('2025-04-10T02:00:00.000Z');
    const partial = await send(`/checks/quarterly/${REQUESTER}/2025-Q1/submissions`, { competentAuthorityCode: AUTHORITY }, keys[REQUESTER]).expect(201);
    expect(partial.body.events).toEqual([{ type: 'QuarterlyCheckRecordsSubmitted', revision: 0 }]);
    expectRefusal(await appendsNothing(() => send(`/checks/quarterly/${REQUESTER}/2025-Q1/submissions`, { competentAuthorityCode: CENTRAL }, keys[REQUESTER])), 422, 'CHECK_RECORDS_RECIPIENT_NOT_COMPETENT_AUTHORITY');

    await send(monthly('2025-03', 'draw'), {}, keys[REQUESTER]).expect(201);
    const sample: string[] = (await read(monthly('2025-03', '').replace(/\/$/, ''))).body.state.sample;
    expect(sample).toHaveLength(10);
    advanceTo('2025-05-05T02:00:00.000Z');
    for (const entryId of sample) await send(monthly('2025-03', 'comparisons'), { entryId, outcome: 'MATCH', registrationId: 'SWD001_2025_000003' }, keys[REQUESTER]).expect(201);
    await send(monthly('2025-03', 'sign-off'), { checkerPersonId: CHECKER }, keys[REQUESTER]).expect(201);
    const complete = await send(`/checks/quarterly/${REQUESTER}/2025-Q1/submissions`, { competentAuthorityCode: AUTHORITY }, keys[REQUESTER]).expect(201);
    expect((await read(`/checks/quarterly/${REQUESTER}/2025-Q1`)).body.state.submitted).toEqual(['2025-01', '2025-02', '2025-03']);

    const at = async (asOf: string) => {
      const res = await read(`/obligations?agency=${REQUESTER}&asOf=${asOf}&minPosition=${complete.body.position}`).expect(200);
      return res.body.obligations
        .filter((o: { subject: string }) => ['SWD001.2025-01', 'SWD001.2025-02', 'SWD001.2025-03', 'SWD001.2025-Q1'].includes(o.subject))
        .map((o: { subject: string; state: string; metLate: boolean }) => [o.subject, o.state, o.metLate]);
    };
    expect(await at('2025-04-15')).toEqual([
      ['SWD001.2025-01', 'met', false],
      ['SWD001.2025-02', 'met', false],
      ['SWD001.2025-03', 'open', false],
      ['SWD001.2025-Q1', 'open', false],
    ]);
    expect(await at('2025-05-02')).toEqual([
      ['SWD001.2025-01', 'met', false],
      ['SWD001.2025-02', 'met', false],
      ['SWD001.2025-03', 'overdue', false],
      ['SWD001.2025-Q1', 'overdue', false],
    ]);
    expect(await at('2025-05-06')).toEqual([
      ['SWD001.2025-01', 'met', false],
      ['SWD001.2025-02', 'met', false],
      ['SWD001.2025-03', 'met', true],
      ['SWD001.2025-Q1', 'met', true],
    ]);
  });

  it('要點 十二(三)(四): self-audits by each body and the competent authority\'s audit of the requester with the central admin', async () => {
    const audit = { periodFrom: '2024-05-01', periodTo: '2025-04-30', coversBliDataWork: true, summary: '年度資訊安全稽核', findings: [] };
    await send('/audits', { ...audit, auditId: 'SWD001_2025_self', kind: 'SELF_AUDIT', auditedAgencyCode: REQUESTER }, keys[REQUESTER]).expect(201);
    await send('/audits', { ...audit, auditId: 'DIT001_2025_self', kind: 'SELF_AUDIT', auditedAgencyCode: CENTRAL }, keys[CENTRAL]).expect(201);
    expectRefusal(await appendsNothing(() => send('/audits', { ...audit, auditId: 'LAB001_x', kind: 'SELF_AUDIT', auditedAgencyCode: REQUESTER }, keys[AUTHORITY])), 403, 'SIGNER_NOT_ALLOWED');
    expectRefusal(await appendsNothing(() => send('/audits', { ...audit, auditId: 'LAB001_y', kind: 'SELF_AUDIT', auditedAgencyCode: AUTHORITY, coversBliDataWork: false }, keys[AUTHORITY])), 422, 'AUDIT_MUST_COVER_BLI_DATA_WORK');
    const requesterAudit = { ...audit, auditId: 'LAB001_SWD001_2025', kind: 'REQUESTER_AUDIT', auditedAgencyCode: REQUESTER, centralAdminCode: CENTRAL, proposals: [{ kind: 'PENALTY', text: '未按月列印查詢紀錄單' }], findings: [{ description: '三月查核紀錄逾期', breach: true, rule: '要點 十二(一)' }] };
    expectRefusal(await appendsNothing(() => send('/audits', requesterAudit, keys[REQUESTER])), 403, 'SIGNER_NOT_ALLOWED');
    const filed = await send('/audits', requesterAudit, keys[AUTHORITY]).expect(201);
    const view = (await read(`/obligations?minPosition=${filed.body.position}&kind=ANNUAL_SELF_AUDIT`).expect(200)).body.obligations;
    expect(view.map((o: { agencyCode: string; state: string }) => [o.agencyCode, o.state]).sort()).toEqual([
      [CENTRAL, 'met'], [CENTRAL, 'open'], [AUTHORITY, 'open'], [REQUESTER, 'met'], [REQUESTER, 'open'],
    ].sort());
    const breach = (await read(`/obligations?agency=${REQUESTER}&kind=BREACH_CORRECTION_REPORT&state=open`).expect(200)).body.obligations;
    expect(breach).toEqual([expect.objectContaining({ subject: 'audit-LAB001_SWD001_2025#1', dueDate: '2025-06-04' })]);
    const record = (await read('/audits/LAB001_SWD001_2025').expect(200)).body.state;
    expect(record).toMatchObject({ kind: 'REQUESTER_AUDIT', auditedAgencyCode: REQUESTER });
  });

  it('GET /obligations counts per agency by kind and state at any T, and gives both as CSV', async () => {
    // April's check arises with the first checkpoint after April closed: sign it now (in May) rather than wait for the timer.
    const may = await checkpoint();
    const body = (await read(`/obligations?agency=${REQUESTER}&asOf=2025-05-02&minPosition=${may.position}`).expect(200)).body;
    expect(body.counts[REQUESTER].MONTHLY_SAMPLING_CHECK).toEqual({ open: 1, overdue: 1, met: 2, metLate: 0 }); // April open, March overdue
    expect(body.counts[REQUESTER].QUARTERLY_CHECK_SUBMISSION).toEqual({ open: 0, overdue: 1, met: 0, metLate: 0 });
    const later = (await read(`/obligations?agency=${REQUESTER}&asOf=2025-05-06`).expect(200)).body;
    expect(later.counts[REQUESTER].MONTHLY_SAMPLING_CHECK).toEqual({ open: 1, overdue: 0, met: 3, metLate: 1 });
    const csv = await read(`/obligations?agency=${REQUESTER}&asOf=2025-05-06&format=counts-csv`).expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.text.startsWith('\uFEFF機關代碼,義務種類,要點,義務名稱,辦理中,逾期未辦,已完成,其中逾期完成')).toBe(true);
    expect(csv.text).toContain('SWD001,MONTHLY_SAMPLING_CHECK,要點 十二(一),每月抽查比對查詢紀錄並作成查核紀錄,1,0,3,1');
    const rows = await read(`/obligations?agency=${REQUESTER}&asOf=2025-05-06&kind=QUARTERLY_CHECK_SUBMISSION&format=csv`).expect(200);
    expect(rows.text.split('\r\n')[1]).toMatch(/^SWD001,QUARTERLY_CHECK_SUBMISSION,要點 十二\(一\),查核紀錄每三個月送權責管理機關備查,SWD001\.2025-Q1,民國114年04月30日,已完成,是,民國114年05月05日 10:00:00,ledger-checkpoints#\d+,quarterlycheck-SWD001\.2025_Q1#\d+$/);
  });

  it('要點 十二(一): npm run cli -- verify-sample recomputes the draw from the stores, and offline from the published record', async () => {
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ['-r', '@swc-node/register', 'apps/ledger-cli/src/main.ts', 'verify-sample', ...args], {
        cwd: resolve(__dirname, '..'),
        env: { ...process.env, LEDGER_DATA_DIR: t.dataDir, EVENTSTORE_URL: '', MONGODB_URL: '' },
        encoding: 'utf8',
        timeout: 60_000,
      });
    const publicKey = (await t.http().get('/ledger/public-key').expect(200)).body.verifierKey as string;
    const fromStores = cli('--agency', REQUESTER, '--month', '2025-01', '--public-key', publicKey);
    expect(fromStores.stdout).toContain('REPRODUCED: 25 logged queries, sample of 10');
    expect(fromStores.stdout).not.toContain('FAIL');
    expect(fromStores.status).toBe(0);

    const record = (await read(monthly('2025-01', 'sample')).expect(200)).body;
    const file = join(t.dataDir, 'sample-2025-01.json');
    writeFileSync(file, JSON.stringify(record));
    const offline = cli('--from', file, '--public-key', publicKey, '--json');
    expect(JSON.parse(offline.stdout)).toMatchObject({ ok: true, population: 25, sampleSize: 10 });
    expect(offline.status).toBe(0);

    // A record whose sample was swapped for another entry, or checked with another key, does not reproduce.
    const other = record.entryIds.find((id: string) => !record.recorded.sample.includes(id));
    writeFileSync(file, JSON.stringify({ ...record, recorded: { ...record.recorded, sample: [other, ...record.recorded.sample.slice(1)] } }));
    const swapped = cli('--from', file, '--public-key', publicKey);
    expect(swapped.stdout).toMatch(/FAIL sample of 10 DIFFERS/);
    expect(swapped.status).toBe(1);
  }, 120_000);
});
