import { CHECKPOINT_ISSUED, CHECKPOINT_STREAM, type CheckpointIssuedData, type EventStore, type RecordedEvent } from '@ledger/event-store';
import { monthEnd, type ClosingCheckpoint } from '@ledger/domain';

/**
 * The checkpoint that closes a month (要點 十二(一)'s seed): the first the ledger signed at or after
 * the month's end (Asia/Taipei) — normally the month-close checkpoint issued within a second of
 * midnight. Checkpoints are appended in time order, so a binary search over the stream's
 * revisions finds it in O(log n) reads. Undefined while none has been signed since.
 */
export async function closingCheckpoint(store: Pick<EventStore, 'readStream' | 'streamRevision'>, month: string): Promise<ClosingCheckpoint | null> {
  const end = monthEnd(month);
  const last = await store.streamRevision(CHECKPOINT_STREAM);
  const at = async (revision: number): Promise<RecordedEvent | undefined> => (await store.readStream(CHECKPOINT_STREAM, { fromRevision: revision, maxCount: 1 }))[0];
  let lo = 0;
  let hi = last + 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const e = await at(mid);
    if (e && e.metadata.recordedAt >= end) hi = mid;
    else lo = mid + 1;
  }
  for (let revision = lo; revision <= last; revision++) {
    const e = await at(revision);
    if (e?.type !== CHECKPOINT_ISSUED) continue;
    const d = e.data as CheckpointIssuedData;
    return { origin: d.origin, treeSize: d.treeSize, rootHash: d.rootHash, position: e.position.toString(), recordedAt: e.metadata.recordedAt, note: d.note };
  }
  return null;
}
