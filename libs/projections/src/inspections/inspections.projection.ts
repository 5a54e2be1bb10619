import type { Projection, ProjectionReader, ReadModelStore, ReadModelWrite } from '@ledger/read-models';
import { upsert } from '@ledger/read-models';
import type { RecordedEvent } from '@ledger/event-store';
import { asLedgerRecorded } from '../ledger-events';
import { stripMeta } from '../roster/roster.projection';

export const BLI_INSPECTIONS = 'bli_inspections';

/** One document per BLI inspection (要點 十二(五)): materials provided with their checkpoint, and BLI's requests. */
export interface InspectionDocument {
  inspectionId: string;
  agencyCode: string;
  startedOn: string;
  scope: string;
  materials: { materialId: string; kind: string; providedOn: string; checkpointTreeSize: number | null }[];
  requests: { requestId: string; kind: string; receivedOn: string; dueDate: string; answeredAt: string | null; onTime: boolean | null }[];
  /** Requests not answered yet. */
  openRequests: number;
  position: string;
}

const TYPES = new Set(['BliInspectionRecorded', 'InspectionMaterialsProvided', 'BliActionRequested', 'BliRequestAnswered']);
const materialOf = (m: { materialId: string; kind: string; providedOn: string; checkpoint: { treeSize: number } | null }) => ({
  materialId: m.materialId, kind: m.kind, providedOn: m.providedOn, checkpointTreeSize: m.checkpoint?.treeSize ?? null,
});

export const inspectionsProjection: Projection = {
  name: 'bli_inspections',
  collections: [BLI_INSPECTIONS],
  indexes: { [BLI_INSPECTIONS]: [{ fields: ['agencyCode', 'startedOn'] }] },
  handles: (type) => TYPES.has(type),
  async project(raw: RecordedEvent, read: ProjectionReader): Promise<ReadModelWrite[]> {
    const event = asLedgerRecorded(raw);
    const position = raw.position.toString();
    if (event.type === 'BliInspectionRecorded') {
      const d = event.data;
      const doc: InspectionDocument = { inspectionId: d.inspectionId, agencyCode: d.agencyCode, startedOn: d.startedOn, scope: d.scope, materials: d.materials.map(materialOf), requests: [], openRequests: 0, position };
      return [upsert(BLI_INSPECTIONS, d.inspectionId, { ...doc })];
    }
    if (event.type !== 'InspectionMaterialsProvided' && event.type !== 'BliActionRequested' && event.type !== 'BliRequestAnswered') return [];
    const stored = await read.get<InspectionDocument>(BLI_INSPECTIONS, event.data.inspectionId);
    if (!stored) return [];
    const doc: InspectionDocument = { ...(stripMeta(stored) as InspectionDocument), position };
    if (event.type === 'InspectionMaterialsProvided') {
      const known = new Set(doc.materials.map((m) => m.materialId));
      doc.materials = [...doc.materials, ...event.data.materials.filter((m) => !known.has(m.materialId)).map(materialOf)];
    } else if (event.type === 'BliActionRequested') {
      const d = event.data;
      if (!doc.requests.some((r) => r.requestId === d.requestId)) doc.requests = [...doc.requests, { requestId: d.requestId, kind: d.kind, receivedOn: d.receivedOn, dueDate: d.duty.dueDate, answeredAt: null, onTime: null }];
    } else {
      const d = event.data;
      doc.requests = doc.requests.map((r) => (r.requestId === d.requestId && r.answeredAt === null ? { ...r, answeredAt: d.answeredAt, onTime: d.onTime } : r));
    }
    doc.openRequests = doc.requests.filter((r) => r.answeredAt === null).length;
    return [upsert(BLI_INSPECTIONS, doc.inspectionId, { ...doc })];
  },
};

/** Inspections of one agency (or all), newest first. */
export async function findInspections(store: ReadModelStore, agencyCode?: string): Promise<InspectionDocument[]> {
  const docs = await store.find<InspectionDocument>(BLI_INSPECTIONS, agencyCode ? { agencyCode } : {}, { sort: { startedOn: -1 } });
  return docs.map((d) => stripMeta(d) as InspectionDocument);
}
