import { projectEvents, projectTwice, SqliteReadModelStore } from '@ledger/read-models';
import { recorded } from '../testing/recorded';
import { monthlyLogImportsProjection, monthlyPopulationOf } from './monthly-log-imports.projection';

const importId = `SWD001.${'ab'.repeat(16)}`;
const other = `SWD001.${'cd'.repeat(16)}`;
const base = (id: string, period = '2025-03') => ({ importId: id, agencyCode: 'SWD001', period });
const line = (lineNo: number) => ({ lineNo, accountId: 'SWD001.USER.x', loggedAt: '2025-03-10T02:00:00.000Z', operationCode: 'L01', subject: { personId: 'p', nationalIdCiphertext: 'c' }, caseNumber: 'C', reason: 'r', outcomeCode: 'FOUND' as const });
const accepted = (id: string, chunk: number, lineNos: number[], period?: string) => recorded(`querylog-${id}`, 'QueryLogLinesAccepted', { ...base(id, period), chunk, lines: lineNos.map(line) }, '2025-04-02T02:00:00.000Z');
const started = (id: string) =>
  recorded(`querylog-${id}`, 'QueryLogImportStarted', { ...base(id), file: { sha256: 'x', byteLength: 1, encoding: 'UTF-8', layout: 'webir-query-log/1', columns: [] }, lineCount: 3, acceptedCount: 3, rejectedCount: 0, chunkLines: 500, acceptedChunks: 1, rejectedChunks: 0 }, '2025-04-02T02:00:00.000Z');
const completed = (id: string, sha: string, period?: string) =>
  recorded(`querylog-${id}`, 'QueryLogImportCompleted', { ...base(id, period), sha256: sha, lineCount: 3, acceptedCount: 3, rejectedCount: 0, firstLoggedAt: null, lastLoggedAt: null }, '2025-04-02T02:00:00.000Z');

describe('要點 十二(一): the month\'s population of logged queries', () => {
  const events = [started(importId), accepted(importId, 0, [2, 3]), accepted(importId, 1, [5]), completed(importId, 'ab'.repeat(32)), started(other), accepted(other, 0, [2]), accepted(`SWD001.${'ef'.repeat(16)}`, 0, [2], '2025-04')];

  it('is every accepted line of the completed imports of that month; an import still running is not part of it yet', async () => {
    const store = new SqliteReadModelStore({ file: ':memory:' });
    await projectEvents(monthlyLogImportsProjection, store, events);
    expect(await monthlyPopulationOf(store, 'SWD001', '2025-03')).toEqual({ entryIds: [`${importId}.2`, `${importId}.3`, `${importId}.5`], logDigests: ['ab'.repeat(32)], importsIncomplete: 1 });
    await projectEvents(monthlyLogImportsProjection, store, [completed(other, 'cd'.repeat(32))]);
    expect(await monthlyPopulationOf(store, 'SWD001', '2025-03')).toMatchObject({ logDigests: ['ab'.repeat(32), 'cd'.repeat(32)], importsIncomplete: 0 });
    expect((await monthlyPopulationOf(store, 'SWD001', '2025-03')).entryIds).toHaveLength(4);
    expect(await monthlyPopulationOf(store, 'SWD002', '2025-03')).toEqual({ entryIds: [], logDigests: [], importsIncomplete: 0 });
    await store.close();
  });

  it('run twice: replaying changes nothing', async () => {
    const { once, twice } = await projectTwice(monthlyLogImportsProjection, events);
    expect(twice).toEqual(once);
  });
});
