import type { Projection, ProjectionReader, ReadModelWrite } from '@ledger/read-models';
import { upsert } from '@ledger/read-models';
import type { RecordedEvent } from '@ledger/event-store';
import { asLedgerRecorded } from '../ledger-events';
import { stripMeta } from '../roster/roster.projection';

export const OBTAINED_DATA = 'obtained_data';

/**
 * One document per body of obtained data (要點 九(一)3、十一): where its copies are kept and whether
 * each is deleted, the declared period of use, any statutory retention, and the deletion due once
 * its use ended. Registrations are counted, never listed with a subject: the ledger holds no
 * obtained data and these reads go to integrators too.
 */
export interface ObtainedDataDocument {
  recordId: string;
  agencyCode: string;
  status: 'HELD' | 'USE_ENDED' | 'DELETED';
  registrationCount: number;
  obtainedOn: string;
  legalBasis: string;
  useUntil: string | null;
  useBasis: string;
  retentionUntil: string | null;
  retentionBasis: string | null;
  endedOn: string | null;
  endReason: string | null;
  /** Asia/Taipei day the deletion is due (要點 十一(二)); null while in use. */
  deletionDueDate: string | null;
  copies: { copyId: string; kind: string; medium: string; location: string; deleted: boolean }[];
  remainingCopyIds: string[];
  temporaryFilesCleared: boolean;
  deletions: number;
  lastDeletedOn: string | null;
  disclosures: number;
  /** 要點 八: disclosures recorded without a legal basis. */
  disclosuresWithoutLegalBasis: number;
  position: string;
}

const TYPES = new Set(['ObtainedDataRecorded', 'ObtainedDataCopyMade', 'ObtainedDataDisclosed', 'ObtainedDataUseEnded', 'ObtainedDataDeleted']);

export const obtainedDataProjection: Projection = {
  name: 'obtained_data',
  collections: [OBTAINED_DATA],
  indexes: { [OBTAINED_DATA]: [{ fields: ['agencyCode', 'status', 'deletionDueDate'] }, { fields: ['status', 'deletionDueDate'] }] },
  handles: (type) => TYPES.has(type),
  async project(raw: RecordedEvent, read: ProjectionReader): Promise<ReadModelWrite[]> {
    const event = asLedgerRecorded(raw);
    const position = raw.position.toString();
    if (event.type === 'ObtainedDataRecorded') {
      const d = event.data;
      const doc: ObtainedDataDocument = {
        recordId: d.recordId,
        agencyCode: d.agencyCode,
        status: 'HELD',
        registrationCount: d.registrationIds.length,
        obtainedOn: d.obtainedOn,
        legalBasis: d.legalBasis,
        useUntil: d.use.until,
        useBasis: d.use.basis,
        retentionUntil: d.statutoryRetention?.until ?? null,
        retentionBasis: d.statutoryRetention?.basis ?? null,
        endedOn: null,
        endReason: null,
        deletionDueDate: null,
        copies: d.copies.map((c) => ({ copyId: c.copyId, kind: c.kind, medium: c.medium, location: c.location, deleted: false })),
        remainingCopyIds: d.copies.map((c) => c.copyId),
        temporaryFilesCleared: false,
        deletions: 0,
        lastDeletedOn: null,
        disclosures: 0,
        disclosuresWithoutLegalBasis: 0,
        position,
      };
      return [upsert(OBTAINED_DATA, d.recordId, { ...doc })];
    }
    const recordId = (event.data as { recordId: string }).recordId;
    const stored = await read.get<ObtainedDataDocument>(OBTAINED_DATA, recordId);
    if (!stored) return [];
    const doc: ObtainedDataDocument = { ...(stripMeta(stored) as ObtainedDataDocument), position };
    switch (event.type) {
      case 'ObtainedDataCopyMade': {
        const c = event.data.copy;
        doc.copies = [...doc.copies, { copyId: c.copyId, kind: c.kind, medium: c.medium, location: c.location, deleted: false }];
        doc.remainingCopyIds = [...doc.remainingCopyIds, c.copyId];
        break;
      }
      case 'ObtainedDataDisclosed':
        doc.disclosures += 1;
        if (event.data.flag === 'NO_LEGAL_BASIS') doc.disclosuresWithoutLegalBasis += 1;
        break;
      case 'ObtainedDataUseEnded':
        doc.status = 'USE_ENDED';
        doc.endedOn = event.data.endedOn;
        doc.endReason = event.data.reason;
        doc.deletionDueDate = event.data.duty.dueDate;
        break;
      case 'ObtainedDataDeleted': {
        const gone = new Set(event.data.copyIds);
        doc.copies = doc.copies.map((c) => (gone.has(c.copyId) ? { ...c, deleted: true } : c));
        doc.remainingCopyIds = event.data.remainingCopyIds;
        doc.temporaryFilesCleared = doc.temporaryFilesCleared || event.data.temporaryFilesCleared;
        doc.deletions += 1;
        doc.lastDeletedOn = event.data.deletedOn;
        if (event.data.complete) doc.status = 'DELETED';
        break;
      }
      default:
        return [];
    }
    return [upsert(OBTAINED_DATA, recordId, { ...doc })];
  },
};
