import type { EventStore, RecordedEvent } from '@ledger/event-store';
import { PersonalDataErasedError, PersonalDataIntegrityError, type PersonalDataProtector } from '@ledger/personal-data';
import type { AnomalyView } from '@ledger/projections';
import type { ReadModelStore } from '@ledger/read-models';
import { ERASED, EvidenceService, UNREADABLE } from './evidence.service';

/** Evidence stays readable for 政風 when one subject's vault record is erased or damaged. */
describe('EvidenceService subjects', () => {
  const line = { lineNo: 7, accountId: 'SWD001.USER.ab', loggedAt: '2025-03-05T02:00:00.000Z', operationCode: 'LI', subject: { personId: 'person_1', nationalIdCiphertext: 'v1.a.b.c' } };
  const event = { position: 5n, streamId: 'querylog-SWD001.x', data: { lines: [line] } } as unknown as RecordedEvent;
  const store = { readAll: async () => [event] } as unknown as EventStore;
  const readModels = { find: async () => [] } as unknown as ReadModelStore;
  const anomaly = { agencyCode: 'SWD001', evidence: [{ position: '5', streamId: event.streamId, loggedQuery: 'SWD001.x.7', queriedAt: line.loggedAt, knownAt: line.loggedAt }] } as unknown as AnomalyView;
  const withReveal = (reveal: () => never | Promise<string>) => new EvidenceService(store, readModels, { reveal } as unknown as PersonalDataProtector);

  it('masks a readable subject, marks an erased one, and marks a damaged one unreadable instead of failing', async () => {
    expect((await withReveal(async () => 'A123456789').evidenceOf(anomaly, 10, false))[0].logLine?.subject).toMatch(/^A12\*+/);
    expect((await withReveal(() => { throw new PersonalDataErasedError('person_1'); }).evidenceOf(anomaly, 10, false))[0].logLine?.subject).toBe(ERASED);
    expect((await withReveal(() => { throw new PersonalDataIntegrityError('person_1', 'nationalId', 'authentication-failed'); }).evidenceOf(anomaly, 10, false))[0].logLine?.subject).toBe(UNREADABLE);
    await expect(withReveal(() => { throw new Error('vault down'); }).evidenceOf(anomaly, 10, false)).rejects.toThrow('vault down');
  });
});
