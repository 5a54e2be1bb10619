import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { upcast } from '@ledger/domain';
import { catchUpSubscription, type EventStore, type ReadAllOptions, type RecordedEvent } from '@ledger/event-store';
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
      new ProjectionRunner({ projection, eventStore: source, readModels, upcast, lease, pageSize: PAGE_SIZES[projection.name], logger: new Logger(`Projection ${projection.name}`) }),
  );
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
  let tails = new Map<string, { after: bigint; read: Promise<RecordedEvent[]>; tail: boolean }>();
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
      if (kept) return kept.read;
      const after = options.after ?? 0n;
      const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
      // A tail read (under way or done) from at or before `after`, under this same marker, holds
      // every event after `after` as of now: the answer is its part after `after`, up to maxCount.
      // Projections ask with different page sizes and positions after one append; one read serves all.
      for (const other of tails.values()) {
        if (other.after > after) continue;
        return other.read.then(
          (page) => (other.tail ? page.filter((e) => e.position > after).slice(0, maxCount) : store.readAll(options)),
          () => store.readAll(options),
        );
      }
      // Kept from the start: the projections woken by one append ask at once, before any read is answered.
      const read = store.readAll(options);
      const current = tails;
      const entry = { after, read, tail: false };
      if (current.size < 64) current.set(key, entry);
      read.then(
        (page) => {
          entry.tail = page.length < maxCount && page.length <= SHARED_TAIL_MAX_EVENTS;
          if (!entry.tail || changeMarker() !== before) current.delete(key);
        },
        () => current.delete(key),
      );
      return read;
    },
    // Each projection's live subscription reads through the shared pages above; the store is
    // watched by one subscription of its own, which only wakes them.
    subscribeToAll: (options) => catchUpSubscription({ readAll: (o) => source.readAll(o), headPosition: () => head(), onAppended: (listener) => wake.add(listener, options.after) }, options),
    // The runner's lag and caught-up checks use the store's head where it has one (the embedded store does).
    ...(hasHead(store) ? { headPosition: () => store.headPosition() } : {}),
  };
  return source;
}

/**
 * Wake-ups for the projections' subscriptions. Where the store says when this process appended
 * (the embedded store), that is all they need: each then reads what is new through the shared
 * pages, and another process's appends are found by their idle poll, as before. Elsewhere, from
 * one subscription to the store: it reads each appended page once and calls the listeners once per
 * page. Started with the first listener (after that subscriber's position, so it reads no history),
 * stopped with the last. Were it to fail, the subscriptions still find new events by their idle poll.
 */
function appendWakeUps(store: EventStore) {
  const listeners = new Set<() => void>();
  let watching: { stop(): Promise<void> | void } | undefined;
  let pending = false;
  const notify = () => {
    if (pending) return;
    pending = true;
    queueMicrotask(() => {
      pending = false;
      for (const listener of [...listeners]) listener();
    });
  };
  const commits = hasAppendHook(store) ? store : undefined;
  return {
    add(listener: () => void, after: bigint | undefined): () => void {
      listeners.add(listener);
      if (commits) {
        if (!watching) {
          const off = commits.onAppended(notify);
          watching = { stop: off };
        }
      } else
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
          void Promise.resolve(watching.stop()).catch(() => undefined);
          watching = undefined;
        }
      };
    },
  };
}

const hasAppendHook = (store: EventStore): store is EventStore & { onAppended(listener: () => void): () => void } =>
  typeof (store as { onAppended?: unknown }).onAppended === 'function';

const hasHead = (store: EventStore): store is EventStore & { headPosition(): Promise<bigint | undefined> } =>
  typeof (store as { headPosition?: unknown }).headPosition === 'function';
