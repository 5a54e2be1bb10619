import { projectEvents, projectTwice, SqliteReadModelStore } from '@ledger/read-models';
import { recorded } from '../testing/recorded';
import { findInspections, inspectionsProjection } from './inspections.projection';

const s = 'bliinspection-BLI_1';
const events = () => [
  recorded(s, 'BliInspectionRecorded', { inspectionId: 'BLI_1', agencyCode: 'SWD001', startedOn: '2025-07-01', scope: 'x', materials: [{ materialId: 'roster_1', kind: 'ROSTER', description: 'd', providedOn: '2025-07-01', checkpoint: { treeSize: 12, rootHash: 'r' } }] }, '2025-07-01T02:00:00.000Z'),
  recorded(s, 'InspectionMaterialsProvided', { inspectionId: 'BLI_1', agencyCode: 'SWD001', materials: [{ materialId: 'other', kind: 'OTHER', description: 'd', providedOn: '2025-07-02', checkpoint: null }] }, '2025-07-02T02:00:00.000Z'),
  recorded(s, 'BliActionRequested', { inspectionId: 'BLI_1', agencyCode: 'SWD001', requestId: 'r1', kind: 'EXPLANATION', receivedOn: '2025-07-10', summary: 's', duty: { kind: 'BLI_REQUESTED_ACTION', rule: '要點 十二(五)', dueDate: '2025-07-20' } }, '2025-07-10T02:00:00.000Z'),
  recorded(s, 'BliActionRequested', { inspectionId: 'BLI_1', agencyCode: 'SWD001', requestId: 'r2', kind: 'IMPROVEMENT', receivedOn: '2025-07-10', summary: 's', duty: { kind: 'BLI_REQUESTED_ACTION', rule: '要點 十二(五)(六)', dueDate: '2025-08-10' } }, '2025-07-10T02:00:00.000Z'),
  recorded(s, 'BliRequestAnswered', { inspectionId: 'BLI_1', agencyCode: 'SWD001', requestId: 'r1', answeredAt: '2025-07-15T02:00:00.000Z', summary: 's', evidence: null, onTime: true, meetsDuty: 'BLI_REQUESTED_ACTION' }, '2025-07-15T02:00:00.000Z'),
  recorded('bliinspection-BLI_2', 'BliInspectionRecorded', { inspectionId: 'BLI_2', agencyCode: 'DIST002', startedOn: '2025-08-01', scope: 'x', materials: [] }, '2025-08-01T02:00:00.000Z'),
];

describe('BLI inspections read model (要點 十二(五))', () => {
  it('要點 十二(五): materials with their checkpoint, requests with their due date and answer, and how many are still open', async () => {
    const store = new SqliteReadModelStore({ file: ':memory:' });
    await projectEvents(inspectionsProjection, store, events());
    expect((await findInspections(store)).map((i) => i.inspectionId)).toEqual(['BLI_2', 'BLI_1']);
    const [one] = await findInspections(store, 'SWD001');
    expect(one).toMatchObject({ openRequests: 1, materials: [{ materialId: 'roster_1', checkpointTreeSize: 12 }, { materialId: 'other', checkpointTreeSize: null }] });
    expect(one.requests).toEqual([
      { requestId: 'r1', kind: 'EXPLANATION', receivedOn: '2025-07-10', dueDate: '2025-07-20', answeredAt: '2025-07-15T02:00:00.000Z', onTime: true },
      { requestId: 'r2', kind: 'IMPROVEMENT', receivedOn: '2025-07-10', dueDate: '2025-08-10', answeredAt: null, onTime: null },
    ]);
    await store.close();
  });

  it('run twice: replaying every event changes nothing', async () => {
    const { once, twice } = await projectTwice(inspectionsProjection, events());
    expect(twice).toEqual(once);
  });
});
