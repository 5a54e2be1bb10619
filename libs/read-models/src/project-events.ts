import type { RecordedEvent } from '@ledger/event-store';
import { assertWrite, bodyJson, deepFreeze, PlainDocument, ReadModelRequestError, SerializedDocument, setFieldsBody } from './documents';
import { checkpointName, declareTables, type Projection, type ProjectionReader } from './projection';
import type { AppliedEvent, DocumentBody, DocumentEntry, ReadModelStore, ReadModelWrite, StoredDocument } from './types';

/** Says which projection failed on which event; never carries event data, which may be personal. */
export class ProjectionHandlerError extends Error {
  override readonly name = 'ProjectionHandlerError';
  constructor(
    readonly projection: string,
    readonly position: bigint,
    readonly eventType: string,
    override readonly cause: unknown,
  ) {
    super(
      `projection ${projection} failed on ${eventType} at position ${position}: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
  }
}

interface Entry {
  collection: string;
  id: string;
  position: bigint;
  /** undefined: deleted (a tombstone), or not parsed yet from `pending`. */
  document: StoredDocument | undefined;
  /** JSON text to store (a typed collection's fields as given); null for a delete; undefined while the entry is only what was read. */
  pending?: string | PlainDocument | null;
}

/** A write to a document the page has not read: a whole one (a body, or null for a delete) or a set. */
type DeferredWrite =
  | { position: bigint; whole: true; pending: string | PlainDocument | null }
  | { position: bigint; whole: false; fields: Record<string, unknown> };

/**
 * The documents one page touches: what was read from the store, updated by the page's own writes
 * under the same position guard the store applies. So event k+1 sees what event k wrote although
 * nothing is stored until the end of the page, and on a replay a write the store would refuse is
 * refused here too — otherwise the next event in the page would build on a version that is never
 * stored (a counter would count twice).
 *
 * A write to a document the page has not read is not read for: it is kept as written (deferred)
 * and left to the store's own guard, which gives the same outcome (a logged query's row is written
 * once and never read within its page: a read per row cost as much as its write). Only when the
 * page reads such a document later is it read, and its deferred writes applied over it here.
 */
class PageOverlay {
  private readonly entries = new Map<string, Entry | null>();
  private readonly deferred = new Map<string, { collection: string; id: string; writes: DeferredWrite[] }>();
  readonly reader: ProjectionReader;
  /** Collections the store keeps as typed rows (declared by the projection, on a store that can). */
  private readonly typed: ReadonlySet<string>;

  constructor(
    private readonly projection: Projection,
    private readonly store: ReadModelStore,
  ) {
    this.typed = new Set(store.declareTable ? Object.keys(projection.tables ?? {}) : []);
    this.reader = {
      get: async <T extends object = DocumentBody>(collection: string, id: string) => {
        this.assertOwn(collection);
        const entry = await this.load(collection, id);
        // Parsed only when read back: most written documents never are within their page.
        if (entry && entry.document === undefined && entry.pending) {
          entry.document = deepFreeze({ _id: entry.id, _position: entry.position.toString(), ...(JSON.parse(typeof entry.pending === 'string' ? entry.pending : entry.pending.jsonText()) as DocumentBody) });
        }
        return entry?.document as StoredDocument<T> | undefined;
      },
      prefetch: async (collection: string, ids: readonly string[]) => {
        this.assertOwn(collection);
        const wanted = [...new Set(ids)].filter((id) => !this.entries.has(`${collection}\u0000${id}`));
        if (wanted.length === 0) return;
        const stored = await this.store.getEntries(collection, wanted);
        // Another read of the page may have taken some in meanwhile: what it took stands.
        wanted.forEach((id, i) => {
          if (!this.entries.has(`${collection}\u0000${id}`)) this.install(collection, id, stored[i]);
        });
      },
    };
  }

  private assertOwn(collection: string): void {
    if (!this.projection.collections.includes(collection)) {
      throw new ReadModelRequestError(`projection ${this.projection.name} used ${collection}, which is not one of its collections`);
    }
  }

  private async load(collection: string, id: string): Promise<Entry | null> {
    const known = this.entries.get(`${collection}\u0000${id}`);
    if (known !== undefined) return known;
    const stored = await this.store.getEntry(collection, id);
    // Another read of the page may have taken it in while this one waited: what it took stands.
    return this.entries.get(`${collection}\u0000${id}`) ?? this.install(collection, id, stored);
  }

  /** What the store holds for a document the page has not read, with the page's deferred writes to it applied over it. */
  private install(collection: string, id: string, stored: DocumentEntry | undefined): Entry | null {
    const key = `${collection}\u0000${id}`;
    const entry = stored ? { collection, id, position: stored.position, document: deepFreeze(stored.document) } : null;
    this.entries.set(key, entry);
    const deferred = this.deferred.get(key);
    if (deferred) {
      // The deferred writes over what is stored, each under the guard, as the store would apply them.
      this.deferred.delete(key);
      for (const w of deferred.writes) {
        if (w.whole) {
          const current = this.entries.get(key);
          if (!current || current.position < w.position) this.entries.set(key, { collection, id, position: w.position, document: undefined, pending: w.pending });
        } else this.applySet(key, w.position, w.fields, false);
      }
    }
    return this.entries.get(key) ?? null;
  }

  /** A set over a document the page knows, as the store would apply it (see ReadModelWrite `set`). */
  private applySet(key: string, position: bigint, fields: Record<string, unknown>, sameEvent: boolean): boolean {
    const entry = this.entries.get(key);
    if (!entry || (entry.position >= position && !sameEvent)) return false;
    const current: Readonly<Record<string, unknown>> | undefined =
      entry.document ?? (entry.pending instanceof PlainDocument ? entry.pending.fields : typeof entry.pending === 'string' ? (JSON.parse(entry.pending) as DocumentBody) : undefined);
    // No live document (none, or a tombstone): a set changes nothing.
    if (!current) return false;
    const pending = this.bodyOf(entry.collection, { ...current, ...fields });
    this.entries.set(key, { collection: entry.collection, id: entry.id, position, document: undefined, pending });
    return true;
  }

  /** A typed collection's document is kept as its fields (the store makes columns of them); any other as its JSON text, made once here. */
  private bodyOf(collection: string, document: unknown): string | PlainDocument {
    return this.typed.has(collection) ? PlainDocument.of(document) : bodyJson(document);
  }

  /** A write to a document the page has not read, kept for the store (see the class comment). */
  private defer(key: string, write: ReadModelWrite, position: bigint): void {
    let deferred = this.deferred.get(key);
    if (!deferred) this.deferred.set(key, (deferred = { collection: write.collection, id: write.id, writes: [] }));
    const last = deferred.writes[deferred.writes.length - 1];
    if (write.type === 'set') {
      const fields = setFieldsBody(write.fields);
      if (last && last.position === position) {
        // Later in the same event as the last write: applied over it.
        if (!last.whole) last.fields = { ...last.fields, ...fields };
        else if (last.pending !== null) last.pending = this.bodyOf(write.collection, { ...(last.pending instanceof PlainDocument ? last.pending.fields : (JSON.parse(last.pending) as DocumentBody)), ...fields });
        return;
      }
      deferred.writes.push({ position, whole: false, fields });
      return;
    }
    // A whole write leaves nothing of the writes before it: either the store takes it, over them, or
    // the stored document is at or after its position, and so after theirs too.
    deferred.writes = [{ position, whole: true, pending: write.type === 'upsert' ? this.bodyOf(write.collection, write.document) : null }];
  }

  async apply(position: bigint, writes: readonly ReadModelWrite[]): Promise<void> {
    for (const write of writes) {
      assertWrite(write);
      this.assertOwn(write.collection);
    }
    // Within one event the last write to a document wins, as in the store's batch.
    const writtenNow = new Set<string>();
    for (const write of writes) {
      const key = `${write.collection}\u0000${write.id}`;
      if (!this.entries.has(key)) {
        this.defer(key, write, position);
        continue;
      }
      if (write.type === 'set') {
        if (this.applySet(key, position, setFieldsBody(write.fields), writtenNow.has(key))) writtenNow.add(key);
        continue;
      }
      const current = this.entries.get(key);
      if (current && current.position >= position && !writtenNow.has(key)) continue;
      writtenNow.add(key);
      const pending = write.type === 'upsert' ? this.bodyOf(write.collection, write.document) : null;
      this.entries.set(key, { collection: write.collection, id: write.id, position, document: undefined, pending });
    }
  }

  /** One entry per position that still has a write, plus the page's last position for the checkpoint. */
  batch(lastPosition: bigint): AppliedEvent[] {
    const byPosition = new Map<bigint, ReadModelWrite[]>();
    const add = (position: bigint, write: ReadModelWrite) => {
      const list = byPosition.get(position);
      if (list) list.push(write);
      else byPosition.set(position, [write]);
    };
    // The JSON made once here is what the store stores, so it is exactly what was read back here.
    const whole = (collection: string, id: string, pending: string | PlainDocument | null): ReadModelWrite =>
      pending === null
        ? { type: 'delete', collection, id }
        : { type: 'upsert', collection, id, document: (typeof pending === 'string' ? new SerializedDocument(pending) : pending) as unknown as DocumentBody };
    for (const entry of this.entries.values()) {
      if (!entry || entry.pending === undefined) continue;
      add(entry.position, whole(entry.collection, entry.id, entry.pending));
    }
    for (const { collection, id, writes } of this.deferred.values()) {
      for (const w of writes) add(w.position, w.whole ? whole(collection, id, w.pending) : { type: 'set', collection, id, fields: w.fields });
    }
    if (!byPosition.has(lastPosition)) byPosition.set(lastPosition, []);
    return [...byPosition].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([position, writes]) => ({ position, writes }));
  }
}

/**
 * Projects events (in global order) and applies the outcome with the checkpoint as one batch.
 * Idempotent: projecting events that are already applied changes nothing. Returns the position
 * of the last event, or undefined for an empty list.
 */
export async function projectEvents(
  projection: Projection,
  store: ReadModelStore,
  events: readonly RecordedEvent[],
): Promise<bigint | undefined> {
  if (events.length === 0) return undefined;
  await declareTables(projection, store);
  const overlay = new PageOverlay(projection, store);
  const page = projection.startPage?.(overlay.reader);
  if (projection.prefetchPage) {
    const handled = events.filter((e) => projection.handles(e.type));
    try {
      if (handled.length > 0) await projection.prefetchPage(handled, overlay.reader);
    } catch (error) {
      throw new ProjectionHandlerError(projection.name, handled[0].position, handled[0].type, error);
    }
  }
  const types = new Map<bigint, string>();
  for (const event of events) {
    if (!projection.handles(event.type)) continue;
    try {
      if (page) {
        types.set(event.position, event.type);
        await page.project(event);
      } else await overlay.apply(event.position, await projection.project(event, overlay.reader));
    } catch (error) {
      throw new ProjectionHandlerError(projection.name, event.position, event.type, error);
    }
  }
  if (page) {
    // Through the overlay all the same: the writes are checked and guarded as project()'s are.
    for (const { position, writes } of await page.writes()) {
      try {
        await overlay.apply(position, writes);
      } catch (error) {
        throw new ProjectionHandlerError(projection.name, position, types.get(position) ?? 'page', error);
      }
    }
  }
  const lastPosition = events[events.length - 1].position;
  await store.applyBatch(checkpointName(projection), overlay.batch(lastPosition));
  return lastPosition;
}
