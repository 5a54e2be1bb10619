import { DEFAULT_DETECTOR_CONFIG, type AnomalyKind } from '@ledger/domain';
import type { RecordedEvent } from '@ledger/event-store';
import { projectEvents, type Projection, SqliteReadModelStore, snapshotReadModels } from '@ledger/read-models';
import { EthicsLedger, ordinaryMonth, seeded } from '../testing/ethics-ledger';
import { anomaliesProjection, ETHICS, type LoggedLine } from './anomalies.projection';
import { anomalyCounts, findAnomalies, findInvestigations } from './anomalies.queries';

/**
 * The detectors as the projection runs them (要點 八、九): precision on a generated month, each seeded
 * kind raised alone, case assignments qualifying, investigations moving the state, and replays.
 */
const projection: Projection = anomaliesProjection(DEFAULT_DETECTOR_CONFIG);
const newLedger = () => new EthicsLedger();

async function run(events: readonly RecordedEvent[], pageSize = 1000) {
  const store = new SqliteReadModelStore({ file: ':memory:' });
  for (let i = 0; i < events.length; i += pageSize) await projectEvents(projection, store, events.slice(i, i + pageSize));
  return store;
}

async function all(store: SqliteReadModelStore) {
  return (await findAnomalies(store, { limit: 10_000 })).items;
}

const AGENCY = 'SWD';
const at = (day: number, hhmm: string) => new Date(Date.parse(`2025-03-${String(day).padStart(2, '0')}T${hhmm}:00+08:00`)).toISOString();

/** One account per seeded kind, working an otherwise ordinary day, so each kind is raised alone. */
function seededLedger() {
  const ledger = newLedger();
  const { accountIds } = ordinaryMonth({ agencyCode: AGENCY, month: '2025-03', accounts: 3, queriesPerAccountPerDay: 5, ledger });
  const before = '2025-02-01T01:00:00.000Z';
  const acct = (name: string, items = ['LI_ENROLMENT']) => ledger.account(AGENCY, name.padEnd(32, 'f'), `person_${name}`, items, before);
  const self = acct('5e1f');
  const colleague = acct('c011');
  const relative = acct('4e1a');
  const night = acct('0ff0');
  const bulky = acct('b01c');
  const repeat = acct('4e9e');
  const gone = acct('d15a');
  const item = acct('17e0');
  const unregistered = acct('0e9a');
  ledger.add(`account-${gone}`, 'AccountDisabled', { accountId: gone, reason: '離職', disabledOn: '2025-03-01' }, '2025-03-01T01:00:00.000Z');
  ledger.add(`relations-${relative}`, 'RelationDeclared', { accountId: relative, relatedPersonId: 'person_mother', relation: 'RELATIVE' }, before);
  const line = (accountId: string, loggedAt: string, subjectPersonId: string, caseNumber: string | null = `案-${accountId.slice(4, 8)}-${loggedAt}`, operationCode = 'LI_ENROLMENT') =>
    ({ accountId, loggedAt, operationCode, subjectPersonId, caseNumber });
  const lines = [
    line(self, at(12, '10:00'), 'person_5e1f'),
    // A colleague: the holder of another account of the agency.
    line(colleague, at(12, '10:05'), 'person_swdholder0'),
    line(relative, at(12, '10:10'), 'person_mother'),
    line(night, at(12, '22:30'), 'person_n1'),
    line(night, at(12, '23:10'), 'person_n2'),
    ...Array.from({ length: 61 }, (_, i) => line(bulky, at(13, `10:${String(i % 60).padStart(2, '0')}`).replace(':00.000Z', `:${String(i % 59).padStart(2, '0')}.000Z`), `person_b${i}`)),
    line(repeat, at(14, '10:00'), 'person_r', '案A'),
    line(repeat, at(17, '10:00'), 'person_r', '案B'),
    line(repeat, at(18, '10:00'), 'person_r', '案C'),
    line(gone, at(12, '11:00'), 'person_g'),
    line(item, at(12, '11:00'), 'person_i', '案I', 'LI_SALARY'),
    line(unregistered, at(12, '11:30'), 'person_u', '案U'),
  ].sort((a, b) => (a.loggedAt < b.loggedAt ? -1 : 1));
  const importId = ledger.log(AGENCY, lines, '2025-04-02T02:00:00.000Z');
  // The log's reconciliation found no registration for that one line (要點 九(一)); the projection takes its word.
  const lineNo = lines.findIndex((l) => l.accountId === unregistered) + 2;
  ledger.add(`querylog-${importId}`, 'UnregisteredQueriesFound', {
    importId, agencyCode: AGENCY, period: '2025-03', chunk: 0, anomaly: 'UNREGISTERED_QUERY', window: { days: 1 },
    queries: [{ lineNo, accountId: unregistered, operationCode: 'LI_ENROLMENT', loggedAt: at(12, '11:30') }],
    duty: { kind: 'EXPLAIN_UNREGISTERED_QUERY', rule: '要點 九(一)', dueDate: '2025-04-16' },
  }, '2025-04-02T02:00:00.000Z');
  return { ledger, importId, lineNo, accounts: { self, colleague, relative, night, bulky, repeat, gone, item, unregistered }, ordinary: accountIds };
}

describe('anomalies projection (要點 八、九)', () => {
  it('precision: a generated ordinary month (registered, office hours, distinct subjects, granted items) raises no anomaly', async () => {
    const ledger = newLedger();
    const { lines } = ordinaryMonth({ agencyCode: AGENCY, month: '2025-03', accounts: 20, queriesPerAccountPerDay: 12, ledger });
    expect(lines).toBeGreaterThan(4000);
    const store = await run(ledger.events);
    expect(await all(store)).toEqual([]);
    await store.close();
  });

  it('precision: each seeded kind is raised exactly, on its own account, and nothing on the ordinary ones', async () => {
    const { ledger, accounts, ordinary } = seededLedger();
    const store = await run(ledger.events);
    const anomalies = await all(store);
    const byAccount = (id: string) => anomalies.filter((a) => a.accountId === id).map((a) => a.kind + (a.variant ? `:${a.variant}` : ''));
    const expected: Record<keyof typeof accounts, string[]> = {
      self: ['SELF_QUERY'], colleague: ['COLLEAGUE_QUERY'], relative: ['DECLARED_RELATION'], night: ['OFF_HOURS'], bulky: ['BULK:HOUR'],
      repeat: ['REPEATED_SUBJECT'], gone: ['QUERY_WHILE_INACTIVE'], item: ['ITEM_NOT_GRANTED'], unregistered: ['UNREGISTERED_QUERY'],
    };
    for (const [name, kinds] of Object.entries(expected)) expect([name, byAccount(accounts[name as keyof typeof accounts])]).toEqual([name, kinds]);
    for (const id of ordinary) expect(byAccount(id)).toEqual([]);
    expect(anomalies).toHaveLength(9);
    // Two late queries on one evening are one OFF_HOURS anomaly with two pieces of evidence.
    const night = anomalies.find((a) => a.kind === 'OFF_HOURS')!;
    expect(night).toMatchObject({ evidenceCount: 2, rule: '要點 八', severity: 'LOW', detector: { kind: 'OFF_HOURS', version: expect.stringMatching(/^1\./) } });
    expect(night.evidence.map((e) => e.loggedQuery)).toHaveLength(2);
    const bulk = anomalies.find((a) => a.kind === 'BULK')!;
    expect(bulk).toMatchObject({ evidenceCount: 1, detail: expect.objectContaining({ count: 61, threshold: 60 }) });
    expect(JSON.stringify(anomalies)).not.toMatch(/person_/);
    await store.close();
  });

  it('要點 八 「非依機關分案規定」: a self query under the agency’s case assignment is qualified (LOW), a colleague query under it not raised', async () => {
    const ledger = newLedger();
    const self = ledger.account(AGENCY, 'a'.repeat(32), 'person_a', ['LI_ENROLMENT'], '2025-02-01T00:00:00.000Z');
    ledger.account(AGENCY, 'b'.repeat(32), 'person_b', ['LI_ENROLMENT'], '2025-02-01T00:00:00.000Z');
    ledger.add(`caseassignment-${AGENCY}.${'c'.repeat(32)}`, 'CaseAssignmentRecorded', { agencyCode: AGENCY, caseNumber: '分案1', caseKey: 'c'.repeat(32), accountIds: [self], assignedFrom: '2025-03-01T00:00:00.000Z' }, '2025-03-01T00:00:00.000Z');
    ledger.log(AGENCY, [
      { accountId: self, loggedAt: at(12, '10:00'), operationCode: 'LI_ENROLMENT', subjectPersonId: 'person_a', caseNumber: '分案1' },
      { accountId: self, loggedAt: at(12, '10:01'), operationCode: 'LI_ENROLMENT', subjectPersonId: 'person_b', caseNumber: '分案1' },
      // Before the assignment took effect: not covered by it.
      { accountId: self, loggedAt: '2025-02-20T02:00:00.000Z', operationCode: 'LI_ENROLMENT', subjectPersonId: 'person_b', caseNumber: '分案1' },
    ], '2025-04-02T02:00:00.000Z');
    const anomalies = await all(await run(ledger.events));
    expect(anomalies.map((a) => [a.kind, a.severity, a.qualifiers])).toEqual([
      ['COLLEAGUE_QUERY', 'MEDIUM', []],
      ['SELF_QUERY', 'LOW', ['UNDER_CASE_ASSIGNMENT']],
    ]);
    expect(anomalies[0].firstSeenAt).toBe('2025-02-20T02:00:00.000Z');
  });

  it('an investigation moves its anomalies’ state, the counts follow, and as of an earlier ledger time the anomaly is as it was', async () => {
    const { ledger } = seededLedger();
    const store = await run(ledger.events);
    const self = (await all(store)).find((a) => a.kind === 'SELF_QUERY')!;
    ledger.add('investigation-ETH_1', 'InvestigationOpened', { investigationId: 'ETH_1', agencyCode: AGENCY, anomalyIds: [self.anomalyId], title: '查詢己身' }, '2025-04-03T01:00:00.000Z');
    ledger.add('investigation-ETH_1', 'InvestigationNoteAdded', { investigationId: 'ETH_1', noteNo: 1, text: '約談' }, '2025-04-04T01:00:00.000Z');
    ledger.add('investigation-ETH_1', 'InvestigationConcluded', {
      investigationId: 'ETH_1', agencyCode: AGENCY, anomalyIds: [self.anomalyId], conclusion: 'VIOLATION', summary: '違規',
      jointAudit: { jointAuditId: '0b8e2a4c-1f3d-4e5a-9b7c-2d4e6f8a0b1c', agencyCode: AGENCY, rule: '要點 十二(二)', dueDate: '2025-05-05' },
    }, '2025-04-05T01:00:00.000Z');
    await projectEvents(projection, store, ledger.events.slice(-3));
    const now = (await findAnomalies(store, { state: 'VIOLATION', limit: 10 })).items;
    expect(now.map((a) => [a.anomalyId, a.investigationId])).toEqual([[self.anomalyId, 'ETH_1']]);
    const then = (await findAnomalies(store, { kind: 'SELF_QUERY', knownAt: '2025-04-03T12:00:00.000Z', limit: 10 })).items;
    expect(then.map((a) => a.state)).toEqual(['UNDER_INVESTIGATION']);
    expect((await findAnomalies(store, { knownAt: '2025-04-01T00:00:00.000Z', limit: 10 })).items).toEqual([]);
    const [counts] = await anomalyCounts(store, { agencyCode: AGENCY, month: '2025-03' });
    expect(counts).toMatchObject({ total: 9, byKind: { SELF_QUERY: 1 }, byState: { OPEN: 8, VIOLATION: 1 } });
    expect((await findInvestigations(store, { state: 'CONCLUDED' })).map((i) => [i.investigationId, i.conclusion, i.notes.length])).toEqual([['ETH_1', 'VIOLATION', 1]]);
    await store.close();
  });

  it('a replay writes the same documents, whatever the page size', async () => {
    const { ledger } = seededLedger();
    const once = await run(ledger.events, 7);
    const snapshot = await snapshotReadModels(once, Object.values(ETHICS));
    await projectEvents(projection, once, ledger.events);
    expect(await snapshotReadModels(once, Object.values(ETHICS))).toEqual(snapshot);
    const other = await run(ledger.events, 5000);
    const strip = (s: typeof snapshot) => JSON.stringify(Object.fromEntries(Object.entries(s).map(([k, docs]) => [k, docs.map(({ _position, ...d }) => d)])));
    expect(strip(await snapshotReadModels(other, Object.values(ETHICS)))).toEqual(strip(snapshot));
  });

  it('要點 九(一): an unregistered query is flagged from the reconciliation, and its explanation is noted on the flag, not a verdict', async () => {
    const { ledger, importId, lineNo } = seededLedger();
    ledger.add(`unregisteredquery-${importId}.${lineNo}`, 'UnregisteredQueryExplained', {
      importId, lineNo, agencyCode: AGENCY, resolution: 'EXPLANATION', explanation: '系統異常補登', registrationId: null, meetsDuty: 'EXPLAIN_UNREGISTERED_QUERY',
    }, '2025-04-03T02:00:00.000Z');
    const store = await run(ledger.events);
    const [flag] = (await findAnomalies(store, { kind: 'UNREGISTERED_QUERY', limit: 10 })).items;
    expect(flag).toMatchObject({ rule: '要點 九(一)', severity: 'HIGH', state: 'OPEN', qualifiers: ['EXPLAINED'], evidence: [{ loggedQuery: `${importId}.${lineNo}` }] });
    await store.close();
  });

  it('要點 十二(六): queries logged while BLI had suspended the agency’s service are flagged, those after its resumption are not', async () => {
    const ledger = newLedger();
    const user = ledger.account('SUS', '5a'.repeat(16), 'person_sus', ['LI_ENROLMENT'], '2025-01-01T00:00:00.000Z');
    ledger.add('webirservice-SUS', 'WebIRServiceSuspended', { agencyCode: 'SUS', effectiveAt: '2025-03-10T00:00:00.000Z', reason: '限期改善未完成', reference: null, inspectionId: null }, '2025-03-10T00:00:00.000Z');
    ledger.add('webirservice-SUS', 'WebIRServiceResumed', { agencyCode: 'SUS', effectiveAt: '2025-03-20T00:00:00.000Z', reference: null }, '2025-03-20T00:00:00.000Z');
    const q = (day: number, n: number) => ({ accountId: user, loggedAt: at(day, '10:00'), operationCode: 'LI_ENROLMENT', subjectPersonId: `person_x${n}`, caseNumber: `案${n}` });
    ledger.log('SUS', [q(5, 1), q(12, 2), q(12, 3), q(24, 4)], '2025-04-02T02:00:00.000Z');
    const anomalies = await all(await run(ledger.events));
    expect(anomalies.map((a) => [a.kind, a.rule, a.evidenceCount, a.firstSeenAt])).toEqual([['QUERY_DURING_SUSPENSION', '要點 十二(六)', 2, at(12, '10:00')]]);
  });

  it('pages by anomaly id and filters by agency, kind, account and month', async () => {
    const { ledger, accounts } = seededLedger();
    const store = await run(ledger.events);
    const first = await findAnomalies(store, { agencyCode: AGENCY, month: '2025-03', limit: 5 });
    const second = await findAnomalies(store, { agencyCode: AGENCY, month: '2025-03', limit: 5, after: first.next! });
    expect([first.items.length, second.items.length, second.next]).toEqual([5, 4, null]);
    expect((await findAnomalies(store, { accountId: accounts.night, limit: 10 })).items.map((a) => a.kind as AnomalyKind)).toEqual(['OFF_HOURS']);
    expect((await findAnomalies(store, { month: '2025-02', limit: 10 })).items).toEqual([]);
  });
  it('REPEATED_SUBJECT looks back over its whole window, across the weekly documents its memory is kept in', async () => {
    const ledger = newLedger();
    const user = ledger.account(AGENCY, '3e'.repeat(16), 'person_3e', ['LI_ENROLMENT'], '2025-01-01T00:00:00.000Z');
    const q = (iso: string, subject: string, caseNumber: string) => ({ accountId: user, loggedAt: iso, operationCode: 'LI_ENROLMENT', subjectPersonId: subject, caseNumber });
    ledger.log(AGENCY, [
      // 0, 13 and 27 days apart: three cases within 30 days.
      q('2025-03-03T02:00:00.000Z', 'person_w', '甲'), q('2025-03-16T02:00:00.000Z', 'person_w', '乙'), q('2025-03-30T02:00:00.000Z', 'person_w', '丙'),
      // 0, 20 and 40 days apart: never three within 30 days.
      q('2025-03-04T02:00:00.000Z', 'person_v', '甲'), q('2025-03-24T02:00:00.000Z', 'person_v', '乙'), q('2025-04-13T02:00:00.000Z', 'person_v', '丙'),
    ].sort((a, b) => (a.loggedAt < b.loggedAt ? -1 : 1)), '2025-05-02T02:00:00.000Z');
    const anomalies = (await all(await run(ledger.events))).filter((a) => a.kind !== 'OFF_HOURS');
    expect(anomalies.map((a) => [a.kind, a.firstSeenAt, a.detail])).toEqual([
      ['REPEATED_SUBJECT', '2025-03-30T02:00:00.000Z', expect.objectContaining({ unassignedCaseNumbers: 3, queriesInWindow: 3 })],
    ]);
  });

  it('要點 九(一): a listing of 40 unregistered queries reads its open anomalies and the documents it writes in one read per collection, and stores what one event at a time stores', async () => {
    const { ledger, importId } = seededLedger();
    // A second listing of the file's first 40 lines (one of them may be the line the first listing flagged), one of them twice.
    const logged = ledger.events.find((e) => e.type === 'QueryLogLinesAccepted')!.data['lines'] as { lineNo: number; accountId: string; loggedAt: string }[];
    const queries = logged.slice(0, 40).map((l) => ({ lineNo: l.lineNo, accountId: l.accountId, operationCode: 'LI_ENROLMENT', loggedAt: l.loggedAt }));
    ledger.add(`querylog-${importId}`, 'UnregisteredQueriesFound', {
      importId, agencyCode: AGENCY, period: '2025-03', chunk: 1, anomaly: 'UNREGISTERED_QUERY', window: { days: 1 }, queries: [...queries, queries[0]],
      duty: { kind: 'EXPLAIN_UNREGISTERED_QUERY', rule: '要點 九(一)', dueDate: '2025-04-16' },
    }, '2025-04-03T02:00:00.000Z');
    const events = ledger.events;
    const reference = new SqliteReadModelStore({ file: ':memory:' });
    for (const event of events) await projectEvents({ ...projection, startPage: undefined }, reference, [event]);
    const expected = await snapshotReadModels(reference, Object.values(ETHICS));
    await reference.close();
    const store = new SqliteReadModelStore({ file: ':memory:' });
    await projectEvents(projection, store, events.slice(0, -1));
    const single: string[] = [];
    const counting = Object.assign(Object.create(store) as SqliteReadModelStore, {
      getEntry: (c: string, id: string) => (single.push(c), store.getEntry(c, id)),
    });
    await projectEvents(projection, counting, events.slice(-1));
    // Only an anomaly already open for a listed line is read by itself, when its pointer names it.
    expect(single.filter((c) => c === ETHICS.open)).toEqual([]);
    expect(single.filter((c) => c === ETHICS.anomalies).length).toBeLessThanOrEqual(1);
    expect(JSON.stringify(await snapshotReadModels(store, Object.values(ETHICS)))).toBe(JSON.stringify(expected));
    expect(expected[ETHICS.anomalies].filter((a) => a['kind'] === 'UNREGISTERED_QUERY').length).toBeGreaterThan(30);
    await store.close();
  });

  it('a rebuild in pages (the whole page folded in memory) leaves exactly the documents of one event at a time, positions included', async () => {
    const ledger = await generatedLedger();
    const events = ledger.events;
    const byEvent: Projection = { ...projection, startPage: undefined };
    const reference = new SqliteReadModelStore({ file: ':memory:' });
    for (const event of events) await projectEvents(byEvent, reference, [event]);
    const expected = await snapshotReadModels(reference, Object.values(ETHICS));
    // The generated log raises every kind the log itself can show.
    const kinds = new Set(expected[ETHICS.anomalies].map((a) => a['kind']));
    expect([...kinds].sort()).toEqual(['BULK', 'COLLEAGUE_QUERY', 'DECLARED_RELATION', 'ITEM_NOT_GRANTED', 'OFF_HOURS', 'QUERY_DURING_SUSPENSION', 'QUERY_WHILE_INACTIVE', 'REPEATED_SUBJECT', 'SELF_QUERY', 'UNREGISTERED_QUERY']);
    expect(expected[ETHICS.anomalies].some((a) => a['state'] === 'VIOLATION')).toBe(true);
    // Compared as JSON: the same documents in the same order, byte for byte.
    const json = (snapshot: object) => JSON.stringify(snapshot);
    for (const pageSize of [5, events.length]) {
      const paged = await run(events, pageSize);
      expect([pageSize, json(await snapshotReadModels(paged, Object.values(ETHICS)))]).toEqual([pageSize, json(expected)]);
      await paged.close();
    }
    // A page that mixes applied and new events (a replay after a crash) changes nothing more: here it
    // replays the first chunk of February's log, whose weekly documents the next chunk counts in.
    const split = events.findIndex((e) => e.type === 'QueryLogLinesAccepted' && e.data['period'] === '2025-02' && e.data['chunk'] === 0);
    expect(events[split + 1].data).toMatchObject({ chunk: 1 });
    const replayed = await run(events.slice(0, split + 1), 64);
    await projectEvents(projection, replayed, events.slice(split - 3));
    expect(json(await snapshotReadModels(replayed, Object.values(ETHICS)))).toEqual(json(expected));
    await replayed.close();
    await reference.close();
  });
});

/**
 * Three agencies over two months, ordinary work with seeded anomalies of every kind mixed in at
 * random (seeded): late queries, oneself, a colleague, a relative, an item not granted, a disabled
 * account, bursts, the same subject again under other cases, case assignments, a suspension, an
 * unregistered query, and an investigation concluded as a violation.
 */
function generatedYear(): { ledger: EthicsLedger; holders: Map<string, string> } {
  const ledger = newLedger();
  const rand = seeded(11);
  const agencies = ['GA', 'GB', 'GC'];
  const accounts = new Map<string, { id: string; holder: string }[]>();
  for (const agency of agencies) {
    accounts.set(agency, Array.from({ length: 6 }, (_, i) => {
      const holder = `person_${agency}h${i}`;
      return { id: ledger.account(agency, `${agency.toLowerCase().charCodeAt(1).toString(16)}${i}`.padEnd(32, 'a'), holder, ['LI_ENROLMENT', 'LI_SALARY'], '2025-01-01T00:00:00.000Z'), holder };
    }));
  }
  const holders = new Map([...accounts.values()].flat().map((a) => [a.id, a.holder]));
  const ga = accounts.get('GA')!;
  ledger.add(`relations-${ga[1].id}`, 'RelationDeclared', { accountId: ga[1].id, relatedPersonId: 'person_kin', relation: 'RELATIVE' }, '2025-01-02T00:00:00.000Z');
  ledger.add(`caseassignment-GA.${'d'.repeat(32)}`, 'CaseAssignmentRecorded', { agencyCode: 'GA', caseNumber: '分案7', caseKey: 'd'.repeat(32), accountIds: [ga[2].id], assignedFrom: '2025-01-01T00:00:00.000Z' }, '2025-01-02T00:00:00.000Z');
  ledger.add('webirservice-GC', 'WebIRServiceSuspended', { agencyCode: 'GC', effectiveAt: '2025-02-10T00:00:00.000Z', reason: '限期改善未完成', reference: null, inspectionId: null }, '2025-02-10T00:00:00.000Z');
  ledger.add('webirservice-GC', 'WebIRServiceResumed', { agencyCode: 'GC', effectiveAt: '2025-02-12T00:00:00.000Z', reference: null }, '2025-02-12T00:00:00.000Z');
  let n = 0;
  for (const month of ['2025-01', '2025-02']) {
    if (month === '2025-02') ledger.add(`account-${ga[5].id}`, 'AccountDisabled', { accountId: ga[5].id, reason: '離職', disabledOn: '2025-02-01' }, '2025-02-01T01:00:00.000Z');
    for (const agency of agencies) {
      const users = accounts.get(agency)!;
      const lines: Omit<LoggedLine, 'lineNo'>[] = [];
      for (let i = 0; i < 600; i++) {
        n += 1;
        const u = Math.floor(rand() * users.length);
        const day = 1 + Math.floor(rand() * 28);
        const r = rand();
        // 09:00–17:00 Taipei, or 22:00 for the late ones.
        const hourUtc = r < 0.02 ? 14 : 1 + Math.floor(rand() * 8);
        const loggedAt = new Date(Date.parse(`${month}-${String(day).padStart(2, '0')}T00:00:00.000Z`) + hourUtc * 3_600_000 + Math.floor(rand() * 3_600_000)).toISOString();
        const subject = r < 0.03 ? users[u].holder : r < 0.04 ? users[(u + 1) % users.length].holder : r < 0.05 ? 'person_kin' : r < 0.1 ? `person_${agency}again${Math.floor(rand() * 4)}` : `person_${agency}s${n}`;
        const caseNumber = r >= 0.1 && r < 0.12 ? null : rand() < 0.05 ? '分案7' : `案${n}`;
        lines.push({ accountId: users[u].id, loggedAt, operationCode: r >= 0.12 && r < 0.13 ? 'LI_MEDICAL' : 'LI_ENROLMENT', subjectPersonId: subject, caseNumber });
      }
      // A burst: 70 queries in one hour by one account.
      for (let i = 0; i < 70; i++) lines.push({ accountId: users[0].id, loggedAt: `${month}-20T03:${String(i % 60).padStart(2, '0')}:${String(Math.floor(i / 60) * 10).padStart(2, '0')}.000Z`, operationCode: 'LI_ENROLMENT', subjectPersonId: `person_${agency}burst${n}_${i}`, caseNumber: `案B${i}` });
      lines.sort((a, b) => (a.loggedAt < b.loggedAt ? -1 : 1));
      const importId = ledger.log(agency, lines, `${month === '2025-01' ? '2025-02' : '2025-03'}-0${1 + agencies.indexOf(agency)}T02:00:00.000Z`);
      ledger.add(`querylog-${importId}`, 'UnregisteredQueriesFound', {
        importId, agencyCode: agency, period: month, chunk: 0, anomaly: 'UNREGISTERED_QUERY', window: { days: 1 },
        queries: [{ lineNo: 2, accountId: lines[0].accountId, operationCode: lines[0].operationCode, loggedAt: lines[0].loggedAt }],
        duty: { kind: 'EXPLAIN_UNREGISTERED_QUERY', rule: '要點 九(一)', dueDate: `${month === '2025-01' ? '2025-02' : '2025-03'}-20` },
      }, `${month === '2025-01' ? '2025-02' : '2025-03'}-0${1 + agencies.indexOf(agency)}T02:00:00.000Z`);
    }
  }
  return { ledger, holders };
}

/** The generated log, then an investigation of two of its anomalies concluded as a violation, then a further month of the same groups' queries. */
async function generatedLedger(): Promise<EthicsLedger> {
  const { ledger, holders } = generatedYear();
  const store = new SqliteReadModelStore({ file: ':memory:' });
  await projectEvents(projection, store, ledger.events);
  const picked = (await all(store)).filter((a) => a.agencyCode === 'GA' && (a.kind === 'SELF_QUERY' || a.kind === 'REPEATED_SUBJECT')).slice(0, 2);
  await store.close();
  const ids = picked.map((a) => a.anomalyId);
  ledger.add('investigation-ETH_G', 'InvestigationOpened', { investigationId: 'ETH_G', agencyCode: 'GA', anomalyIds: ids, title: '查詢己身' }, '2025-03-10T01:00:00.000Z');
  ledger.add('investigation-ETH_G', 'InvestigationNoteAdded', { investigationId: 'ETH_G', noteNo: 1, text: '約談' }, '2025-03-11T01:00:00.000Z');
  ledger.add('investigation-ETH_G', 'InvestigationConcluded', {
    investigationId: 'ETH_G', agencyCode: 'GA', anomalyIds: ids, conclusion: 'VIOLATION', summary: '違規',
    jointAudit: { jointAuditId: '0b8e2a4c-1f3d-4e5a-9b7c-2d4e6f8a0b1c', agencyCode: 'GA', rule: '要點 十二(二)', dueDate: '2025-04-11' },
  }, '2025-03-12T01:00:00.000Z');
  // The same accounts about the same people again: the concluded groups open new anomalies.
  const again = picked.map((a, i) => ({ accountId: a.accountId, loggedAt: `2025-03-1${3 + i}T02:00:00.000Z`, operationCode: 'LI_ENROLMENT', subjectPersonId: a.kind === 'SELF_QUERY' ? holders.get(a.accountId)! : 'person_GAagain0', caseNumber: `案M${i}` }));
  ledger.log('GA', again, '2025-04-01T02:00:00.000Z');
  return ledger;
}
