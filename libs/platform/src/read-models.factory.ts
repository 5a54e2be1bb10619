import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { upcast } from '@ledger/domain';
import { catchUpSubscription, type EventStore, type ReadAllOptions, type RecordedEvent, type SubscriptionHandle } from '@ledger/event-store';
import { DEFAULT_DEADLINES, ObligationDeadlines, obligationsProjection, queryLogsProjection, QUERY_LOGS_PROJECTION, queryRegistrationsProjection, rosterProjection } from '@ledger/projections';
// records
import { incidentsProjection, inspectionsProjection, obtainedDataProjection, webirServiceProjection } from '@ledger/projections';
// Checks and audits
import { monthlyLogImportsProjection } from '@ledger/projections';
// 政風 (ethics)
import { DEFAULT_DETECTOR_CONFIG, type DetectorConfig } from '@ledger/domain';
import { anomaliesProjection, ANOMALIES_PROJECTION } from '@ledger/projections';
import { ProjectionEventSource, ProjectionRunner, ReadModelStore, SqliteReadModelStore } from '@ledger/read-models';
import type { LedgerConfig } from './config';

/** MongoDB when MONGODB_URL is set (production shape), else the embedded SQLite file. */
export async function createReadModelStore(config: LedgerConfig): Promise<ReadModelStore> {
  if (config.mongodbUrl) {
    const { MongoReadModelStore } = await import('@ledger/read-models/mongo/mongo-read-model-store');
    return MongoReadModelStore.connect({ url: config.mongodbUrl, serverSelectionTimeoutMS: config.mongodbServerSelectionTimeoutMs });
  }
  return new SqliteReadModelStore({ file: join(config.dataDir, 'read-models.db') });
}

export function projectionsFor(
  deadlines: ObligationDeadlines = DEFAULT_DEADLINES,
  queryLogs: { windowDays: number } = { windowDays: 1 },
  detectors: DetectorConfig = DEFAULT_DETECTOR_CONFIG,
) {
  return [
    rosterProjection,
    obligationsProjection(deadlines),
    queryRegistrationsProjection,
    queryLogsProjection({ days: queryLogs.windowDays }),
    // records
    obtainedDataProjection,
    webirServiceProjection,
    incidentsProjection,
    inspectionsProjection,
    // Checks and audits (要點 十二(一)).
    monthlyLogImportsProjection,
    // 政風 (ethics)
    anomaliesProjection(detectors),
  ];
}

/** A page of log chunks holds up to 500 lines an event: smaller pages keep a projection's memory bounded. */
// The query-logs read model keeps every line's document of a page in its overlay until the page
// commits: 16 chunks (8,000 lines) bound that to tens of MB, where 64 took ≈ 250 MB at 100,000 lines.
const PAGE_SIZES: Readonly<Record<string, number>> = { [QUERY_LOGS_PROJECTION]: 16, [monthlyLogImportsProjection.name]: 64, [ANOMALIES_PROJECTION]: 64 };

/**
 * `leaseHolder` (the service passes one per process): several instances may share the stores, and
 * each projection is run by the one instance holding its lease in the read-model store; the
 * others stand by, serve reads, and take over when the holder's lease expires.
 */
export function createProjectionRunners(eventStore: EventStore, readModels: ReadModelStore, config: LedgerConfig, options: { leaseHolder?: string } = {}): ProjectionRunner[] {
  const lease = options.leaseHolder ? { holder: options.leaseHolder, ttlMs: config.projectionLeaseMs } : undefined;
  const source = sharedTailReads(eventStore);
  return projectionsFor(config.deadlines, config.queryLogs, config.ethicsDetectors).map(
    (projection) =>
      new ProjectionRunner({ projection, eventStore: livePages(source, PAGE_SIZES[projection.name]), readModels, upcast, lease, pageSize: PAGE_SIZES[projection.name], logger: new Logger(`Projection ${projection.name}`) }),
  );
}

/**
 * A projection with small pages reads its live events in pages of the same size: the subscription
 * otherwise reads up to 500 events at once behind a fast writer, and 500 log chunks are 250,000
 * lines parsed and held (≈ 200 MB at 100,000 lines, the import's peak heap) before the runner applies 16.
 */
function livePages(source: ProjectionEventSource, pageSize: number | undefined): ProjectionEventSource {
  if (pageSize === undefined) return source;
  const subscribe = source.subscribeToAll as (options: Parameters<EventStore['subscribeToAll']>[0], tuning?: { pageSize?: number }) => SubscriptionHandle;
  // Built member by member: the source may be a store instance, whose methods a spread would drop.
  return {
    readAll: (options) => source.readAll(options),
    subscribeToAll: (options) => subscribe.call(source, options, { pageSize }),
    ...(source.headPosition ? { headPosition: () => source.headPosition!() } : {}),
  };
}

/** Tail pages kept for the other projections: a live append's events, never a catch-up's full pages. */
const SHARED_TAIL_MAX_EVENTS = 1_000;

/**
 * The projections' source, with the log's tail read once for all of them. After each append every
 * live projection reads the events after its position — the same few events, ten times over, each
 * read parsing the rows anew (≈ 5 % of a command's time). A read is handed to every projection
 * asking for the same page while it is under way (they ask at once, woken by the same append), and a
 * page shorter than asked for (the tail) is kept for later askers, for as long as the store's change
 * marker (its own commits and any other connection's) says nothing was appended since: the answer
 * is then exactly what a new read would give. Stores without a change marker read as before.
 * The page and its events are shared by the projections that get it; they only read them.
 */
export function sharedTailReads(store: EventStore): ProjectionEventSource {
  const changeMarker = store.changeMarker?.bind(store);
  if (!changeMarker) return store;
  let marker: string | undefined;
  let tails = new Map<string, Promise<RecordedEvent[]>>();
  const head = async () => (hasHead(store) ? store.headPosition() : undefined);
  const wake = appendWakeUps(store);
  const source: ProjectionEventSource = {
    readAll(options: ReadAllOptions = {}) {
      const before = changeMarker();
      if (before !== marker) {
        marker = before;
        tails = new Map();
      }
      const key = `${options.after ?? ''}/${options.maxCount ?? ''}`;
      const kept = tails.get(key);
      if (kept) return kept;
      // Kept from the start: the projections woken by one append ask at once, before any read is answered.
      const read = store.readAll(options);
      const current = tails;
      if (current.size < 64) current.set(key, read);
      read.then(
        (page) => {
          const tail = page.length < (options.maxCount ?? Number.MAX_SAFE_INTEGER) && page.length <= SHARED_TAIL_MAX_EVENTS;
          if (!tail || changeMarker() !== before) current.delete(key);
        },
        () => current.delete(key),
      );
      return read;
    },
    // Each projection's live subscription reads through the shared pages above; the store is
    // watched by one subscription of its own, which only wakes them.
    subscribeToAll: (options: Parameters<EventStore['subscribeToAll']>[0], tuning?: { pageSize?: number }) =>
      catchUpSubscription({ readAll: (o) => source.readAll(o), headPosition: () => head(), onAppended: (listener) => wake.add(listener, options.after) }, options, tuning),
    // The runner's lag and caught-up checks use the store's head where it has one (the embedded store does).
    ...(hasHead(store) ? { headPosition: () => store.headPosition() } : {}),
  };
  return source;
}

/**
 * Wake-ups for the projections' subscriptions from one subscription to the store: it reads each
 * appended page once and calls the listeners once per page. Started with the first listener (after
 * that subscriber's position, so it reads no history), stopped with the last. Were it to fail, the
 * subscriptions still find new events by their idle poll.
 */
function appendWakeUps(store: EventStore) {
  const listeners = new Set<() => void>();
  let watching: SubscriptionHandle | undefined;
  let pending = false;
  const notify = () => {
    if (pending) return;
    pending = true;
    queueMicrotask(() => {
      pending = false;
      for (const listener of [...listeners]) listener();
    });
  };
  return {
    add(listener: () => void, after: bigint | undefined): () => void {
      listeners.add(listener);
      watching ??= store.subscribeToAll({
        after,
        handler: notify,
        onError: () => {
          watching = undefined;
        },
      });
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && watching) {
          void watching.stop().catch(() => undefined);
          watching = undefined;
        }
      };
    },
  };
}

const hasHead = (store: EventStore): store is EventStore & { headPosition(): Promise<bigint | undefined> } =>
  typeof (store as { headPosition?: unknown }).headPosition === 'function';
