import type { RecordedEvent } from '@ledger/event-store';
import { assertCollectionName, assertIndexes, assertProjectionName, ReadModelRequestError } from './documents';
import type { AppliedEvent, DocumentBody, IndexSpec, ReadModelStore, ReadModelWrite, StoredDocument, TableSpec } from './types';

/** The projection's view of its own collections while it projects, including writes not yet stored. */
export interface ProjectionReader {
  /** Frozen: build the next version with a spread, do not edit it in place. */
  get<T extends object = DocumentBody>(collection: string, id: string): Promise<StoredDocument<T> | undefined>;
  /**
   * Reads, in one read of the store, those of these documents the page has not read yet, so that the
   * `get`s of them that follow read nothing more. Changes no outcome: a page's hundreds of lines
   * then cost one read of the store instead of one each.
   */
  prefetch(collection: string, ids: readonly string[]): Promise<void>;
}

/**
 * A read model's definition. `project` must be deterministic in the event and what it reads (no
 * clock, no I/O besides `read`), and should read only documents it also writes for that event:
 * on a replay the guard keeps a document's newer version, and a value derived from another
 * document's newer version would not be what the first pass wrote.
 */
export interface Projection {
  /** Also the checkpoint's name; renaming a projection rebuilds it. */
  readonly name: string;
  /** Every collection it writes or reads; a rebuild drops exactly these. */
  readonly collections: readonly string[];
  /**
   * The format of what it stores (default 1). Raise it when a change of code changes the documents'
   * shape: at the next start the runner finds no checkpoint for the new version, drops what an
   * earlier version stored and rebuilds from the log, instead of reading documents in the old shape.
   */
  readonly version?: number;
  readonly indexes?: Readonly<Record<string, readonly IndexSpec[]>>;
  /** Collections kept as typed rows where the store can (ReadModelStore.declareTable); changing one needs a new version. */
  readonly tables?: Readonly<Record<string, TableSpec>>;
  handles(eventType: string): boolean;
  project(event: RecordedEvent, read: ProjectionReader): readonly ReadModelWrite[] | Promise<readonly ReadModelWrite[]>;
  /**
   * Optional, for a projection whose events keep rewriting the same documents (a log's lines counted
   * per account and week): projectEvents then hands it a whole page, it keeps the documents in memory
   * across the page's events and gives each changed document once at the end, instead of one JSON
   * round trip per event. It must leave exactly what project() leaves event by event, including what
   * the position guard skips on a replay.
   */
  startPage?(read: ProjectionReader): PageProjector;
  /**
   * Optional: called with a page's events (those it handles) before they are projected, to read at
   * once (ProjectionReader.prefetch) documents that project() would read one at a time. It must not
   * change what project() leaves: only what is read, and when.
   */
  prefetchPage?(events: readonly RecordedEvent[], read: ProjectionReader): Promise<void>;
}

/** One page of events folded in memory (see Projection.startPage). */
export interface PageProjector {
  /** Projects the next event of the page (in global order); throws like project(). */
  project(event: RecordedEvent): void | Promise<void>;
  /** The page's outcome: each changed document once, under the position of the event that last changed it. */
  writes(): readonly AppliedEvent[] | Promise<readonly AppliedEvent[]>;
}

/** Where a projection's checkpoint is kept: its name, and from version 2 on its name and version. */
export function checkpointName(projection: Pick<Projection, 'name' | 'version'>): string {
  const version = projection.version ?? 1;
  return version > 1 ? `${projection.name}@v${version}` : projection.name;
}

export function assertProjection(projection: Projection): void {
  assertProjectionName(projection.name);
  if (projection.version !== undefined && (!Number.isInteger(projection.version) || projection.version < 1)) {
    throw new ReadModelRequestError(`projection ${projection.name} must have a positive integer version`);
  }
  if (!Array.isArray(projection.collections) || projection.collections.length === 0) {
    throw new ReadModelRequestError(`projection ${projection.name} must name its collections`);
  }
  projection.collections.forEach(assertCollectionName);
  for (const [collection, indexes] of Object.entries(projection.indexes ?? {})) {
    if (!projection.collections.includes(collection)) {
      throw new ReadModelRequestError(`projection ${projection.name} declares indexes on ${collection}, which is not one of its collections`);
    }
    assertIndexes(indexes);
  }
  for (const collection of Object.keys(projection.tables ?? {})) {
    if (!projection.collections.includes(collection)) {
      throw new ReadModelRequestError(`projection ${projection.name} declares a table for ${collection}, which is not one of its collections`);
    }
  }
}

/** Declares the projection's typed collections on a store that can keep them (idempotent). */
export async function declareTables(projection: Pick<Projection, 'tables'>, store: ReadModelStore): Promise<void> {
  if (!store.declareTable) return;
  for (const [collection, spec] of Object.entries(projection.tables ?? {})) await store.declareTable(collection, spec);
}
