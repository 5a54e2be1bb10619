import { projectEvents, projectTwice, SqliteReadModelStore } from '@ledger/read-models';
import { recorded } from '../testing/recorded';
import { obtainedDataProjection } from './obtained-data.projection';
import { obtainedDataRecord, openDeletions } from './obtained-data.queries';

const stream = (id: string) => `obtaineddata-${id}`;
const copy = (copyId: string, kind: 'ORIGINAL' | 'BACKUP') => ({ copyId, kind, medium: 'ELECTRONIC' as const, protection: 'ENCRYPTED_FILE' as const, location: '加密檔案區' });
const recordedData = (recordId: string, agencyCode = 'SWD001') =>
  recorded(stream(recordId), 'ObtainedDataRecorded', {
    recordId, agencyCode, registrationIds: ['r1', 'r2'], obtainedOn: '2025-03-05', legalBasis: '社會救助法', use: { until: '2025-06-30', basis: '案件辦結' },
    statutoryRetention: null, copies: [copy('file', 'ORIGINAL')],
  }, '2025-03-05T02:00:00.000Z');
const backup = (recordId: string) => recorded(stream(recordId), 'ObtainedDataCopyMade', { recordId, agencyCode: 'SWD001', copy: copy('backup', 'BACKUP') }, '2025-03-06T02:00:00.000Z');
const ended = (recordId: string, dueDate: string, agencyCode = 'SWD001') =>
  recorded(stream(recordId), 'ObtainedDataUseEnded', { recordId, agencyCode, endedOn: '2025-07-01', reason: 'USE_COMPLETE', rule: '要點 十一(二)2', note: null, duty: { kind: 'DELETE_OBTAINED_DATA', rule: '要點 十一(二)', dueDate } }, '2025-07-01T02:00:00.000Z');
const deleted = (recordId: string, copyIds: string[], remainingCopyIds: string[]) =>
  recorded(stream(recordId), 'ObtainedDataDeleted', {
    recordId, agencyCode: 'SWD001', deletionId: `d_${copyIds.join('_')}`, deletedOn: '2025-07-10', copyIds, temporaryFilesCleared: true, method: 'SECURE_ERASE',
    performedBy: { unit: 'u', accountId: null }, evidence: { reference: 'r', description: 'd' }, remainingCopyIds, complete: remainingCopyIds.length === 0,
    meetsDuty: remainingCopyIds.length === 0 ? 'DELETE_OBTAINED_DATA' : null,
  }, '2025-07-10T02:00:00.000Z');
const disclosed = (recordId: string, flagged: boolean) =>
  recorded(stream(recordId), 'ObtainedDataDisclosed', { recordId, agencyCode: 'SWD001', disclosureId: `x${flagged}`, recipientKind: 'THIRD_PARTY', recipient: '某單位', disclosedOn: '2025-04-01', legalBasis: flagged ? null : '法律', flag: flagged ? 'NO_LEGAL_BASIS' : null }, '2025-04-01T02:00:00.000Z');

describe('obtained data read model (要點 十一)', () => {
  const events = () => [
    recordedData('A'), backup('A'), disclosed('A', true), disclosed('A', false), ended('A', '2025-08-01'), deleted('A', ['file'], ['backup']),
    recordedData('B'), ended('B', '2025-07-20'), deleted('B', ['file'], []),
    recordedData('C', 'DIST002'), ended('C', '2025-07-15', 'DIST002'),
    recordedData('D'),
  ];

  it('要點 十一(二)(三): open deletions are those whose use ended and that keep a copy; a deletion leaving a backup stays open', async () => {
    const store = new SqliteReadModelStore({ file: ':memory:' });
    await projectEvents(obtainedDataProjection, store, events());
    const all = await openDeletions(store, { today: '2025-08-02' });
    expect(all.map((d) => [d.recordId, d.agencyCode, d.deletionDueDate, d.overdue])).toEqual([
      ['C', 'DIST002', '2025-07-15', true],
      ['A', 'SWD001', '2025-08-01', true],
    ]);
    expect((await openDeletions(store, { agencyCode: 'SWD001', today: '2025-07-31' })).map((d) => [d.recordId, d.overdue, d.remainingCopyIds])).toEqual([['A', false, ['backup']]]);
    expect(await obtainedDataRecord(store, 'A')).toMatchObject({ status: 'USE_ENDED', disclosures: 2, disclosuresWithoutLegalBasis: 1, registrationCount: 2, copies: [{ copyId: 'file', deleted: true }, { copyId: 'backup', deleted: false }] });
    expect(await obtainedDataRecord(store, 'B')).toMatchObject({ status: 'DELETED', remainingCopyIds: [], lastDeletedOn: '2025-07-10' });
    expect(await obtainedDataRecord(store, 'D')).toMatchObject({ status: 'HELD', deletionDueDate: null });
    await store.close();
  });

  it('run twice: replaying every event changes nothing', async () => {
    const { once, twice } = await projectTwice(obtainedDataProjection, events());
    expect(twice).toEqual(once);
  });
});
