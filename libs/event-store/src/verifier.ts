import { computeEventHash, GENESIS_HASH } from './integrity';
import type { EventStore, RecordedEvent } from './types';

export type IntegrityFailureReason =
  | 'HASH_MISMATCH'
  | 'PREV_HASH_MISMATCH'
  | 'REVISION_GAP'
  | 'REVISION_OUT_OF_ORDER'
  | 'POSITION_GAP'
  | 'POSITION_OUT_OF_ORDER';

export interface IntegrityFailure {
  streamId: string;
  revision: number;
  position: string;
  reason: IntegrityFailureReason;
  detail: string;
}

export interface VerificationReport {
  intact: boolean;
  eventsChecked: number;
  streamsChecked: number;
  lastPosition: string | null;
  failures: IntegrityFailure[];
}

export interface VerifyOptions {
  /** The embedded store numbers positions 1, 2, 3 … with no holes; a hole means a deleted row. */
  densePositions?: boolean;
  pageSize?: number;
}

/**
 * Walks every stream (in global order, keeping each stream's last link) and reports every broken
 * link: a recomputed hash that differs, a prevHash that does not point at the previous event, a
 * missing or reordered revision, and — where positions are dense — a missing row between streams.
 */
export async function verifyLedger(store: Pick<EventStore, 'readAll'>, options: VerifyOptions = {}): Promise<VerificationReport> {
  const pageSize = options.pageSize ?? 5000;
  const heads = new Map<string, { revision: number; hash: string }>();
  const failures: IntegrityFailure[] = [];
  let eventsChecked = 0;
  let after: bigint | undefined;

  const fail = (event: RecordedEvent, reason: IntegrityFailureReason, detail: string) =>
    failures.push({ streamId: event.streamId, revision: event.revision, position: event.position.toString(), reason, detail });

  for (;;) {
    const page = await store.readAll({ after, maxCount: pageSize });
    for (const event of page) {
      if (after !== undefined) {
        if (event.position <= after) fail(event, 'POSITION_OUT_OF_ORDER', `position ${event.position} after ${after}`);
        else if (options.densePositions && event.position !== after + 1n) {
          fail(event, 'POSITION_GAP', `positions ${after + 1n}..${event.position - 1n} are missing`);
        }
      } else if (options.densePositions && event.position !== 1n) {
        fail(event, 'POSITION_GAP', `positions 1..${event.position - 1n} are missing`);
      }
      after = event.position;
      eventsChecked++;

      const head = heads.get(event.streamId);
      const expectedRevision = head ? head.revision + 1 : 0;
      if (event.revision > expectedRevision) {
        fail(event, 'REVISION_GAP', `revisions ${expectedRevision}..${event.revision - 1} are missing`);
      } else if (event.revision < expectedRevision) {
        fail(event, 'REVISION_OUT_OF_ORDER', `revision ${event.revision} comes after revision ${expectedRevision - 1}`);
      }
      const expectedPrev = event.revision === 0 ? GENESIS_HASH : head?.hash;
      if (expectedPrev !== undefined && event.metadata.prevHash !== expectedPrev) {
        fail(event, 'PREV_HASH_MISMATCH', 'prevHash does not match the hash of the previous event in the stream');
      }
      const recomputed = computeEventHash(event);
      if (recomputed !== event.metadata.hash) {
        fail(event, 'HASH_MISMATCH', 'stored hash differs from the hash of the stored content');
      }
      heads.set(event.streamId, { revision: Math.max(event.revision, head?.revision ?? -1), hash: event.metadata.hash });
    }
    if (page.length < pageSize) break;
  }

  return {
    intact: failures.length === 0,
    eventsChecked,
    streamsChecked: heads.size,
    lastPosition: after === undefined ? null : after.toString(),
    failures,
  };
}
