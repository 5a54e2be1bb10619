import type { Projection, ProjectionReader, ReadModelWrite } from '@ledger/read-models';
import { upsert } from '@ledger/read-models';
import type { RecordedEvent } from '@ledger/event-store';
import { asLedgerRecorded } from '../ledger-events';
import { stripMeta } from '../roster/roster.projection';

export const INCIDENTS = 'incidents';

/** One document per security incident or suspected incident (要點 十二(十)), for the list by agency. */
export interface IncidentDocument {
  incidentId: string;
  agencyCode: string;
  status: 'OPEN' | 'CLOSED';
  suspected: boolean;
  summary: string;
  /** UTC instants. */
  discoveredAt: string;
  noticeDueAt: string;
  bliNotifiedAt: string | null;
  noticeOnTime: boolean | null;
  actions: string[];
  closedAt: string | null;
  conclusion: string | null;
  position: string;
}

const TYPES = new Set(['IncidentReported', 'IncidentActionRecorded', 'BliNotifiedOfIncident', 'IncidentClosed']);

export const incidentsProjection: Projection = {
  name: 'incidents',
  collections: [INCIDENTS],
  indexes: { [INCIDENTS]: [{ fields: ['agencyCode', 'discoveredAt'] }, { fields: ['status', 'discoveredAt'] }] },
  handles: (type) => TYPES.has(type),
  async project(raw: RecordedEvent, read: ProjectionReader): Promise<ReadModelWrite[]> {
    const event = asLedgerRecorded(raw);
    const position = raw.position.toString();
    if (event.type === 'IncidentReported') {
      const d = event.data;
      const doc: IncidentDocument = {
        incidentId: d.incidentId, agencyCode: d.agencyCode, status: 'OPEN', suspected: d.suspected, summary: d.summary, discoveredAt: d.discoveredAt,
        noticeDueAt: d.duty.dueAt, bliNotifiedAt: null, noticeOnTime: null, actions: [], closedAt: null, conclusion: null, position,
      };
      return [upsert(INCIDENTS, d.incidentId, { ...doc })];
    }
    if (event.type !== 'IncidentActionRecorded' && event.type !== 'BliNotifiedOfIncident' && event.type !== 'IncidentClosed') return [];
    const stored = await read.get<IncidentDocument>(INCIDENTS, event.data.incidentId);
    if (!stored) return [];
    const doc: IncidentDocument = { ...(stripMeta(stored) as IncidentDocument), position };
    if (event.type === 'IncidentActionRecorded') {
      if (!doc.actions.includes(event.data.action)) doc.actions = [...doc.actions, event.data.action];
    } else if (event.type === 'BliNotifiedOfIncident') {
      if (doc.bliNotifiedAt === null) {
        doc.bliNotifiedAt = event.data.notifiedAt;
        doc.noticeOnTime = event.data.notifiedAt <= doc.noticeDueAt;
      }
    } else {
      doc.status = 'CLOSED';
      doc.closedAt = event.data.closedAt;
      doc.conclusion = event.data.conclusion;
    }
    return [upsert(INCIDENTS, doc.incidentId, { ...doc })];
  },
};
