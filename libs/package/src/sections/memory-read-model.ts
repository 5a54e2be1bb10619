import type { RecordedEvent } from '@ledger/event-store/types';
import type { Projection, ProjectionReader } from '@ledger/read-models/projection';
import type { ReadModelWrite } from '@ledger/read-models/types';

/**
 * A read model's own projection run in memory over the package's events (a pure fold: its handlers
 * read only what they wrote), so a section and the verifier derive the same documents offline. One
 * map per collection; a written document is kept as the projection handed it over, with the position
 * of the event that wrote it (what a stored document carries), not copied: a package's 100,000 logged
 * queries leave as many documents here, and a copy of each doubled the generator's memory.
 */
export class MemoryReadModel {
  private readonly collections = new Map<string, Map<string, Record<string, unknown>>>();
  // Everything is in memory: a prefetch has nothing to read.
  readonly reader: ProjectionReader = { get: async (collection, id) => this.collections.get(collection)?.get(id) as never, prefetch: async () => undefined };
  /** The projection's handlers are async only to read; this reader answers at once, so the chain settles in order. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly projection: Pick<Projection, 'handles' | 'project'>) {}

  accept(event: RecordedEvent): void {
    if (!this.projection.handles(event.type)) return;
    this.queue = this.queue.then(async () => this.apply((await this.projection.project(event, this.reader)) as ReadModelWrite[], event.position.toString()));
  }

  private apply(writes: readonly ReadModelWrite[], position: string): void {
    for (const w of writes) {
      let collection = this.collections.get(w.collection);
      if (!collection) this.collections.set(w.collection, (collection = new Map()));
      if (w.type === 'upsert') {
        const doc = w.document as Record<string, unknown>;
        doc._id = w.id;
        doc._position = position;
        collection.set(w.id, doc);
      } else if (w.type === 'set') {
        const doc = collection.get(w.id);
        if (doc) collection.set(w.id, { ...doc, ...(JSON.parse(JSON.stringify(w.fields)) as Record<string, unknown>), _position: position });
      } else collection.delete(w.id);
    }
  }

  /** Every document of a collection, without the stored fields. */
  async all<T>(collection: string): Promise<T[]> {
    await this.queue;
    return [...(this.collections.get(collection)?.values() ?? [])].map(({ _id, _position, ...doc }) => doc as unknown as T);
  }
}
