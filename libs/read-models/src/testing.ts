import type { RecordedEvent } from '@ledger/event-store';
import { projectEvents } from './project-events';
import { checkpointName, type Projection } from './projection';
import { SqliteReadModelStore } from './sqlite/sqlite-read-model-store';
import type { ReadModelStore, StoredDocument } from './types';

/** Every live document of the given collections, by collection, in _id order. */
export type ReadModelSnapshot = Record<string, StoredDocument[]>;

export async function snapshotReadModels(store: ReadModelStore, collections: readonly string[]): Promise<ReadModelSnapshot> {
  const snapshot: ReadModelSnapshot = {};
  for (const collection of collections) snapshot[collection] = await store.find(collection, {}, { sort: { _id: 1 } });
  return snapshot;
}

/**
 * For every projection's "run twice" test (STYLE.md point 4): projects the events, snapshots,
 * projects the same events again, snapshots. The two must be equal. Runs on a throwaway embedded
 * store unless one is given.
 */
export async function projectTwice(
  projection: Projection,
  events: readonly RecordedEvent[],
  given?: ReadModelStore,
): Promise<{ once: ReadModelSnapshot; twice: ReadModelSnapshot; checkpoint: bigint | undefined }> {
  const store = given ?? new SqliteReadModelStore({ file: ':memory:' });
  try {
    await projectEvents(projection, store, events);
    const once = await snapshotReadModels(store, projection.collections);
    await projectEvents(projection, store, events);
    const twice = await snapshotReadModels(store, projection.collections);
    return { once, twice, checkpoint: await store.checkpoint(checkpointName(projection)) };
  } finally {
    if (!given) await store.close();
  }
}
