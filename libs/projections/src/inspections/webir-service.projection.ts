import type { Projection, ProjectionReader, ReadModelWrite } from '@ledger/read-models';
import { upsert } from '@ledger/read-models';
import type { RecordedEvent } from '@ledger/event-store';
import { asLedgerRecorded } from '../ledger-events';
import { stripMeta } from '../roster/roster.projection';

export const WEBIR_SERVICE = 'webir_service';

export type WebIRServiceStatusName = 'ACTIVE' | 'SUSPENDED' | 'TERMINATED';

/** One change of an agency's WebIR service (要點 十二(六)(七)), at the UTC instant it took effect. */
export interface ServiceTransition {
  status: WebIRServiceStatusName;
  effectiveAt: string;
  /** The event that recorded it, so a flag raised from it can cite its source. */
  eventId: string;
  streamId: string;
  position: string;
  type: string;
}

export interface WebIRServiceDocument {
  agencyCode: string;
  /** In effective order. */
  transitions: ServiceTransition[];
  reappliedAt: string | null;
}

/**
 * The agency's service status at instant `at` (a UTC ISO string): the last transition in effect at
 * or before it; ACTIVE when none. Pure, so readers of other streams — the query-log checks that flag
 * queries logged during a suspension (要點 十二(六)) — can judge many instants against one document.
 */
export function webirServiceStatusAt(transitions: readonly ServiceTransition[], at: string): { status: WebIRServiceStatusName; since: ServiceTransition | null } {
  let current: ServiceTransition | null = null;
  for (const t of transitions) if (t.effectiveAt <= at && (current === null || t.effectiveAt >= current.effectiveAt)) current = t;
  return { status: current?.status ?? 'ACTIVE', since: current };
}

/** Whether the service was suspended or terminated at `at`: the question 要點 十二(六) asks of a logged query. */
export const webirServiceStoppedAt = (transitions: readonly ServiceTransition[], at: string): boolean => webirServiceStatusAt(transitions, at).status !== 'ACTIVE';

/** The periods in which the service was stopped, each [from, until) with until null while it lasts. */
export function webirServiceStopPeriods(transitions: readonly ServiceTransition[]): { status: 'SUSPENDED' | 'TERMINATED'; from: string; until: string | null }[] {
  const ordered = [...transitions].sort((a, b) => (a.effectiveAt < b.effectiveAt ? -1 : a.effectiveAt > b.effectiveAt ? 1 : 0));
  const periods: { status: 'SUSPENDED' | 'TERMINATED'; from: string; until: string | null }[] = [];
  for (const t of ordered) {
    const open = periods.at(-1);
    if (open && open.until === null) {
      if (t.status === open.status) continue;
      open.until = t.effectiveAt;
    }
    if (t.status !== 'ACTIVE') periods.push({ status: t.status, from: t.effectiveAt, until: null });
  }
  return periods;
}

const STATUS_OF: Record<string, WebIRServiceStatusName> = { WebIRServiceSuspended: 'SUSPENDED', WebIRServiceTerminated: 'TERMINATED', WebIRServiceResumed: 'ACTIVE' };

export const webirServiceProjection: Projection = {
  name: 'webir_service',
  collections: [WEBIR_SERVICE],
  handles: (type) => type in STATUS_OF || type === 'WebIRServiceReapplied',
  async project(raw: RecordedEvent, read: ProjectionReader): Promise<ReadModelWrite[]> {
    const event = asLedgerRecorded(raw);
    if (event.type !== 'WebIRServiceSuspended' && event.type !== 'WebIRServiceTerminated' && event.type !== 'WebIRServiceResumed' && event.type !== 'WebIRServiceReapplied') return [];
    const agencyCode = event.data.agencyCode;
    const stored = await read.get<WebIRServiceDocument>(WEBIR_SERVICE, agencyCode);
    const doc: WebIRServiceDocument = stored ? (stripMeta(stored) as WebIRServiceDocument) : { agencyCode, transitions: [], reappliedAt: null };
    if (event.type === 'WebIRServiceReapplied') return [upsert(WEBIR_SERVICE, agencyCode, { ...doc, reappliedAt: event.data.reappliedAt })];
    // A replayed event is already in the list: the position guard keeps the document, but be exact anyway.
    if (doc.transitions.some((t) => t.eventId === raw.eventId)) return [];
    const transition: ServiceTransition = { status: STATUS_OF[event.type], effectiveAt: event.data.effectiveAt, eventId: raw.eventId, streamId: raw.streamId, position: raw.position.toString(), type: raw.type };
    return [upsert(WEBIR_SERVICE, agencyCode, { ...doc, transitions: [...doc.transitions, transition] })];
  },
};
