import { projectEvents, SqliteReadModelStore } from '@ledger/read-models';
import { recorded } from '../testing/recorded';
import { OBLIGATIONS, obligationsProjection, type ObligationDocument } from './obligations.projection';
import { obligationCounts } from './obligations.queries';

/**
 * Met late means met after the due time, strictly (要點 十二(十): BLI notified within the hour).
 * The projection stores metLate with the fulfilment and the store-side counts group by it, so the
 * boundary is held here: notified at the due instant is in time, a millisecond later is late.
 */
describe('obligations: metLate is stored by the projection, strictly after the due time', () => {
  const incident = (n: number, notifiedAt: string) => {
    const incidentId = `SWD001_INC_${n}`;
    const stream = `incident-${incidentId}`;
    return [
      recorded(stream, 'IncidentReported', {
        incidentId, agencyCode: 'SWD001', discoveredAt: '2025-06-30T15:30:00.000Z', suspected: true, summary: 's', registrationIds: [], obtainedDataRecordIds: [],
        duty: { kind: 'NOTIFY_BLI_OF_INCIDENT', rule: '要點 十二(十)', dueAt: '2025-06-30T16:30:00.000Z' },
      }, '2025-06-30T15:30:00.000Z'),
      recorded(stream, 'BliNotifiedOfIncident', {
        incidentId, agencyCode: 'SWD001', notifiedAt, channel: 'PHONE', reference: null, materialsProvided: null, onTime: notifiedAt <= '2025-06-30T16:30:00.000Z', meetsDuty: 'NOTIFY_BLI_OF_INCIDENT',
      }, notifiedAt),
    ];
  };

  it('given incidents due at 16:30Z, when BLI is notified at 16:30:00.000Z and at 16:30:00.001Z, then only the second is met late, in the documents and in the counts', async () => {
    const store = new SqliteReadModelStore({ file: ':memory:' });
    try {
      const projection = obligationsProjection();
      for (const [collection, indexes] of Object.entries(projection.indexes ?? {})) await store.declareIndexes(collection, indexes);
      await projectEvents(projection, store, [...incident(1, '2025-06-30T16:30:00.000Z'), ...incident(2, '2025-06-30T16:30:00.001Z')]);
      const docs = await store.find<ObligationDocument>(OBLIGATIONS.items, { kind: 'NOTIFY_BLI_OF_INCIDENT' });
      expect(docs.map((d) => [d.subject, d.metLate]).sort()).toEqual([
        ['SWD001_INC_1', false],
        ['SWD001_INC_2', true],
      ]);
      const counts = await obligationCounts(store, { at: '2025-07-01T00:00:00.000Z' });
      expect(counts.SWD001?.NOTIFY_BLI_OF_INCIDENT).toEqual({ open: 0, overdue: 0, met: 2, metLate: 1 });
    } finally {
      await store.close();
    }
  });
});
