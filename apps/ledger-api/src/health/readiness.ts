import type { StoreHealth } from '@ledger/event-store';
import type { ProjectionStatus, ReadModelHealth } from '@ledger/read-models';

/** Why a projection cannot serve reads yet; undefined when it can. */
export function projectionNotReady(status: ProjectionStatus): string | undefined {
  // Fail closed: any state but running (stopped, failed, or one added later such as paused) means
  // the read model may be stale and this instance should not take reads.
  // On standby another instance holds the lease and keeps the shared read model current; an
  // instance that only follows has nobody to take over from when no projector holds the lease.
  if (status.state === 'standby') return status.projectorAlive === false ? 'no-projector' : undefined;
  if (status.state !== 'running') return status.state;
  if (status.catchingUp) return 'catching-up';
  return undefined;
}

export interface Readiness {
  ready: boolean;
  eventStore: { ready: boolean };
  readModelStore: { ready: boolean };
  /** Only the projections that are not ready, with the reason; names, never positions or paths. */
  projections: { ready: boolean; notReady: Record<string, string> };
}

/** Ready = both stores answer and every projection follows the log live. */
export function readiness(eventStore: StoreHealth, readModelStore: ReadModelHealth, projections: readonly ProjectionStatus[]): Readiness {
  const notReady: Record<string, string> = {};
  for (const p of projections) {
    const reason = projectionNotReady(p);
    if (reason) notReady[p.name] = reason;
  }
  const projectionsReady = Object.keys(notReady).length === 0;
  return {
    ready: eventStore.ok && readModelStore.ok && projectionsReady,
    eventStore: { ready: eventStore.ok },
    readModelStore: { ready: readModelStore.ok },
    projections: { ready: projectionsReady, notReady },
  };
}
