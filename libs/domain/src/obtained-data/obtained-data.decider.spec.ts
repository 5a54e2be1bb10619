import { givenFor } from '../../testing/given-when-then';
import { AGENCY, idOf } from '../../testing/test-fixtures';
import type { DeleteObtainedData, RecordObtainedData } from './obtained-data.commands';
import { obtainedDataDecider } from './obtained-data.decider';
import type { ObtainedDataEvent } from './obtained-data.events';
import { deletionDueDate } from './obtained-data.rules';

const given = givenFor(obtainedDataDecider);
const RECORD = 'SWD001_2025_OD_001';
const original = { copyId: 'case_file', kind: 'ORIGINAL', medium: 'ELECTRONIC', protection: 'ENCRYPTED_FILE', location: '社會救助科加密檔案區' } as const;
const paper = { copyId: 'case_paper', kind: 'DERIVED', medium: 'PAPER', protection: 'CONFIDENTIAL_PAPER', location: '案卷密件櫃' } as const;
const backup = { copyId: 'nightly_backup', kind: 'BACKUP', medium: 'ELECTRONIC', protection: 'ENCRYPTED_FILE', location: '機房備份磁帶' } as const;

const record = (overrides: Partial<RecordObtainedData> = {}): RecordObtainedData => ({
  type: 'RecordObtainedData',
  recordId: RECORD,
  agencyCode: AGENCY,
  registrationIds: ['SWD001_2025_000123', 'SWD001_2025_000124'],
  obtainedOn: '2025-03-05',
  legalBasis: '社會救助法第44條之3',
  use: { until: '2025-06-30', basis: '低收入戶資格審查案件辦結為止' },
  statutoryRetention: null,
  copies: [original],
  registrationAgencies: { SWD001_2025_000123: AGENCY, SWD001_2025_000124: AGENCY },
  ...overrides,
});

const recorded: ObtainedDataEvent = {
  type: 'ObtainedDataRecorded',
  data: {
    recordId: RECORD,
    agencyCode: AGENCY,
    registrationIds: ['SWD001_2025_000123', 'SWD001_2025_000124'],
    obtainedOn: '2025-03-05',
    legalBasis: '社會救助法第44條之3',
    use: { until: '2025-06-30', basis: '低收入戶資格審查案件辦結為止' },
    statutoryRetention: null,
    copies: [original],
  },
};
const withBackup: ObtainedDataEvent = { type: 'ObtainedDataCopyMade', data: { recordId: RECORD, agencyCode: AGENCY, copy: backup } };
const useEnded = (dueDate = '2025-08-01'): ObtainedDataEvent => ({
  type: 'ObtainedDataUseEnded',
  data: { recordId: RECORD, agencyCode: AGENCY, endedOn: '2025-07-01', reason: 'USE_COMPLETE', rule: '要點 十一(二)2', note: null, duty: { kind: 'DELETE_OBTAINED_DATA', rule: '要點 十一(二)', dueDate } },
});
const deletion = (overrides: Partial<DeleteObtainedData> = {}): DeleteObtainedData => ({
  type: 'DeleteObtainedData',
  recordId: RECORD,
  deletionId: 'del_1',
  deletedOn: '2025-07-10',
  copyIds: ['case_file'],
  temporaryFilesCleared: true,
  method: 'SECURE_ERASE',
  performedBy: { unit: '社會救助科', accountId: idOf('ADMIN') },
  evidence: { reference: '114社救字第0456號簽', description: '刪除紀錄截圖與覆寫工具報告' },
  ...overrides,
});

describe('obtained data decider', () => {
  it('要點 九(一)3、十一(二)2: records which registrations the data came from, where and how each copy is kept, the legal basis and the declared period of use', () =>
    given([]).when(record()).then([recorded]));

  it('要點 九(一)3: a paper copy not kept as 密件, or an electronic file not encrypted, is refused', () => {
    given([]).when(record({ copies: [{ ...paper, protection: 'NONE' }] })).thenThrows('OBTAINED_DATA_NOT_PROTECTED', '要點 九(一)3');
    given([]).when(record({ copies: [{ ...original, protection: 'CONFIDENTIAL_PAPER' }] })).thenThrows('OBTAINED_DATA_NOT_PROTECTED', '要點 九(一)3');
    given([recorded]).when({ type: 'RecordObtainedDataCopy', recordId: RECORD, copy: { ...backup, protection: 'NONE' } }).thenThrows('OBTAINED_DATA_NOT_PROTECTED');
  });

  it("要點 九(一): the data comes from the agency's own registered queries", () => {
    given([]).when(record({ registrationAgencies: { SWD001_2025_000123: AGENCY, SWD001_2025_000124: null } })).thenThrows('OBTAINED_DATA_REGISTRATION_UNKNOWN', '要點 九(一)');
    given([]).when(record({ registrationAgencies: { SWD001_2025_000123: AGENCY, SWD001_2025_000124: 'DIST002' } })).thenThrows('OBTAINED_DATA_REGISTRATION_UNKNOWN');
  });

  it('要點 十一(二)2: the legal basis, the basis of the period of use and at least one copy are required; ids are stream-safe', () => {
    given([]).when(record({ legalBasis: ' ' })).thenThrows('VALIDATION_FAILED');
    given([]).when(record({ use: { until: null, basis: '' } })).thenThrows('VALIDATION_FAILED');
    given([]).when(record({ use: { until: '2025-02-30', basis: 'x' } })).thenThrows('VALIDATION_FAILED');
    given([]).when(record({ copies: [] })).thenThrows('VALIDATION_FAILED');
    given([]).when(record({ copies: [original, original] })).thenThrows('VALIDATION_FAILED');
    given([]).when(record({ registrationIds: ['A-1'] })).thenThrows('VALIDATION_FAILED');
    given([recorded]).when(record()).thenThrows('OBTAINED_DATA_ALREADY_RECORDED');
  });

  it('要點 八: a disclosure without a legal basis is refused; one reported after the fact is kept and flagged', () => {
    const disclose = { type: 'DiscloseObtainedData', recordId: RECORD, disclosureId: 'dis_1', recipientKind: 'INTERNATIONAL', recipient: '境外委外廠商', disclosedOn: '2025-04-01', legalBasis: null, reportedBreach: false } as const;
    given([recorded]).when(disclose).thenThrows('DISCLOSURE_WITHOUT_LEGAL_BASIS', '要點 八');
    given([recorded]).when({ ...disclose, recipientKind: 'THIRD_PARTY', legalBasis: '  ' }).thenThrows('DISCLOSURE_WITHOUT_LEGAL_BASIS', '要點 八');
    given([recorded])
      .when({ ...disclose, reportedBreach: true })
      .then([{ type: 'ObtainedDataDisclosed', data: { recordId: RECORD, agencyCode: AGENCY, disclosureId: 'dis_1', recipientKind: 'INTERNATIONAL', recipient: '境外委外廠商', disclosedOn: '2025-04-01', legalBasis: null, flag: 'NO_LEGAL_BASIS' } }]);
    given([recorded])
      .when({ ...disclose, recipientKind: 'OTHER_AGENCY', recipient: '地方法院', legalBasis: '刑事訴訟法第133條' })
      .then([{ type: 'ObtainedDataDisclosed', data: { recordId: RECORD, agencyCode: AGENCY, disclosureId: 'dis_1', recipientKind: 'OTHER_AGENCY', recipient: '地方法院', disclosedOn: '2025-04-01', legalBasis: '刑事訴訟法第133條', flag: null } }]);
  });

  it('要點 十一(二)2、3: use complete or basis lapsed opens the deletion, due one month later', () => {
    given([recorded]).when({ type: 'EndObtainedDataUse', recordId: RECORD, endedOn: '2025-07-01', reason: 'USE_COMPLETE', note: null }).then([useEnded('2025-08-01')]);
    given([recorded])
      .when({ type: 'EndObtainedDataUse', recordId: RECORD, endedOn: '2025-07-01', reason: 'BASIS_LAPSED', note: '法規修正' })
      .then([{ type: 'ObtainedDataUseEnded', data: { recordId: RECORD, agencyCode: AGENCY, endedOn: '2025-07-01', reason: 'BASIS_LAPSED', rule: '要點 十一(二)3', note: '法規修正', duty: { kind: 'DELETE_OBTAINED_DATA', rule: '要點 十一(二)', dueDate: '2025-08-01' } } }]);
    given([recorded, useEnded()]).when({ type: 'EndObtainedDataUse', recordId: RECORD, endedOn: '2025-07-02', reason: 'USE_COMPLETE', note: null }).thenThrows('OBTAINED_DATA_USE_ALREADY_ENDED', '要點 十一(二)');
    given([recorded]).when({ type: 'EndObtainedDataUse', recordId: RECORD, endedOn: '2025-03-01', reason: 'USE_COMPLETE', note: null }).thenThrows('VALIDATION_FAILED');
  });

  it('要點 十一(二): the month may be configured stricter, never looser; the 31st plus a month clamps', () => {
    expect(deletionDueDate('2025-07-01', null)).toBe('2025-08-01');
    expect(deletionDueDate('2025-01-31', null)).toBe('2025-02-28');
    expect(deletionDueDate('2025-07-01', null, 14)).toBe('2025-07-15');
    expect(() => deletionDueDate('2025-07-01', null, 29)).toThrow(/stricter/);
    expect(() => deletionDueDate('2025-07-01', null, 0)).toThrow();
  });

  it('要點 十一(二)1: a statutory retention period takes precedence: the month runs from its end, and deletion before it is refused', () => {
    expect(deletionDueDate('2025-07-01', '2030-12-31')).toBe('2031-01-31');
    expect(deletionDueDate('2025-07-01', '2025-01-01')).toBe('2025-08-01');
    const kept = { ...recorded, data: { ...recorded.data, statutoryRetention: { until: '2030-12-31', basis: '檔案法' } } } as ObtainedDataEvent;
    given([kept]).when({ type: 'EndObtainedDataUse', recordId: RECORD, endedOn: '2025-07-01', reason: 'USE_COMPLETE', note: null }).then([useEnded('2031-01-31')]);
    given([kept, useEnded('2031-01-31')]).when(deletion()).thenThrows('OBTAINED_DATA_RETENTION_RUNNING', '要點 十一(二)1');
    given([kept, useEnded('2031-01-31')]).when(deletion({ deletedOn: '2031-01-02' })).then([expect.objectContaining({ type: 'ObtainedDataDeleted' }) as unknown as ObtainedDataEvent]);
  });

  it('要點 十一(三): a deletion of every copy and the temporary files, with its evidence, meets the duty', () =>
    given([recorded, useEnded()])
      .when(deletion())
      .then([
        {
          type: 'ObtainedDataDeleted',
          data: {
            recordId: RECORD,
            agencyCode: AGENCY,
            deletionId: 'del_1',
            deletedOn: '2025-07-10',
            copyIds: ['case_file'],
            temporaryFilesCleared: true,
            method: 'SECURE_ERASE',
            performedBy: { unit: '社會救助科', accountId: idOf('ADMIN') },
            evidence: { reference: '114社救字第0456號簽', description: '刪除紀錄截圖與覆寫工具報告' },
            remainingCopyIds: [],
            complete: true,
            meetsDuty: 'DELETE_OBTAINED_DATA',
          },
        },
      ]));

  it('要點 十一(三)2: a deletion that leaves a backup, a derived file or the temporary files keeps the duty open', () => {
    const partial = given([recorded, withBackup, useEnded()]).when(deletion());
    partial.then([expect.objectContaining({ data: expect.objectContaining({ remainingCopyIds: ['nightly_backup'], complete: false, meetsDuty: null }) }) as unknown as ObtainedDataEvent]);
    given([recorded, useEnded()]).when(deletion({ temporaryFilesCleared: false })).then([
      expect.objectContaining({ data: expect.objectContaining({ remainingCopyIds: [], complete: false, meetsDuty: null }) }) as unknown as ObtainedDataEvent,
    ]);
    // The rest deleted later completes it.
    const firstPart: ObtainedDataEvent = {
      type: 'ObtainedDataDeleted',
      data: { ...(deletion() as unknown as { evidence: { reference: string; description: string } }), recordId: RECORD, agencyCode: AGENCY, deletionId: 'del_1', deletedOn: '2025-07-10', copyIds: ['case_file'], temporaryFilesCleared: true, method: 'SECURE_ERASE', performedBy: { unit: '社會救助科', accountId: null }, remainingCopyIds: ['nightly_backup'], complete: false, meetsDuty: null },
    };
    given([recorded, withBackup, useEnded(), firstPart])
      .when(deletion({ deletionId: 'del_2', copyIds: ['nightly_backup'], temporaryFilesCleared: false, method: 'MEDIUM_DESTROYED' }))
      .then([expect.objectContaining({ data: expect.objectContaining({ remainingCopyIds: [], complete: true, meetsDuty: 'DELETE_OBTAINED_DATA' }) }) as unknown as ObtainedDataEvent]);
    given([recorded, withBackup, useEnded(), firstPart]).when(deletion({ deletionId: 'del_2', copyIds: ['case_file'] })).thenThrows('OBTAINED_DATA_COPY_UNKNOWN', '要點 十一(三)2');
    given([recorded, withBackup, useEnded(), firstPart]).when(deletion({ copyIds: ['nightly_backup'] })).thenThrows('OBTAINED_DATA_ID_REUSED');
  });

  it('要點 十一(三)1: paper is shredded, electronic files erased beyond recovery; evidence and the deleting unit are required', () => {
    const withPaper: ObtainedDataEvent = { type: 'ObtainedDataCopyMade', data: { recordId: RECORD, agencyCode: AGENCY, copy: paper } };
    given([recorded, withPaper, useEnded()]).when(deletion({ copyIds: ['case_paper'] })).thenThrows('OBTAINED_DATA_DELETION_METHOD', '要點 十一(三)1');
    given([recorded, useEnded()]).when(deletion({ method: 'SHREDDED' })).thenThrows('OBTAINED_DATA_DELETION_METHOD');
    given([recorded, useEnded()]).when(deletion({ evidence: { reference: '', description: 'x' } })).thenThrows('VALIDATION_FAILED');
    given([recorded, useEnded()]).when(deletion({ performedBy: { unit: ' ', accountId: null } })).thenThrows('VALIDATION_FAILED');
    given([recorded, useEnded()]).when(deletion({ deletedOn: '2025-06-30' })).thenThrows('VALIDATION_FAILED');
  });

  it('要點 十一(二): nothing is deleted before its use is recorded as ended; nothing is done to data deleted with every copy', () => {
    given([recorded]).when(deletion()).thenThrows('OBTAINED_DATA_USE_NOT_ENDED', '要點 十一(二)');
    const done: ObtainedDataEvent = { type: 'ObtainedDataDeleted', data: { recordId: RECORD, agencyCode: AGENCY, deletionId: 'del_1', deletedOn: '2025-07-10', copyIds: ['case_file'], temporaryFilesCleared: true, method: 'SECURE_ERASE', performedBy: { unit: 'u', accountId: null }, evidence: { reference: 'r', description: 'd' }, remainingCopyIds: [], complete: true, meetsDuty: 'DELETE_OBTAINED_DATA' } };
    given([recorded, useEnded(), done]).when(deletion({ deletionId: 'del_2' })).thenThrows('OBTAINED_DATA_DELETED', '要點 十一(三)');
    given([]).when(deletion()).thenThrows('NOT_FOUND');
  });
});
