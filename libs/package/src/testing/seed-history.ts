import { createHash, randomUUID } from 'node:crypto';
import { announceSigningKey, issueCheckpoint } from '@ledger/event-store/checkpoints';
import type { EventStore, NewEvent } from '@ledger/event-store/types';
import { generateSignerKey, type SignerKey } from '@ledger/integrity';

export const SEED_AGENCY = 'SWD001';
export const SEED_OTHER_AGENCY = 'DIST002';
export const SEED_CENTRAL = 'IT001';

export interface SeedOptions {
  /** Query registrations of SWD001 planned in 2025 (plus a few outside the year and at another agency). */
  registrations?: number;
  /** Sets the store's ledger clock before each append (recordedAt). */
  setClock: (at: Date) => void;
  /** One registration of another agency per this many of SWD001's (default 50): other agencies' traffic the package must skip. */
  otherAgencyEvery?: number;
  /** Seals holders in a real key vault (e2e); else placeholder ciphertexts. */
  protect?: (holder: { nationalId: string; name: string }) => Promise<{ personId: string; nationalIdCiphertext: string; nameCiphertext: string }>;
}

/** A national ID with a valid check digit (A + gender 1 + seven digits from n + check). */
export function validNationalId(n: number): string {
  const body = `1${String(3000000 + n).padStart(7, '0')}`;
  const letter = 10; // A
  const weights = [8, 7, 6, 5, 4, 3, 2, 1];
  const sum = Math.floor(letter / 10) + (letter % 10) * 9 + [...body].reduce((acc, d, i) => acc + Number(d) * weights[i], 0);
  return `A${body}${(10 - (sum % 10)) % 10}`;
}

export interface SeededHistory {
  signer: SignerKey;
  checkpointSize: number;
  /** What the 2025 package must show, counted while seeding. */
  expected: { registrations: number; accountChanges: number; rosterAccounts: number; trainings: number; accessReviews: number; loggedQueries: number; logImports: number; unregistered: number };
  /** The anomalies 政風 investigated (要點 八、九(一)): ids as the detector projection names them. */
  ethics: { relationAnomalyId: string; unregisteredAnomalyId: string; investigationId: string; jointAuditId: string };
  holders: Map<string, { nationalId: string; name: string }>;
}

const hex = (n: number, len = 64) => n.toString(16).padStart(len, '0');

/**
 * A realistic agency-year in the shapes the domain writes: SWD001 approved in 2024 with personnel,
 * two query items, an administrator and users (created, granted, moved, disabled, deleted), a yearly
 * access review and training in 2025, and query registrations across 2025 — plus another agency and
 * the central admin, whose streams must stay out of SWD001's package. Appends through the store port
 * (each stream's chain and the Merkle tree as in production), then signs a checkpoint.
 */
export async function seedAgencyYear(store: EventStore, options: SeedOptions): Promise<SeededHistory> {
  const registrations = options.registrations ?? 120;
  const revisions = new Map<string, number>();
  const append = async (streamId: string, type: string, data: Record<string, unknown>, occurredAt: string, recordedAt = occurredAt) => {
    options.setClock(new Date(Date.parse(recordedAt) + 60_000));
    const expected = revisions.get(streamId) ?? -1;
    const id = randomUUID();
    const event: NewEvent = { eventId: id, type, data, metadata: { $correlationId: id, $causationId: id, commandId: id, actor: 'integrator-swd', occurredAt } };
    const result = await store.append(streamId, [event], expected === -1 ? 'no_stream' : expected);
    revisions.set(streamId, expected + 1);
    return result.position;
  };
  const holders = new Map<string, { nationalId: string; name: string }>();
  const expected = { registrations: 0, accountChanges: 0, rosterAccounts: 0, trainings: 0, accessReviews: 1, loggedQueries: 0, logImports: 0, unregistered: 1 };
  const signer = generateSignerKey('webir-ledger');
  options.setClock(new Date('2024-01-01T00:00:00Z'));
  await announceSigningKey(store, signer, new Date('2024-01-01T00:00:00Z'));

  await append(`agency-${SEED_CENTRAL}`, 'AgencyRegistered', { agencyCode: SEED_CENTRAL, name: '臺北市政府資訊處', role: 'CENTRAL_ADMIN' }, '2024-01-02T01:00:00.000Z');
  for (const code of [SEED_AGENCY, SEED_OTHER_AGENCY]) {
    await append(`agency-${code}`, 'AgencyRegistered', { agencyCode: code, name: code === SEED_AGENCY ? '臺北市政府社會局' : '臺北市大同區公所', role: 'DATA_REQUESTER' }, '2024-03-01T01:00:00.000Z');
    await append(`agency-${code}`, 'AgencyApprovedForWebIR', { agencyCode: code, reference: '府授勞字第1130001號' }, '2024-03-05T01:00:00.000Z');
  }
  const a = `agency-${SEED_AGENCY}`;
  await append(a, 'AgencyPersonnelDesignated', { agencyCode: SEED_AGENCY, changeNo: 1, personnelRole: 'DEDICATED_STAFF', personId: 'person_staff1', previousPersonId: null, effectiveDate: '2024-03-10' }, '2024-03-08T01:00:00.000Z');
  await append(a, 'AgencyPersonnelDesignated', { agencyCode: SEED_AGENCY, changeNo: 2, personnelRole: 'CONTACT_WINDOW', personId: 'person_window1', previousPersonId: null, effectiveDate: '2024-03-10' }, '2024-03-08T02:00:00.000Z');
  await append(a, 'DedicatedStaffTrainingRecorded', { agencyCode: SEED_AGENCY, personId: 'person_staff1', completedOn: '2025-05-20', course: '資通安全通識教育訓練(3小時)' }, '2025-05-21T01:00:00.000Z');
  expected.trainings++;

  for (const op of ['L0101', 'L0201']) {
    const s = `queryitem-${SEED_AGENCY}.${op}`;
    const item = { agencyCode: SEED_AGENCY, operationCode: op };
    await append(s, 'QueryItemApplied', { ...item, legalBasis: '社會救助法第44條之3', businessScope: '低收入戶及中低收入戶資格審核', purpose: '審核申請人之投保薪資及就業情形', applicationId: `app_item_${op}`, round: 1 }, '2024-03-20T01:00:00.000Z');
    await append(s, 'QueryItemApprovedByCompetentAuthority', item, '2024-03-25T01:00:00.000Z');
    await append(s, 'QueryItemSubmittedToBli', { ...item, reference: null }, '2024-03-28T01:00:00.000Z');
    await append(s, 'QueryItemApprovedByBli', { ...item, reference: '保費資字第113001號' }, '2024-04-10T01:00:00.000Z');
    await append(s, 'QueryItemGranted', { ...item, applicationId: `app_item_${op}` }, '2024-04-12T01:00:00.000Z');
    if (op === 'L0101') await append(s, 'QueryItemUsageReviewed', { ...item, stillNeeded: true, note: null }, '2025-04-08T01:00:00.000Z');
  }

  const accounts: string[] = [];
  const createAccount = async (agency: string, kind: 'ADMIN' | 'USER', n: number, at: string) => {
    const holderKey = hex(n * 7919 + (agency === SEED_AGENCY ? 1 : 2));
    const accountId = `${agency}.${kind}.${holderKey.slice(-24)}`;
    const plain = { nationalId: validNationalId(n), name: `王小${'明華英'[n % 3]}` };
    const sealed = options.protect ? await options.protect(plain) : { personId: `person_${holderKey.slice(-20)}`, nationalIdCiphertext: `v1.nid.${n}`, nameCiphertext: `v1.name.${n}` };
    const personId = sealed.personId;
    const applicationId = `app_acct_${agency}_${n}`;
    await append(`application-${applicationId}`, 'ApplicationSubmitted', { applicationId, agencyCode: agency, kind: `${kind}_ACCOUNT_ADD`, chain: ['SUPERVISOR'], executor: 'AGENCY_ADMIN' }, at);
    await append(`application-${applicationId}`, 'ApplicationCompleted', { applicationId }, at);
    await append(`account-${accountId}`, 'AccountCreated', {
      accountId, agencyCode: agency, kind, incarnation: 1, applicationId,
      holder: { personId, holderKey, nationalIdCiphertext: sealed.nationalIdCiphertext, nameCiphertext: sealed.nameCiphertext },
      myEGovAccountId: `v1.egov.${n}`, certificateBound: true, post: kind === 'ADMIN' ? '管理師' : '社工員', unit: '社會救助科',
    }, at);
    holders.set(personId, plain);
    await append(`account-${accountId}`, 'AccountQueryItemsGranted', { accountId, operationCodes: ['L0101'], applicationId }, at);
    if (agency === SEED_AGENCY) accounts.push(accountId);
    return accountId;
  };
  await createAccount(SEED_AGENCY, 'ADMIN', 0, '2024-04-15T01:00:00.000Z');
  for (let n = 1; n <= 4; n++) await createAccount(SEED_AGENCY, 'USER', n, '2024-05-0' + n + 'T01:00:00.000Z');
  expected.rosterAccounts = 5;
  // 2025: two new users, one moved (reported in advance, adjusted late), one disabled, one deleted.
  for (let n = 5; n <= 6; n++) {
    await createAccount(SEED_AGENCY, 'USER', n, `2025-02-1${n}T01:00:00.000Z`);
    expected.accountChanges += 2;
    expected.rosterAccounts++;
  }
  const moved = accounts[1];
  await append(`account-${moved}`, 'AccountPostChanged', {
    accountId: moved, effectiveDate: '2025-03-31', newPost: '督導', newUnit: '老人福利科', successorAccountId: null,
    duty: { kind: 'ADJUST_OR_REMOVE_MOVED_USER', rule: '要點 六(五)', dueDate: '2025-03-31' }, reportedLate: false,
  }, '2025-03-15T01:00:00.000Z');
  await append(`account-${moved}`, 'AccountQueryItemsRevoked', { accountId: moved, operationCodes: ['L0101'], reason: '職務異動', meetsDuty: 'ADJUST_OR_REMOVE_MOVED_USER' }, '2025-04-03T01:00:00.000Z');
  await append(`account-${accounts[2]}`, 'AccountDisabled', { accountId: accounts[2], reason: '離職', disabledOn: '2025-06-30' }, '2025-06-30T08:00:00.000Z', '2025-07-05T01:00:00.000Z');
  await append(`account-${accounts[3]}`, 'AccountDisabled', { accountId: accounts[3], reason: '退休', disabledOn: '2025-08-01' }, '2025-08-01T01:00:00.000Z');
  await append(`account-${accounts[3]}`, 'AccountDeleted', { accountId: accounts[3], reason: '退休', applicationId: 'app_rm_3' }, '2025-08-20T01:00:00.000Z');
  expected.accountChanges += 5;

  const review = 'accessreview-SWD001_2025';
  await append(review, 'AccessReviewOpened', { reviewId: 'SWD001_2025', agencyCode: SEED_AGENCY, reviewerAccountId: accounts[0] }, '2025-06-10T01:00:00.000Z');
  await append(review, 'AccessReviewFindingRecorded', { reviewId: 'SWD001_2025', accountId: accounts[4], finding: 'IDLE', action: 'ADJUSTED', note: null }, '2025-06-11T01:00:00.000Z');
  await append(review, 'AccessReviewFindingRecorded', { reviewId: 'SWD001_2025', accountId: accounts[1], finding: 'FINE', action: 'NONE', note: null }, '2025-06-11T02:00:00.000Z');
  await append(review, 'AccessReviewClosed', {
    reviewId: 'SWD001_2025', agencyCode: SEED_AGENCY, reviewedAccounts: 6, findings: { DUPLICATE: 0, IDLE: 1, CHANGED_DUTIES: 0, DEPARTED: 0, RETIRED: 0, FINE: 1 },
  }, '2025-06-12T01:00:00.000Z');

  // 政風's relations list (要點 八): accounts[1]'s holder is a relative of the subject of registration 4, which that account queries in January.
  const relatedSubject = `person_s${hex(4, 12)}`;
  await append(`relations-${accounts[1]}`, 'RelationDeclared', { accountId: accounts[1], relatedPersonId: relatedSubject, relation: 'RELATIVE' }, '2024-12-20T01:00:00.000Z');
  await append(`caseassignment-${SEED_AGENCY}.${hex(4, 32)}`, 'CaseAssignmentRecorded', { agencyCode: SEED_AGENCY, caseNumber: '114社助字第100004號', caseKey: hex(4, 32), accountIds: [accounts[2]], assignedFrom: '2025-01-01T00:00:00.000Z' }, '2025-01-01T00:00:00.000Z');
  const ethics = { relationAnomalyId: '', unregisteredAnomalyId: '', investigationId: 'inv_swd001_1', jointAuditId: '5b0f3c2e-8a41-4c1d-9e7a-2f6d1b3c4a50' };

  const other = await createAccount(SEED_OTHER_AGENCY, 'USER', 99, '2024-06-01T01:00:00.000Z');
  const logged: { accountId: string; loggedAt: string; subject: { personId: string; nationalIdCiphertext: string }; caseNumber: string; reason: string }[] = [];
  const register = async (agency: string, accountId: string, i: number, plannedAt: string) => {
    const registrationId = `${agency}_${i}`;
    if (agency === SEED_AGENCY) {
      logged.push({ accountId, loggedAt: new Date(Date.parse(plannedAt) + 300_000).toISOString(), subject: { personId: `person_s${hex(i, 12)}`, nationalIdCiphertext: `v1.subject.${i}` }, caseNumber: `114社助字第${100000 + i}號`, reason: '低收入戶資格審查,依社會救助法第五條之一計算家庭總收入' });
    }
    await append(`queryregistration-${registrationId}`, 'QueryRegistered', {
      registrationId, agencyCode: agency, accountId, operationCode: 'L0101', plannedAt,
      caseNumber: `114社助字第${100000 + i}號`, reason: '低收入戶資格審查,依社會救助法第五條之一計算家庭總收入', subject: { personId: `person_s${hex(i, 12)}`, nationalIdCiphertext: `v1.subject.${i}` },
    }, plannedAt);
  };
  await register(SEED_AGENCY, accounts[1], 0, '2024-12-31T15:59:00.000Z'); // 2024-12-31 23:59 Taipei: outside
  const start = Date.parse('2024-12-31T16:00:00.000Z');
  const span = Date.parse('2025-12-31T15:59:59.000Z') - start;
  for (let i = 1; i <= registrations; i++) {
    await register(SEED_AGENCY, accounts[1 + (i % 4)], i, new Date(start + Math.floor((span * (i - 0.5)) / registrations)).toISOString());
    expected.registrations++;
    if (i % (options.otherAgencyEvery ?? 50) === 0) await register(SEED_OTHER_AGENCY, other, i, new Date(start + Math.floor((span * i) / registrations)).toISOString());
  }
  await register(SEED_AGENCY, accounts[1], registrations + 1, '2025-12-31T16:00:00.000Z'); // 2026-01-01 Taipei: outside

  // The WebIR query log of each month of 2025 (要點 九(二)), imported on the 5th of the next month; March
  // has one query nobody registered, explained later (要點 九(一)).
  const taipeiMonth = (iso: string) => new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 7);
  for (let m = 1; m <= 12; m++) {
    const month = `2025-${String(m).padStart(2, '0')}`;
    const lines = logged.filter((l) => taipeiMonth(l.loggedAt) === month).map((l, k) => ({ lineNo: k + 2, accountId: l.accountId, loggedAt: l.loggedAt, operationCode: 'L0101', subject: l.subject, caseNumber: l.caseNumber, reason: l.reason, outcomeCode: 'FOUND' }));
    if (m === 3) lines.push({ lineNo: lines.length + 2, accountId: accounts[2], loggedAt: '2025-03-20T02:00:00.000Z', operationCode: 'L0101', subject: { personId: 'person_sunregistered', nationalIdCiphertext: 'v1.subject.x' }, caseNumber: '114社助字第999999號', reason: '查詢原因未載', outcomeCode: 'FOUND' });
    const sha256 = createHash('sha256').update(`${SEED_AGENCY}-${month}`).digest('hex');
    const importId = `${SEED_AGENCY}.${sha256.slice(0, 32)}`;
    const stream = `querylog-${importId}`;
    const importedAt = new Date(Date.parse(`${m === 12 ? '2026-01' : `2025-${String(m + 1).padStart(2, '0')}`}-05T01:00:00.000Z`)).toISOString();
    const base = { importId, agencyCode: SEED_AGENCY, period: month };
    const chunks = Math.ceil(lines.length / 500);
    await append(stream, 'QueryLogImportStarted', {
      ...base, file: { sha256, byteLength: lines.length * 120, encoding: 'UTF-8-BOM', layout: 'webir-query-log/1', columns: ['account', 'date', 'time', 'operationCode', 'subject', 'caseNumber', 'reason', 'result'] },
      lineCount: lines.length, acceptedCount: lines.length, rejectedCount: 0, chunkLines: 500, acceptedChunks: chunks, rejectedChunks: 0,
    }, importedAt);
    for (let c = 0; c < chunks; c++) {
      const chunkLines = lines.slice(c * 500, (c + 1) * 500);
      const position = await append(stream, 'QueryLogLinesAccepted', { ...base, chunk: c, lines: chunkLines }, importedAt);
      const related = chunkLines.find((l) => l.subject.personId === relatedSubject && l.accountId === accounts[1]);
      if (related) ethics.relationAnomalyId = `DECLARED_RELATION:${position}:${related.lineNo}`;
    }
    await append(stream, 'QueryLogImportCompleted', { ...base, sha256, lineCount: lines.length, acceptedCount: lines.length, rejectedCount: 0, firstLoggedAt: lines[0]?.loggedAt ?? null, lastLoggedAt: lines.at(-1)?.loggedAt ?? null }, importedAt);
    const unregistered = m === 3 ? [lines[lines.length - 1]] : [];
    if (unregistered.length > 0) {
      const found = await append(stream, 'UnregisteredQueriesFound', {
        ...base, chunk: 0, anomaly: 'UNREGISTERED_QUERY', window: { days: 1 }, queries: unregistered.map((l) => ({ lineNo: l.lineNo, accountId: l.accountId, operationCode: l.operationCode, loggedAt: l.loggedAt })),
        duty: { kind: 'EXPLAIN_UNREGISTERED_QUERY', rule: '要點 九(一)', dueDate: '2025-04-19' },
      }, importedAt);
      ethics.unregisteredAnomalyId = `UNREGISTERED_QUERY:${found}:${unregistered[0].lineNo}`;
      await append(`unregisteredquery-${importId}.${unregistered[0].lineNo}`, 'UnregisteredQueryExplained', {
        importId, lineNo: unregistered[0].lineNo, agencyCode: SEED_AGENCY, resolution: 'EXPLANATION', explanation: '臨櫃急件,事後補述原因', registrationId: null, meetsDuty: 'EXPLAIN_UNREGISTERED_QUERY',
      }, '2025-04-15T01:00:00.000Z');
    }
    await append(stream, 'QueryLogReconciled', { ...base, window: { days: 1 }, matchedCount: lines.length - unregistered.length, unregisteredCount: unregistered.length }, importedAt);
    expected.loggedQueries += lines.length;
    expected.logImports++;
  }

  // Checks (要點 十二(一)(二)(三)): March's sampling check with a mismatch, the first quarter's submission, the yearly self-audit.
  const mc = `monthlycheck-${SEED_AGENCY}.2025_03`;
  await append(mc, 'MonthlySampleDrawn', {
    agencyCode: SEED_AGENCY, month: '2025-03', algorithm: 'sha256-rank/1', population: 12, sampleSize: 12, populationDigest: 'a'.repeat(64), logDigests: ['b'.repeat(64)],
    checkpoint: { origin: 'webir-ledger', treeSize: 1, rootHash: 'c', position: '1', recordedAt: '2025-04-06T01:00:00.000Z', note: '' }, seed: 'd'.repeat(64), sample: ['x.2', 'x.3'],
  }, '2025-04-06T01:00:00.000Z');
  await append(mc, 'SampleEntryCompared', { agencyCode: SEED_AGENCY, month: '2025-03', entryId: 'x.2', outcome: 'MATCH', registrationId: 'SWD001_20', note: null, majorAnomaly: false }, '2025-04-07T01:00:00.000Z');
  await append(mc, 'SampleEntryCompared', { agencyCode: SEED_AGENCY, month: '2025-03', entryId: 'x.3', outcome: 'MISSING', registrationId: null, note: '無登記', majorAnomaly: false }, '2025-04-07T02:00:00.000Z');
  await append(mc, 'MonthlyCheckSignedOff', { agencyCode: SEED_AGENCY, month: '2025-03', checkerPersonId: 'person_staff1', population: 12, sampleSize: 12, outcomes: { MATCH: 1, MISMATCH: 0, MISSING: 1 }, jointAuditIds: [] }, '2025-04-10T01:00:00.000Z');
  await append(`quarterlycheck-${SEED_AGENCY}.2025_Q1`, 'QuarterlyCheckRecordsSubmitted', { agencyCode: SEED_AGENCY, quarter: '2025-Q1', competentAuthorityCode: 'LAB001', checks: [], missingMonths: ['2025-01', '2025-02'], complete: false }, '2025-04-20T01:00:00.000Z');
  await append('audit-SWD001_2025_self', 'AuditReportFiled', {
    auditId: 'SWD001_2025_self', kind: 'SELF_AUDIT', auditedAgencyCode: SEED_AGENCY, auditingAgencyCodes: [SEED_AGENCY], periodFrom: '2025-01-01', periodTo: '2025-06-30', coversBliDataWork: true,
    summary: '上半年度自行稽核', findings: [], proposals: [], filedOn: '2025-07-15', breachReportDueDate: null,
  }, '2025-07-15T01:00:00.000Z');
  // Records (要點 十一、十二(五)(十)): obtained data used and deleted, an incident notified late, a BLI inspection with an improvement order.
  const od = 'obtaineddata-SWD001_od1';
  await append(od, 'ObtainedDataRecorded', {
    recordId: 'SWD001_od1', agencyCode: SEED_AGENCY, registrationIds: ['SWD001_5'], obtainedOn: '2025-01-20', legalBasis: '社會救助法第44條之3', use: { until: null, basis: '個案審核完成為止' }, statutoryRetention: null,
    copies: [{ copyId: 'c1', kind: 'ORIGINAL', medium: 'ELECTRONIC', protection: 'ENCRYPTED_FILE', location: '社會救助科檔案伺服器' }],
  }, '2025-01-20T03:00:00.000Z');
  await append(od, 'ObtainedDataUseEnded', { recordId: 'SWD001_od1', agencyCode: SEED_AGENCY, endedOn: '2025-02-10', reason: 'USE_COMPLETE', rule: '要點 十一(二)2', note: null, duty: { kind: 'DELETE_OBTAINED_DATA', rule: '要點 十一(二)2', dueDate: '2025-03-10' } }, '2025-02-10T03:00:00.000Z');
  await append(od, 'ObtainedDataDeleted', {
    recordId: 'SWD001_od1', agencyCode: SEED_AGENCY, deletionId: 'del1', deletedOn: '2025-03-03', copyIds: ['c1'], temporaryFilesCleared: true, method: 'SECURE_ERASE', performedBy: { unit: '社會救助科', accountId: null },
    evidence: { reference: '刪除紀錄114-01', description: '檔案抹除截圖' }, remainingCopyIds: [], complete: true, meetsDuty: 'DELETE_OBTAINED_DATA',
  }, '2025-03-03T03:00:00.000Z');
  const inc = 'incident-SWD001_inc1';
  await append(inc, 'IncidentReported', { incidentId: 'SWD001_inc1', agencyCode: SEED_AGENCY, discoveredAt: '2025-09-01T02:00:00.000Z', suspected: true, summary: '疑似列印資料遺留於影印機', registrationIds: [], obtainedDataRecordIds: [], duty: { kind: 'NOTIFY_BLI_OF_INCIDENT', rule: '要點 十二(十)', dueAt: '2025-09-01T03:00:00.000Z' } }, '2025-09-01T02:10:00.000Z');
  await append(inc, 'BliNotifiedOfIncident', { incidentId: 'SWD001_inc1', agencyCode: SEED_AGENCY, notifiedAt: '2025-09-01T05:00:00.000Z', channel: 'PHONE', reference: null, materialsProvided: null, onTime: false, meetsDuty: 'NOTIFY_BLI_OF_INCIDENT' }, '2025-09-01T05:00:00.000Z');
  await append(inc, 'IncidentClosed', { incidentId: 'SWD001_inc1', agencyCode: SEED_AGENCY, closedAt: '2025-09-05T02:00:00.000Z', conclusion: 'NOT_AN_INCIDENT', summary: '經查為空白紙張' }, '2025-09-05T02:00:00.000Z');
  const insp = 'bliinspection-SWD001_2025';
  await append(insp, 'BliInspectionRecorded', { inspectionId: 'SWD001_2025', agencyCode: SEED_AGENCY, startedOn: '2025-10-01', scope: '114年度使用情形稽核', materials: [] }, '2025-10-01T01:00:00.000Z');
  await append(insp, 'BliActionRequested', { inspectionId: 'SWD001_2025', agencyCode: SEED_AGENCY, requestId: 'req1', kind: 'IMPROVEMENT', receivedOn: '2025-10-15', summary: '補正查詢登記表', duty: { kind: 'BLI_REQUESTED_ACTION', rule: '要點 十二(五)', dueDate: '2025-11-15' } }, '2025-10-15T01:00:00.000Z');
  await append(insp, 'BliRequestAnswered', { inspectionId: 'SWD001_2025', agencyCode: SEED_AGENCY, requestId: 'req1', answeredAt: '2025-11-10T01:00:00.000Z', summary: '已補正', evidence: null, onTime: true, meetsDuty: 'BLI_REQUESTED_ACTION' }, '2025-11-10T01:00:00.000Z');

  // 政風 (要點 八、十二(二)): the relative's query investigated and concluded a violation, which opens the joint audit;
  // the unregistered query investigated and still open at the year's end.
  const inv = `investigation-${ethics.investigationId}`;
  await append(inv, 'InvestigationOpened', { investigationId: ethics.investigationId, agencyCode: SEED_AGENCY, anomalyIds: [ethics.relationAnomalyId], title: '承辦人查詢親屬資料' }, '2025-02-10T01:00:00.000Z');
  await append(inv, 'InvestigationNoteAdded', { investigationId: ethics.investigationId, noteNo: 1, text: '約談承辦人' }, '2025-02-12T01:00:00.000Z');
  await append(inv, 'InvestigationConcluded', {
    investigationId: ethics.investigationId, agencyCode: SEED_AGENCY, anomalyIds: [ethics.relationAnomalyId], conclusion: 'VIOLATION', summary: '非依分案規定查詢親屬資料',
    jointAudit: { jointAuditId: ethics.jointAuditId, agencyCode: SEED_AGENCY, rule: '要點 十二(二)', dueDate: '2025-03-20' },
  }, '2025-02-18T01:00:00.000Z');
  const inv2 = 'investigation-inv_swd001_2';
  await append(inv2, 'InvestigationOpened', { investigationId: 'inv_swd001_2', agencyCode: SEED_AGENCY, anomalyIds: [ethics.unregisteredAnomalyId], title: '未填登記表之查詢' }, '2025-12-20T01:00:00.000Z');
  // Concluded after the year: open at the period's end.
  await append(inv2, 'InvestigationConcluded', { investigationId: 'inv_swd001_2', agencyCode: SEED_AGENCY, anomalyIds: [ethics.unregisteredAnomalyId], conclusion: 'JUSTIFIED', summary: '臨櫃急件', jointAudit: null }, '2026-01-02T01:00:00.000Z');

  options.setClock(new Date('2026-01-05T01:00:00Z'));
  const checkpoint = await issueCheckpoint(store, signer, { reason: 'on-demand', now: new Date('2026-01-05T01:00:00Z') });
  // After the checkpoint: not in a package drawn from it.
  await append(`account-${accounts[4]}`, 'AccountDisabled', { accountId: accounts[4], reason: '離職', disabledOn: '2025-12-30' }, '2025-12-30T01:00:00.000Z', '2026-01-06T01:00:00.000Z');
  return { signer, checkpointSize: checkpoint.treeSize, expected, holders, ethics };
}
