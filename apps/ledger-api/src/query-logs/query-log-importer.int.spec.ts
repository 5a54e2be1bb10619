import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { QUERY_LOG_CHUNK_LINES } from '@ledger/domain';
import type { EventStore } from '@ledger/event-store';
import { createEventStore, createPersonalData, createProjectionRunners, createReadModelStore, loadConfig, type PersonalDataRuntime } from '@ledger/platform';
import { QUERY_LOGS_PROJECTION, reconciliationSummary, findLoggedQueries, queryLogImports, rejectedLines } from '@ledger/projections';
import type { ProjectionRunner, ReadModelStore } from '@ledger/read-models';
import { encode, LOG_HEADER, logLine, nationalId } from '../../../../test/support/webir-log';
import { importQueryLog, QueryLogImportDeps } from './query-log-importer';

const FIXTURES = resolve(__dirname, '../../../../test/fixtures/webir-logs');
const U1 = 'SWD001.USER.' + '1a'.repeat(16);

interface Ledger {
  dir: string;
  store: EventStore;
  readModels: ReadModelStore;
  personal: PersonalDataRuntime;
  runner: ProjectionRunner;
  deps: QueryLogImportDeps;
  close(): Promise<void>;
}

async function ledger(): Promise<Ledger> {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-logs-'));
  const config = loadConfig({ LEDGER_DATA_DIR: dir, LEDGER_SQLITE_SYNCHRONOUS: 'OFF' });
  const store = await createEventStore(config);
  const readModels = await createReadModelStore(config);
  const personal = await createPersonalData(config, {});
  const runner = createProjectionRunners(store, readModels, config).find((r) => r.name === QUERY_LOGS_PROJECTION)!;
  await runner.start();
  const deps: QueryLogImportDeps = {
    store, readModels, protector: personal.protector, clock: () => new Date('2025-04-02T01:00:00Z'), windowDays: 1, explainDays: 14,
    waitForQueryLogs: async (p) => void (await runner.waitFor(p, 30_000)),
  };
  return {
    dir, store, readModels, personal, runner, deps,
    async close() {
      await runner.stop();
      await readModels.close();
      await personal.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const req = (path: string, period = '2025-03') => ({ path, agencyCode: 'SWD001', period, actor: 'test' });

describe('WebIR log import from files (要點 九(二))', () => {
  let l: Ledger;
  beforeEach(async () => (l = await ledger()));
  afterEach(() => l.close());

  it.each([
    ['swd001-2025-03.utf8.csv', 'UTF-8'],
    ['swd001-2025-03.utf8-bom.csv', 'UTF-8-BOM'],
    ['swd001-2025-03.big5.csv', 'BIG5'],
    ['swd001-2025-03.other-headers.csv', 'UTF-8'],
  ])('要點 九(二): given the sample %s, when imported, then 6 lines are accepted and the 5 malformed ones rejected with their numbers and reasons', async (file, encoding) => {
    const r = await importQueryLog(l.deps, req(join(FIXTURES, file)));
    expect(r).toMatchObject({ encoding, lineCount: 11, acceptedCount: 6, rejectedCount: 5, unregisteredCount: 6, matchedCount: 0 });
    const lines = (await findLoggedQueries(l.readModels, { importId: r.importId, limit: 100 })).items;
    // Taipei time: 23:59:59 on the 5th and 00:00 on the 6th are two Taipei days.
    expect(lines.map((q) => [q.lineNo, q.loggedAt, q.outcomeCode])).toEqual([
      [2, '2025-03-03T01:12:05.000Z', 'FOUND'],
      [3, '2025-03-03T01:40:51.000Z', 'NOT_FOUND'],
      [4, '2025-03-05T06:03:00.000Z', 'FOUND'],
      [5, '2025-03-05T15:59:59.000Z', 'FOUND'],
      [6, '2025-03-05T16:00:00.000Z', 'FAILED'],
      [12, '2025-03-31T15:59:59.000Z', 'FOUND'],
    ]);
    expect(r.rejectedSample.map((x) => [x.lineNo, x.code])).toEqual([[7, 'BAD_DATE'], [8, 'ACCOUNT_OF_OTHER_AGENCY'], [9, 'UNKNOWN_OUTCOME'], [10, 'BAD_SUBJECT'], [11, 'DUPLICATE_LINE']]);
    // The subject is the vault's person id and the number sealed under that person's key: it opens back to the number.
    const chunk = (await l.store.readStream(`querylog-${r.importId}`)).find((e) => e.type === 'QueryLogLinesAccepted')!;
    const subject = (chunk.data as { lines: { subject: { personId: string; nationalIdCiphertext: string } }[] }).lines[0].subject;
    expect(subject.personId).toBe(await l.personal.protector.findPerson(nationalId(11)));
    expect(await l.personal.protector.reveal(subject.personId, subject.nationalIdCiphertext, 'nationalId')).toBe(nationalId(11));
  });

  it('要點 九(二): the same queries in files of other encodings count once in the month (three files, three digests)', async () => {
    for (const f of ['swd001-2025-03.utf8.csv', 'swd001-2025-03.big5.csv', 'swd001-2025-03.utf8-bom.csv']) await importQueryLog(l.deps, req(join(FIXTURES, f)));
    await l.runner.caughtUp();
    expect(await reconciliationSummary(l.readModels, 'SWD001', '2025-03')).toMatchObject({ imports: 3, logged: 6, duplicates: 12, unregistered: 6, rejected: 15 });
    expect((await queryLogImports(l.readModels, 'SWD001', '2025-03')).map((i) => i.state)).toEqual(['RECONCILED', 'RECONCILED', 'RECONCILED']);
  });

  it('要點 九(二): an import cut short by a crash is resumed by sending the file again: every line once, none lost', async () => {
    const path = join(l.dir, 'big.csv');
    const rows = Array.from({ length: 2300 }, (_, i) =>
      logLine({ accountId: U1, date: '114/03/10', time: `${String(Math.floor(i / 60) % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00`, operationCode: 'LI_ENROLMENT', subject: nationalId(100 + i), caseNumber: `C${i}`, reason: '審查', result: '成功' }),
    );
    writeFileSync(path, encode([LOG_HEADER, ...rows, 'broken line'].join('\r\n'), 'UTF-8'));
    let appends = 0;
    const failing: EventStore = Object.create(l.store) as EventStore;
    failing.append = async (...args) => {
      if (++appends === 1 + 1) throw new Error('disk full');
      return l.store.append(...args);
    };
    await expect(importQueryLog({ ...l.deps, store: failing }, req(path))).rejects.toThrow('disk full');
    // The next group's subjects are protected while one is appended: none is appended after the failure, even later.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(appends).toBe(2);
    const again = await importQueryLog(l.deps, req(path));
    expect(again).toMatchObject({ resumed: true, alreadyImported: false, lineCount: 2301, acceptedCount: 2300, rejectedCount: 1, unregisteredCount: 2300 });
    const events = await l.store.readStream(`querylog-${again.importId}`);
    const chunks = Math.ceil(2300 / QUERY_LOG_CHUNK_LINES);
    expect(events.filter((e) => e.type === 'QueryLogLinesAccepted').map((e) => (e.data as { chunk: number }).chunk)).toEqual(Array.from({ length: chunks }, (_, i) => i));
    const lineNos = events.filter((e) => e.type === 'QueryLogLinesAccepted').flatMap((e) => (e.data as { lines: { lineNo: number }[] }).lines.map((x) => x.lineNo));
    expect(lineNos).toEqual(Array.from({ length: 2300 }, (_, i) => i + 2));
    expect(events.filter((e) => e.type === 'QueryLogImportStarted')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'UnregisteredQueriesFound').map((e) => (e.data as { queries: unknown[] }).queries.length)).toEqual([500, 500, 500, 500, 300]);
    const third = await importQueryLog(l.deps, req(path));
    expect(third).toMatchObject({ alreadyImported: true, eventsAppended: 0 });
    expect(await l.store.readStream(`querylog-${again.importId}`)).toHaveLength(events.length);
  }, 120_000);

  it('要點 九(一): a listing another process appended while this run waited for the read model is read from the stream, and this run lists after it', async () => {
    const path = join(l.dir, 'month.csv');
    const rows = Array.from({ length: 1200 }, (_, i) =>
      logLine({ accountId: U1, date: '114/03/11', time: `${String(Math.floor(i / 60) % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00`, operationCode: 'LI_ENROLMENT', subject: nationalId(100 + i), caseNumber: `C${i}`, reason: '審查', result: '成功' }),
    );
    writeFileSync(path, encode([LOG_HEADER, ...rows].join('\r\n'), 'UTF-8'));
    let foreign = false;
    const deps: QueryLogImportDeps = {
      ...l.deps,
      waitForQueryLogs: async (p) => {
        await l.deps.waitForQueryLogs(p);
        if (foreign) return;
        foreign = true;
        // Another process's reconciliation of the same file got as far as its first 300 lines.
        const { streamId } = (await l.store.readAll({ after: p - 1n, maxCount: 1 }))[0];
        const [head] = await l.store.readStream(streamId, { direction: 'backwards', maxCount: 1 });
        const queries = rows.slice(0, 300).map((_, i) => ({ lineNo: i + 2, accountId: U1, operationCode: 'LI_ENROLMENT', loggedAt: new Date(Date.parse('2025-03-10T16:00:00Z') + (Math.floor(i / 60) % 24) * 3_600_000 + (i % 60) * 60_000).toISOString() }));
        const importId = (head.data as { importId: string }).importId;
        await l.store.append(head.streamId, [{
          eventId: randomUUID(), type: 'UnregisteredQueriesFound',
          data: { importId, agencyCode: 'SWD001', period: '2025-03', chunk: 0, anomaly: 'UNREGISTERED_QUERY', window: { days: 1 }, queries, duty: { kind: 'EXPLAIN_UNREGISTERED_QUERY', rule: '要點 九(一)', dueDate: '2025-04-16' } },
          metadata: { $correlationId: 'c', $causationId: 'c', commandId: randomUUID(), actor: 'other-process', occurredAt: '2025-04-02T01:00:00.000Z' },
        }], head.revision);
        await l.deps.waitForQueryLogs((await l.store.readStream(streamId, { direction: 'backwards', maxCount: 1 }))[0].position);
      },
    };
    const r = await importQueryLog(deps, req(path));
    expect(foreign).toBe(true);
    expect(r).toMatchObject({ acceptedCount: 1200, unregisteredCount: 1200 });
    const listings = (await l.store.readStream(`querylog-${r.importId}`)).filter((e) => e.type === 'UnregisteredQueriesFound').map((e) => e.data as { chunk: number; queries: { lineNo: number }[] });
    expect(listings.map((x) => [x.chunk, x.queries[0].lineNo, x.queries.length])).toEqual([[0, 2, 300], [1, 302, 500], [2, 802, 400]]);
    const listed = (await findLoggedQueries(l.readModels, { importId: r.importId, limit: 2000 })).items.filter((q) => q.foundUnregistered);
    expect(listed).toHaveLength(1200);
  }, 60_000);

  it('要點 九(二): an import started with 500 lines a chunk (the size before 2 December 2026) and cut short is resumed with 500, not the smaller default', async () => {
    expect(QUERY_LOG_CHUNK_LINES).toBeLessThan(500);
    const path = join(l.dir, 'old.csv');
    const rows = Array.from({ length: 2300 }, (_, i) =>
      logLine({ accountId: U1, date: '114/03/11', time: `${String(Math.floor(i / 60) % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00`, operationCode: 'LI_ENROLMENT', subject: nationalId(100 + i), caseNumber: `C${i}`, reason: '審查', result: '成功' }),
    );
    // Three chunks of 500 rejected lines among the accepted ones, so both kinds of chunk are cut short.
    const lines = rows.flatMap((r, i) => (i % 2 === 0 && i < 3000 ? [r, `bad line ${i}`] : [r]));
    writeFileSync(path, encode([LOG_HEADER, ...lines].join('\r\n'), 'UTF-8'));
    let appends = 0;
    const failing: EventStore = Object.create(l.store) as EventStore;
    failing.append = async (...args) => {
      if (++appends === 1 + 1) throw new Error('disk full');
      return l.store.append(...args);
    };
    await expect(importQueryLog({ ...l.deps, store: failing, chunkLines: 500 }, req(path))).rejects.toThrow('disk full');
    const cut = await l.store.readStream(`querylog-${(await l.store.readAll({})).find((e) => e.type === 'QueryLogImportStarted')!.data.importId as string}`);
    expect(cut.length).toBeGreaterThan(1);
    expect(cut.map((e) => e.type)).not.toContain('QueryLogImportCompleted');
    const again = await importQueryLog(l.deps, req(path));
    expect(again).toMatchObject({ resumed: true, lineCount: 2300 + 1150, acceptedCount: 2300, rejectedCount: 1150, unregisteredCount: 2300 });
    const events = await l.store.readStream(`querylog-${again.importId}`);
    expect(events[0].data).toMatchObject({ chunkLines: 500, acceptedChunks: 5, rejectedChunks: 3 });
    const sizes = (type: string) => events.filter((e) => e.type === type).map((e) => (e.data as { lines: unknown[] }).lines.length);
    expect(sizes('QueryLogLinesAccepted')).toEqual([500, 500, 500, 500, 300]);
    expect(sizes('QueryLogLinesRejected')).toEqual([500, 500, 150]);
    const lineNos = events.filter((e) => e.type === 'QueryLogLinesAccepted').flatMap((e) => (e.data as { lines: { lineNo: number }[] }).lines.map((x) => x.lineNo));
    expect(lineNos).toEqual(lines.map((text, k) => ({ text, lineNo: k + 2 })).filter(({ text }) => !text.startsWith('bad')).map(({ lineNo }) => lineNo));
    expect(events.filter((e) => e.type === 'UnregisteredQueriesFound').map((e) => (e.data as { queries: unknown[] }).queries.length)).toEqual([500, 500, 500, 500, 300]);
  }, 120_000);

  it('要點 九(二): every repeated line is rejected naming the first line with its content, as pass 1 counted it', async () => {
    const path = join(l.dir, 'repeats.csv');
    const row = (i: number) => logLine({ accountId: U1, date: '114/03/12', time: `10:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`, operationCode: 'LI_ENROLMENT', subject: nationalId(300 + i), caseNumber: `C${i}`, reason: '審查', result: '成功' });
    // 1,200 distinct lines, each seventh one repeated later (some twice), and a malformed line between.
    const rows: string[] = [];
    const firstLine = new Map<number, number>();
    for (let i = 0; i < 1_200; i++) {
      firstLine.set(i, rows.length + 2);
      rows.push(row(i));
      if (i % 7 === 6) rows.push(row(i - 6), 'not,a,line');
      if (i % 49 === 48) rows.push(row(i - 48));
    }
    writeFileSync(path, encode([LOG_HEADER, ...rows].join('\r\n'), 'UTF-8'));
    const r = await importQueryLog(l.deps, req(path));
    const expected = rows.map((text, k) => ({ lineNo: k + 2, text })).filter(({ lineNo, text }) => text !== 'not,a,line' && rows.indexOf(text) + 2 !== lineNo);
    expect(r).toMatchObject({ acceptedCount: 1_200, rejectedCount: rows.length - 1_200 });
    const rejected = [];
    for (let after: string | undefined; ; ) {
      const page = await rejectedLines(l.readModels, r.importId, after, 500);
      rejected.push(...page.items);
      if (!page.next) break;
      after = page.next;
    }
    const duplicates = rejected.filter((x) => x.code === 'DUPLICATE_LINE');
    expect(duplicates.map((x) => [x.lineNo, x.reason])).toEqual(expected.map(({ lineNo, text }) => [lineNo, `與第 ${rows.indexOf(text) + 2} 行重複`]));
    expect(duplicates.length).toBeGreaterThan(190);
  });

  it('要點 九(二): a file changed between the check and the import is not completed: nothing claims its digest for other bytes', async () => {
    const path = join(l.dir, 'changing.csv');
    const rows = (subject: number) => [LOG_HEADER, logLine({ accountId: U1, date: '114/03/12', time: '10:00:00', operationCode: 'LI_ENROLMENT', subject: nationalId(subject), caseNumber: 'C1', reason: '審查', result: '成功' })];
    writeFileSync(path, encode(rows(1).join('\r\n'), 'UTF-8'));
    // The stream is read once pass 1 is over: the file is swapped for one with as many lines then.
    const swapping: EventStore = Object.create(l.store) as EventStore;
    swapping.readStream = async (...args) => {
      writeFileSync(path, encode(rows(2).join('\r\n'), 'UTF-8'));
      return l.store.readStream(...args);
    };
    await expect(importQueryLog({ ...l.deps, store: swapping }, req(path))).rejects.toThrow(/file changed/);
    const events = await l.store.readAll({});
    expect(events.map((e) => e.type)).not.toContain('QueryLogImportCompleted');
  });

  it('要點 九(二): a file with no header is refused whole, appending nothing', async () => {
    const path = join(l.dir, 'empty.csv');
    writeFileSync(path, '');
    await expect(importQueryLog(l.deps, req(path))).rejects.toMatchObject({ field: 'file' });
    writeFileSync(path, 'x,y\r\n1,2\r\n');
    await expect(importQueryLog(l.deps, req(path))).rejects.toMatchObject({ field: 'file' });
    expect(await l.store.readAll({})).toHaveLength(0);
  });
});

describe('the chunk size does not change what is recorded (要點 九(二))', () => {
  it('要點 九(二)、九(一): the same file imported in chunks of 500 and of the default gives the same read models and reconciliation', async () => {
    const rows = Array.from({ length: 1_300 }, (_, i) =>
      logLine({ accountId: U1, date: `114/03/${String(10 + (i % 3)).padStart(2, '0')}`, time: `${String(Math.floor(i / 60) % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:${String(i % 7).padStart(2, '0')}`, operationCode: 'LI_ENROLMENT', subject: nationalId(500 + (i % 400)), caseNumber: `C${i % 900}`, reason: '審查', result: i % 5 === 0 ? '查無資料' : '成功' }),
    );
    const lines = rows.flatMap((r, i) => (i % 9 === 0 ? [r, 'x,y', rows[Math.max(0, i - 3)]] : [r]));
    const views: unknown[] = [];
    for (const chunkLines of [500, undefined]) {
      const l = await ledger();
      try {
        const path = join(l.dir, 'month.csv');
        writeFileSync(path, encode([LOG_HEADER, ...lines].join('\r\n'), 'BIG5'));
        // Registrations for every fourth line: matched ones, and the rest UNREGISTERED_QUERY.
        for (let i = 0; i < rows.length; i += 4) {
          const day = `2025-03-${String(10 + (i % 3)).padStart(2, '0')}`;
          await l.store.append(`queryregistration-R${i}`, [{
            eventId: randomUUID(), type: 'QueryRegistered',
            data: { registrationId: `R${i}`, agencyCode: 'SWD001', accountId: U1, operationCode: 'LI_ENROLMENT', plannedAt: `${day}T00:00:00+08:00`, caseNumber: `C${i % 900}`, reason: '審查', subject: { personId: (await l.personal.protector.resolvePerson(nationalId(500 + (i % 400)))).personId, nationalIdCiphertext: 'x' } },
            metadata: { $correlationId: 'c', $causationId: 'c', commandId: randomUUID(), actor: 't', occurredAt: '2025-03-01T00:00:00.000Z' },
          }], 'no_stream');
        }
        const r = await importQueryLog({ ...l.deps, ...(chunkLines ? { chunkLines } : {}) }, req(path));
        await l.runner.caughtUp();
        const events = await l.store.readStream(`querylog-${r.importId}`);
        expect(events[0].data).toMatchObject({ chunkLines: chunkLines ?? QUERY_LOG_CHUNK_LINES });
        const logged = (await findLoggedQueries(l.readModels, { importId: r.importId, limit: 5_000 })).items;
        // Each line's evidence is the chunk event that holds it (its id and position differ with the cut).
        for (const q of logged) {
          const holder = events.find((e) => e.eventId === q.evidence.eventId)!;
          expect(holder.position.toString()).toBe(q.evidence.position);
          expect((holder.data as { lines: { lineNo: number }[] }).lines.map((x) => x.lineNo)).toContain(q.lineNo);
        }
        const numbers = new Map<string, string>();
        for (let n = 500; n < 900; n++) numbers.set((await l.personal.protector.findPerson(nationalId(n)))!, nationalId(n));
        expect(logged.every((q) => numbers.has(q.personId))).toBe(true);
        const rejected = (await rejectedLines(l.readModels, r.importId, undefined, 5_000)).items;
        const unlisted = events.filter((e) => e.type === 'UnregisteredQueriesFound').flatMap((e) => (e.data as { queries: unknown[] }).queries);
        const strip = <T extends object>(o: T, ...keys: string[]) => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
        // Without the times the store recorded the events at and the position of the last one.
        const imported = strip((await queryLogImports(l.readModels, 'SWD001', '2025-03'))[0], 'position', 'startedAt', 'completedAt', 'reconciledAt');
        views.push({
          result: strip(r, 'eventsAppended', 'position'),
          // Person ids are the vault's random ids: compared as the number each stands for.
          logged: logged.map((q) => ({ ...strip(q, 'evidence'), personId: numbers.get(q.personId) })),
          rejected: rejected.map((x) => strip(x, 'evidence', 'position')),
          unlisted,
          imported,
          summary: await reconciliationSummary(l.readModels, 'SWD001', '2025-03'),
        });
      } finally {
        await l.close();
      }
    }
    expect(views[1]).toEqual(views[0]);
    expect(views[0]).toMatchObject({ result: { acceptedCount: 1_300, rejectedCount: 290 }, summary: { logged: 1_300, matched: 325, unregistered: 975 } });
  }, 120_000);
});

describe('re-import and out-of-order import give the same reconciliation (要點 九(一))', () => {
  it('要點 九(一): April before March, or March twice, leaves every month as in order', async () => {
    const results: unknown[] = [];
    for (const order of [['03', '04'], ['04', '03', '03']]) {
      const l = await ledger();
      try {
        const files: Record<string, string> = {};
        for (const m of ['03', '04']) {
          files[m] = join(l.dir, `${m}.csv`);
          const day = m === '03' ? '114/03/31' : '114/04/01';
          writeFileSync(files[m], encode([LOG_HEADER, logLine({ accountId: U1, date: day, time: '23:30:00', operationCode: 'LI_ENROLMENT', subject: nationalId(7), caseNumber: 'C1', reason: '審查', result: '成功' })].join('\n'), 'BIG5'));
        }
        await l.store.append(`queryregistration-R1`, [{
          eventId: randomUUID(), type: 'QueryRegistered',
          data: { registrationId: 'R1', agencyCode: 'SWD001', accountId: U1, operationCode: 'LI_ENROLMENT', plannedAt: '2025-03-31T15:00:00.000Z', caseNumber: 'C1', reason: '審查', subject: { personId: (await l.personal.protector.resolvePerson(nationalId(7))).personId, nationalIdCiphertext: 'x' } },
          metadata: { $correlationId: 'c', $causationId: 'c', commandId: randomUUID(), actor: 't', occurredAt: '2025-03-31T15:00:00.000Z' },
        }], 'no_stream');
        for (const m of order) await importQueryLog(l.deps, req(files[m], `2025-${m}`));
        await l.runner.caughtUp();
        results.push([await reconciliationSummary(l.readModels, 'SWD001', '2025-03'), await reconciliationSummary(l.readModels, 'SWD001', '2025-04')]);
      } finally {
        await l.close();
      }
    }
    expect(results[1]).toEqual(results[0]);
    // 31 March 23:30 Taipei is matched by the registration planned 23:00 that day; 1 April is the next Taipei day.
    expect(results[0]).toEqual([expect.objectContaining({ registered: 1, performed: 1, logged: 1, matched: 1 }), expect.objectContaining({ registered: 0, logged: 1, matched: 0, unregistered: 1 })]);
  });
});
