import { LoggedToMatch, reconcile, RegistrationToMatch } from '@ledger/domain';
import type { RecordedEvent } from '@ledger/event-store';
import { projectEvents, projectTwice, snapshotReadModels, SqliteReadModelStore } from '@ledger/read-models';
import { recorded } from '../testing/recorded';
import { QUERY_LOGS, queryLogsProjection } from './query-log.projection';
import { findLoggedQueries, loggedQuery, queryLogImport, reconciliationSummary, unregisteredOfImport, unregisteredOfImportAfterLine } from './query-log.queries';

const AG = 'SWD001';
const acct = (n: number) => `${AG}.USER.${String(n).repeat(32).slice(0, 32)}`;
const importOf = (c: string) => `${AG}.${c.repeat(32)}`;

const registration = (r: RegistrationToMatch) =>
  recorded(`queryregistration-${r.registrationId}`, 'QueryRegistered', {
    registrationId: r.registrationId, agencyCode: r.agencyCode, accountId: r.accountId, operationCode: r.operationCode, plannedAt: r.plannedAt,
    caseNumber: r.caseNumber, reason: '事由', subject: { personId: r.personId, nationalIdCiphertext: 'v1.x' },
  }, r.plannedAt);

function importEvents(importId: string, period: string, lines: LoggedToMatch[]): RecordedEvent[] {
  const stream = `querylog-${importId}`;
  const at = '2025-05-01T01:00:00Z';
  return [
    recorded(stream, 'QueryLogImportStarted', {
      importId, agencyCode: AG, period, file: { sha256: importId.slice(-32).repeat(2), byteLength: 1, encoding: 'UTF-8', layout: 'webir-query-log/1', columns: [] },
      lineCount: lines.length, acceptedCount: lines.length, rejectedCount: 0, chunkLines: 500, acceptedChunks: 1, rejectedChunks: 0,
    }, at),
    recorded(stream, 'QueryLogLinesAccepted', {
      importId, agencyCode: AG, period, chunk: 0,
      lines: lines.map((l) => ({ lineNo: l.lineNo, accountId: l.accountId, loggedAt: l.loggedAt, operationCode: l.operationCode, subject: { personId: l.personId, nationalIdCiphertext: 'v1.y' }, caseNumber: l.caseNumber, reason: '事由', outcomeCode: 'FOUND' as const })),
    }, at),
    recorded(stream, 'QueryLogImportCompleted', { importId, agencyCode: AG, period, sha256: 'x', lineCount: lines.length, acceptedCount: lines.length, rejectedCount: 0, firstLoggedAt: null, lastLoggedAt: null }, at),
  ];
}

const key = { agencyCode: AG, accountId: acct(1), operationCode: 'LI_ENROLMENT', personId: 'person_a', caseNumber: 'C1' };
const reg = (registrationId: string, plannedAt: string, over: Partial<RegistrationToMatch> = {}): RegistrationToMatch => ({ ...key, registrationId, plannedAt, ...over });
const log = (importId: string, lineNo: number, loggedAt: string, over: Partial<LoggedToMatch> = {}): LoggedToMatch => ({ ...key, importId, lineNo, loggedAt, ...over });

async function project(events: RecordedEvent[], window = { days: 1 }) {
  const store = new SqliteReadModelStore({ file: ':memory:' });
  // Renumber positions in the given order, as the store would have recorded them.
  const ordered = events.map((e, i) => ({ ...e, position: BigInt(i + 1) }));
  await projectEvents(queryLogsProjection(window), store, ordered);
  return store;
}

/** A month of random registrations and queries, some matching, some not, over a few keys and days. */
function randomMonth(seed: number) {
  let x = seed;
  const rnd = (n: number) => ((x = (x * 1103515245 + 12345) % 2 ** 31), x % n);
  const regs: RegistrationToMatch[] = [];
  const a: LoggedToMatch[] = [];
  const b: LoggedToMatch[] = [];
  const field = () => ({ accountId: acct(1 + rnd(2)), personId: `person_${rnd(3)}`, caseNumber: `C${rnd(2)}` });
  // Days 30/31 March and 1 April: the window and the months meet at Taipei midnight.
  const instant = () => new Date(Date.parse('2025-03-30T15:30:00Z') + rnd(3 * 24 * 60) * 60_000).toISOString();
  for (let i = 0; i < 40; i++) regs.push(reg(`R${i}`, instant(), field()));
  for (let i = 0; i < 40; i++) a.push(log(importOf('a'), i + 2, instant(), field()));
  for (let i = 0; i < 20; i++) b.push(log(importOf('b'), i + 2, instant(), field()));
  // The importer rejects a line repeating an earlier one of the same file (DUPLICATE_LINE): none here.
  const once = (ls: LoggedToMatch[]) => ls.filter((l, i) => ls.findIndex((o) => o.accountId === l.accountId && o.personId === l.personId && o.caseNumber === l.caseNumber && o.loggedAt === l.loggedAt) === i);
  return { regs, a: once(a), b: once(b) };
}

describe('query logs read model (要點 九(一)(二))', () => {
  it('要點 九(一): given registrations and two files in any order, the month summaries equal the domain reconciliation', async () => {
    for (const seed of [1, 7, 42]) {
      for (const days of [1, 2]) {
        const { regs, a, b } = randomMonth(seed);
        const expected = reconcile(regs, [...a, ...b], { days });
        const orders = [
          [...regs.map(registration), ...importEvents(importOf('a'), '2025-03', a), ...importEvents(importOf('b'), '2025-04', b)],
          [...importEvents(importOf('b'), '2025-04', b), ...importEvents(importOf('a'), '2025-03', a), ...regs.map(registration)],
          [...regs.slice(0, 20).map(registration), ...importEvents(importOf('a'), '2025-03', a), ...regs.slice(20).map(registration), ...importEvents(importOf('b'), '2025-04', b)],
        ];
        for (const events of orders) {
          const store = await project(events, { days });
          for (const m of expected.months) {
            const s = await reconciliationSummary(store, AG, m.month);
            expect({ seed, days, ...s }).toMatchObject({
              seed, days, registered: m.registered, performed: m.performed, notPerformed: m.notPerformed, logged: m.logged, matched: m.matched,
              unregistered: m.unregistered, loggedMoreThanOnce: m.loggedMoreThanOnce, severalRegistrations: m.severalRegistrations,
            });
          }
          await store.close();
        }
      }
    }
  });

  it('要點 九(一): a registration recorded after its query was imported matches it from then on (late registration)', async () => {
    const store = await project([...importEvents(importOf('a'), '2025-03', [log(importOf('a'), 2, '2025-03-05T02:00:00Z')]), registration(reg('R1', '2025-03-05T01:00:00Z'))]);
    expect(await reconciliationSummary(store, AG, '2025-03')).toMatchObject({ registered: 1, performed: 1, logged: 1, matched: 1, unregistered: 0 });
    expect((await findLoggedQueries(store, { agencyCode: AG, month: '2025-03', limit: 10 })).items[0]).toMatchObject({ registered: true, registrations: 1 });
    expect(await queryLogImport(store, importOf('a'))).toMatchObject({ state: 'COMPLETED', matched: 1 });
    await store.close();
  });

  it('要點 九(二): the same query in a second, overlapping file is counted once and not listed as unregistered again', async () => {
    const q = log(importOf('a'), 2, '2025-03-05T02:00:00Z');
    const store = await project([...importEvents(importOf('a'), '2025-03', [q]), ...importEvents(importOf('b'), '2025-03', [{ ...q, importId: importOf('b'), lineNo: 5 }])]);
    expect(await reconciliationSummary(store, AG, '2025-03')).toMatchObject({ logged: 1, unregistered: 1, duplicates: 1, imports: 2, importsIncomplete: 0 });
    expect(await unregisteredOfImport(store, importOf('b'), 0, 10)).toEqual([]);
    expect((await unregisteredOfImport(store, importOf('a'), 0, 10)).map((d) => d.lineNo)).toEqual([2]);
    await store.close();
  });

  it('要點 九(一): a listing flags each listed row and counts it in the month of its Taipei day, whether projected with the lines, after them or event by event', async () => {
    const importId = importOf('a');
    const stream = `querylog-${importId}`;
    // 15:30Z is 23:30 on 31 March in Taipei, 16:30Z is 00:30 on 1 April: two months of one file.
    const lines = [log(importId, 2, '2025-03-31T15:30:00.000Z'), log(importId, 3, '2025-03-31T16:30:00.000Z'), log(importId, 4, '2025-03-31T16:40:00.000Z')];
    const found = recorded(stream, 'UnregisteredQueriesFound', {
      importId, agencyCode: AG, period: '2025-03', chunk: 0, anomaly: 'UNREGISTERED_QUERY', window: { days: 1 },
      queries: lines.slice(0, 2).map((l) => ({ lineNo: l.lineNo, accountId: l.accountId, operationCode: l.operationCode, loggedAt: l.loggedAt })),
      duty: { kind: 'EXPLAIN_UNREGISTERED_QUERY', rule: '要點 九(一)', dueDate: '2025-05-15' },
    }, '2025-05-01T01:00:00Z');
    const explained = recorded(`unregisteredquery-${importId}.3`, 'UnregisteredQueryExplained', {
      importId, lineNo: 3, agencyCode: AG, resolution: 'EXPLANATION', explanation: '說明', registrationId: null, meetsDuty: 'EXPLAIN_UNREGISTERED_QUERY',
    }, '2025-05-02T01:00:00Z');
    const events = [...importEvents(importId, '2025-03', lines), found, explained].map((e, i) => ({ ...e, position: BigInt(i + 1) }));
    const onePage = new SqliteReadModelStore({ file: ':memory:' });
    await projectEvents(queryLogsProjection(), onePage, events);
    const twoPages = new SqliteReadModelStore({ file: ':memory:' });
    await projectEvents(queryLogsProjection(), twoPages, events.slice(0, 3));
    await projectEvents(queryLogsProjection(), twoPages, events.slice(3));
    const byEvent = new SqliteReadModelStore({ file: ':memory:' });
    for (const e of events) await projectEvents(queryLogsProjection(), byEvent, [e]);
    const expected = await snapshotReadModels(onePage, Object.values(QUERY_LOGS));
    expect(expected[QUERY_LOGS.logged].map((d) => [d['lineNo'], d['month'], d['explained']])).toEqual([[2, '2025-03', null], [3, '2025-04', 'EXPLANATION'], [4, '2025-04', null]]);
    for (const store of [onePage, twoPages, byEvent]) {
      expect((await findLoggedQueries(store, { importId, limit: 10 })).items.map((d) => [d.lineNo, d.foundUnregistered])).toEqual([[2, true], [3, true], [4, false]]);
    }
    expect(await reconciliationSummary(onePage, AG, '2025-03')).toMatchObject({ logged: 1, foundUnregistered: 1, explained: 0, unexplained: 1 });
    expect(await reconciliationSummary(onePage, AG, '2025-04')).toMatchObject({ logged: 2, foundUnregistered: 1, explained: 1, unexplained: 0 });
    expect(await queryLogImport(onePage, importId)).toMatchObject({ foundUnregistered: 2, explained: 1 });
    for (const other of [twoPages, byEvent]) expect(await snapshotReadModels(other, Object.values(QUERY_LOGS))).toEqual(expected);
    const { once, twice } = await projectTwice(queryLogsProjection(), events);
    expect(once).toEqual(expected);
    expect(twice).toEqual(once);
    await Promise.all([onePage.close(), twoPages.close(), byEvent.close()]);
  });

  it('要點 九(一): a row is listed exactly when a listing event named it — across listings and imports, after a late registration, in pages and point reads', async () => {
    const a = importOf('a');
    const b = importOf('b');
    // Twelve lines of import a over the same Taipei day (distinct subjects: no line matches another), six of b.
    const lines = (importId: string, n: number) => Array.from({ length: n }, (_, i) => log(importId, i + 2, `2025-03-05T0${Math.floor(i / 6)}:${String((i % 6) * 7).padStart(2, '0')}:00.000Z`, { personId: `person_${importId.slice(-1)}${i}` }));
    const la = lines(a, 12);
    const lb = lines(b, 6);
    const found = (importId: string, chunk: number, ls: LoggedToMatch[]) => recorded(`querylog-${importId}`, 'UnregisteredQueriesFound', {
      importId, agencyCode: AG, period: '2025-03', chunk, anomaly: 'UNREGISTERED_QUERY', window: { days: 1 },
      queries: ls.map((l) => ({ lineNo: l.lineNo, accountId: l.accountId, operationCode: l.operationCode, loggedAt: l.loggedAt })),
      duty: { kind: 'EXPLAIN_UNREGISTERED_QUERY', rule: '要點 九(一)', dueDate: '2025-05-15' },
    }, '2025-05-01T01:00:00Z');
    // Line 5 of a is registered late, after its listing was read but before the listing is projected: it stays listed.
    const late = registration(reg('R-late', '2025-03-05T00:00:00.000Z', { personId: la[3].personId }));
    const store = await project([
      ...importEvents(a, '2025-03', la), ...importEvents(b, '2025-03', lb),
      late,
      // Import a: lines 2–7 in one listing (6 left out), 9–13 in another; line 8 never listed. Import b: 3 and 5.
      found(a, 0, [la[0], la[1], la[2], la[3], la[5]]), found(a, 1, la.slice(7)), found(b, 0, [lb[1], lb[3]]),
    ]);
    const expected = new Set([...[2, 3, 4, 5, 7, 9, 10, 11, 12, 13].map((n) => `${a}.${n}`), `${b}.3`, `${b}.5`]);
    const all: { ref: string; listed: boolean; registered: boolean }[] = [];
    for (let after: string | undefined; ; ) {
      const page = await findLoggedQueries(store, { agencyCode: AG, month: '2025-03', after, limit: 4 });
      all.push(...page.items.map((d) => ({ ref: d.ref, listed: d.foundUnregistered, registered: d.registered })));
      if (!page.next) break;
      after = page.next;
    }
    expect(all).toHaveLength(18);
    for (const row of all) expect([row.ref, row.listed]).toEqual([row.ref, expected.has(row.ref)]);
    expect(all.find((r) => r.ref === `${a}.5`)).toEqual({ ref: `${a}.5`, listed: true, registered: true });
    expect((await loggedQuery(store, a, 8))?.foundUnregistered).toBe(false);
    expect((await loggedQuery(store, a, 13))?.foundUnregistered).toBe(true);
    expect((await loggedQuery(store, b, 7))?.foundUnregistered).toBe(false);
    // The reconciliation's own read (status UNREGISTERED: line 5 is registered now) with the same flags.
    expect((await unregisteredOfImport(store, a, 0, 100)).map((d) => [d.lineNo, d.foundUnregistered])).toEqual([2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13].map((n) => [n, expected.has(`${a}.${n}`)]));
    await store.close();
  });

  it('lists an import\'s unregistered lines for its reconciliation in line order, a page at a time, with the four fields the listing records', async () => {
    const { regs, a } = randomMonth(5);
    // A few registrations only, so that some lines have none.
    const store = await project([...regs.slice(0, 4).map(registration), ...importEvents(importOf('a'), '2025-03', a)]);
    const whole = await unregisteredOfImport(store, importOf('a'), 0, 1000);
    expect(whole.length).toBeGreaterThan(3);
    const pages: unknown[] = [];
    for (let after = 0; ;) {
      const page = await unregisteredOfImportAfterLine(store, importOf('a'), after, 3);
      pages.push(...page);
      if (page.length < 3) break;
      after = page[page.length - 1].lineNo;
    }
    expect(pages).toEqual(whole.map((d) => ({ lineNo: d.lineNo, accountId: d.accountId, operationCode: d.operationCode, loggedAt: d.loggedAt })));
    await store.close();
  });

  it('pages by (loggedAt, file, line) and finds by account, case number and subject', async () => {
    const lines = [log(importOf('a'), 2, '2025-03-05T02:00:00Z'), log(importOf('a'), 3, '2025-03-04T02:00:00Z', { caseNumber: 'C9' }), log(importOf('a'), 4, '2025-03-06T02:00:00Z', { personId: 'person_z' })];
    const store = await project(importEvents(importOf('a'), '2025-03', lines));
    const first = await findLoggedQueries(store, { agencyCode: AG, month: '2025-03', limit: 2 });
    expect(first.items.map((d) => d.lineNo)).toEqual([3, 2]);
    expect((await findLoggedQueries(store, { agencyCode: AG, month: '2025-03', limit: 2, after: first.next! })).items.map((d) => d.lineNo)).toEqual([4]);
    expect((await findLoggedQueries(store, { agencyCode: AG, caseNumber: 'C9', limit: 10 })).items.map((d) => d.lineNo)).toEqual([3]);
    expect((await findLoggedQueries(store, { personId: 'person_z', limit: 10 })).items.map((d) => d.lineNo)).toEqual([4]);
    await store.close();
  });

  it('reads a page\'s match groups in one read of the store (registrations) and one per chunk (lines), and stores what reads one at a time store', async () => {
    for (const days of [1, 2]) {
      const { regs, a, b } = randomMonth(5);
      const events = [...regs.slice(0, 25).map(registration), ...importEvents(importOf('a'), '2025-03', a), ...regs.slice(25).map(registration), ...importEvents(importOf('b'), '2025-04', b)].map((e, i) => ({ ...e, position: BigInt(i + 1) }));
      const fetching = queryLogsProjection({ days });
      const oneAtATime = { ...fetching, prefetchPage: undefined };
      const reads = { single: 0, many: 0 };
      const run = async (projection: typeof fetching, counted: boolean) => {
        const store = new SqliteReadModelStore({ file: ':memory:' });
        const counting = Object.assign(Object.create(store) as SqliteReadModelStore, {
          getEntry: (c: string, id: string) => (counted && c === QUERY_LOGS.groups && reads.single++, store.getEntry(c, id)),
          getEntries: (c: string, ids: readonly string[]) => (counted && c === QUERY_LOGS.groups && reads.many++, store.getEntries(c, ids)),
        });
        await projectEvents(projection, counting, events);
        const snap = await snapshotReadModels(store, Object.values(QUERY_LOGS));
        await store.close();
        return snap;
      };
      expect(await run(fetching, true)).toEqual(await run(oneAtATime, false));
      // The registrations' read, then one per chunk whose groups the page has not read yet (file b's keys are a's).
      expect(reads.single).toBe(0);
      expect(reads.many).toBeGreaterThanOrEqual(2);
      expect(reads.many).toBeLessThanOrEqual(3);
      reads.many = 0;
    }
  });

  it('run twice: replaying every event changes nothing', async () => {
    const { regs, a } = randomMonth(3);
    const events = [...regs.map(registration), ...importEvents(importOf('a'), '2025-03', a)];
    const { once, twice } = await projectTwice(queryLogsProjection(), events);
    expect(twice).toEqual(once);
    expect(once.logged_queries).toHaveLength(a.length);
  });

  it('a file recorded in chunks of 500 gives the read model that one line per event gives (lines, groups, months, imports)', async () => {
    const { regs, a } = randomMonth(11);
    const importId = importOf('a');
    const stream = `querylog-${importId}`;
    const at = '2025-05-01T01:00:00Z';
    const [started, , completed] = importEvents(importId, '2025-03', a);
    const line = (l: LoggedToMatch) => ({ lineNo: l.lineNo, accountId: l.accountId, loggedAt: l.loggedAt, operationCode: l.operationCode, subject: { personId: l.personId, nationalIdCiphertext: 'v1.y' }, caseNumber: l.caseNumber, reason: '事由', outcomeCode: 'FOUND' as const });
    const found = (ls: LoggedToMatch[], chunk: number) => recorded(stream, 'UnregisteredQueriesFound', {
      importId, agencyCode: AG, period: '2025-03', chunk, anomaly: 'UNREGISTERED_QUERY', window: { days: 1 },
      queries: ls.map((l) => ({ lineNo: l.lineNo, accountId: l.accountId, operationCode: l.operationCode, loggedAt: l.loggedAt })), duty: { kind: 'EXPLAIN_UNREGISTERED_QUERY', rule: '要點 九(一)', dueDate: '2025-05-15' },
    }, at);
    // Half the registrations before the file and half after it (late registrations), as in a real month.
    const early = regs.slice(0, 20).map(registration);
    const late = regs.slice(20).map(registration);
    const unregistered = (store: SqliteReadModelStore) => unregisteredOfImport(store, importId, 0, 1000);

    const chunked = await project([...early, started, recorded(stream, 'QueryLogLinesAccepted', { importId, agencyCode: AG, period: '2025-03', chunk: 0, lines: a.map(line) }, at), completed]);
    const listedChunked = await unregistered(chunked);
    await projectEvents(queryLogsProjection(), chunked, [found(a.filter((l) => listedChunked.some((u) => u.lineNo === l.lineNo)), 0), ...late].map((e, i) => ({ ...e, position: BigInt(1000 + i) })));

    const single = await project([...early, started, ...a.map((l, i) => recorded(stream, 'QueryLogLinesAccepted', { importId, agencyCode: AG, period: '2025-03', chunk: i, lines: [line(l)] }, at)), completed]);
    const listedSingle = await unregistered(single);
    const foundOneByOne = a.filter((l) => listedSingle.some((u) => u.lineNo === l.lineNo)).map((l, i) => found([l], i));
    await projectEvents(queryLogsProjection(), single, [...foundOneByOne, ...late].map((e, i) => ({ ...e, position: BigInt(1000 + i) })));

    expect(listedSingle.map((d) => d.lineNo)).toEqual(listedChunked.map((d) => d.lineNo));
    // The evidence names the chunk event (its id and position) and _position the last event applied: those differ by construction.
    // The listings differ by construction too (one document per listing event), so the flags they give are compared instead.
    const comparable = async (store: SqliteReadModelStore) => {
      const snap = await snapshotReadModels(store, Object.values(QUERY_LOGS).filter((c) => c !== QUERY_LOGS.listings));
      const rows: Record<string, Record<string, unknown>[]> = Object.fromEntries(Object.entries(snap).map(([c, docs]) => [c, docs.map(({ _position: _p, evidence: _e, position: _q, ...rest }) => rest)]));
      const listed = (await findLoggedQueries(store, { importId, limit: 1000 })).items.filter((d) => d.foundUnregistered).map((d) => d.lineNo);
      return { rows, listed };
    };
    const one = await comparable(single);
    expect(await comparable(chunked)).toEqual(one);
    expect(one.rows[QUERY_LOGS.logged]).toHaveLength(a.length);
    expect([...one.listed].sort((x, y) => x - y)).toEqual(listedSingle.map((d) => d.lineNo));
    expect(listedSingle.length).toBeGreaterThan(0);
    expect(one.rows[QUERY_LOGS.months].length).toBeGreaterThan(0);
  });
});
