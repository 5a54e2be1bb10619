import { projectEvents, projectTwice, SqliteReadModelStore } from '@ledger/read-models';
import { recorded } from '../testing/recorded';
import { incidentsProjection } from './incidents.projection';
import { findIncidents } from './incidents.queries';

const stream = (id: string) => `incident-${id}`;
const reported = (id: string, agencyCode: string, discoveredAt: string, dueAt: string) =>
  recorded(stream(id), 'IncidentReported', { incidentId: id, agencyCode, discoveredAt, suspected: true, summary: 's', registrationIds: [], obtainedDataRecordIds: [], duty: { kind: 'NOTIFY_BLI_OF_INCIDENT', rule: '要點 十二(十)', dueAt } }, discoveredAt);
const notified = (id: string, at: string) => recorded(stream(id), 'BliNotifiedOfIncident', { incidentId: id, agencyCode: 'SWD001', notifiedAt: at, channel: 'PHONE', reference: null, materialsProvided: null, onTime: true, meetsDuty: 'NOTIFY_BLI_OF_INCIDENT' }, at);
const events = () => [
  reported('I1', 'SWD001', '2025-07-01T01:00:00.000Z', '2025-07-01T02:00:00.000Z'),
  notified('I1', '2025-07-01T03:00:00.000Z'),
  notified('I1', '2025-07-02T03:00:00.000Z'),
  recorded(stream('I1'), 'IncidentActionRecorded', { incidentId: 'I1', agencyCode: 'SWD001', action: 'INVESTIGATION', takenAt: '2025-07-01T04:00:00.000Z', summary: 's' }, '2025-07-01T04:00:00.000Z'),
  recorded(stream('I1'), 'IncidentClosed', { incidentId: 'I1', agencyCode: 'SWD001', closedAt: '2025-07-03T00:00:00.000Z', conclusion: 'NOT_AN_INCIDENT', summary: 's' }, '2025-07-03T00:00:00.000Z'),
  reported('I2', 'SWD001', '2025-07-05T01:00:00.000Z', '2025-07-05T02:00:00.000Z'),
  reported('I3', 'DIST002', '2025-07-04T01:00:00.000Z', '2025-07-04T02:00:00.000Z'),
];

describe('incidents read model (要點 十二(十))', () => {
  it('要點 十二(十): incidents by agency and status, newest first, with the first BLI notice judged against its due instant', async () => {
    const store = new SqliteReadModelStore({ file: ':memory:' });
    await projectEvents(incidentsProjection, store, events());
    expect((await findIncidents(store, {})).map((i) => i.incidentId)).toEqual(['I2', 'I3', 'I1']);
    expect((await findIncidents(store, { agencyCode: 'SWD001', status: 'OPEN' })).map((i) => i.incidentId)).toEqual(['I2']);
    expect((await findIncidents(store, { status: 'CLOSED' }))[0]).toMatchObject({ incidentId: 'I1', bliNotifiedAt: '2025-07-01T03:00:00.000Z', noticeOnTime: false, actions: ['INVESTIGATION'], conclusion: 'NOT_AN_INCIDENT' });
    await store.close();
  });

  it('run twice: replaying every event changes nothing', async () => {
    const { once, twice } = await projectTwice(incidentsProjection, events());
    expect(twice).toEqual(once);
  });
});
