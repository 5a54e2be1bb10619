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
import { Projection, ProjectionEventSource, ProjectionRunner, ReadModelStore, SqliteReadModelStore } from '@ledger/read-models';
import type { LedgerConfig } from './config';

/** MongoDB when MONGODB_URL is set (production shape), else the embedded SQLite file. */
export async function createReadModelStore(config: LedgerConfig, options: { checkpoints?: 'background' | 'elsewhere' } = {}): Promise<ReadModelStore> {
  if (config.mongodbUrl) {
    const { MongoReadModelStore } = await import('@ledger/read-models/mongo/mongo-read-model-store');
    return MongoReadModelStore.connect({ url: config.mongodbUrl, serverSelectionTimeoutMS: config.mongodbServerSelectionTimeoutMs });
  }
  // A second connection in a process whose first already checkpoints the file passes 'elsewhere' (see createEventStore).
  return new SqliteReadModelStore({ file: join(config.dataDir, 'read-models.db'), busyTimeoutMs: config.sqliteBusyTimeoutMs, checkpoints: options.checkpoints ?? 'background' });
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

/** A page of log chunks holds up to QUERY_LOG_CHUNK_LINES lines an event: smaller pages keep a projection's memory bounded. */
// The query-logs read model keeps every line's document of a page in its overlay until the page
// commits. 48 chunks of 150 lines (7,200) stay under the 8,000 lines (16 chunks of 500) this bound
// was set for, where 64 chunks of 500 took ≈ 250 MB at 100,000 lines; an import begun with chunks
// of 500 and resumed after is read 24,000 lines a page. Against 16, the import ran 8–20 % faster and
// a page of registrations costs ≈ 10 µs less each (one commit per 48 events, not 16), same peak RSS.
const PAGE_SIZES: Readonly<Record<string, number>> = { [QUERY_LOGS_PROJECTION]: 48, [monthlyLogImportsProjection.name]: 64, [ANOMALIES_PROJECTION]: 64 };

/**
 * Every runner's pages are also cut at this weight (approximateBytes of their events): 48 log
 * chunks of 150 lines (≈ 7.5 MB by that estimate) still make one page, and 15 reconciliation
 * listings of 500 queries do. Counted alone, a page of 1,000 listings made the obligations read
 * model hold 1,000,000 documents in one transaction at 1,000,000 lines (180,014 writes in one
 * commit at 100,000), and 64 made the anomalies one hold 64,001.
 */
const PAGE_BYTES = 8 * 1024 * 1024;

/** How a runner takes part: its lease holder's name, whether it only follows, whom it tells what it applied. */
export interface RunnerOptions {
  leaseHolder?: string;
  follow?: boolean;
  onApplied?: (projection: string, position: bigint) => void;
  /** Events per page instead of the projection's own (PAGE_SIZES): import-log's projector thread takes fewer. */
  pageSize?: number;
}

/**
 * `leaseHolder` (the service passes one per process): several instances may share the stores, and
 * each projection is run by the one instance holding its lease in the read-model store; the
 * others stand by, serve reads, and take over when the holder's lease expires. `follow`: run none
 * and never take a lease (LEDGER_PROJECTIONS=follow; a projector process runs them).
 */
export function createProjectionRunners(eventStore: EventStore, readModels: ReadModelStore, config: LedgerConfig, options: RunnerOptions = {}): ProjectionRunner[] {
  const source = sharedTailReads(eventStore);
  return projectionsFor(config.deadlines, config.queryLogs, config.ethicsDetectors).map((projection) => runnerOf(projection, source, readModels, config, options));
}

/**
 * One projection's runner alone, for a process that runs only it (`import-log` runs the query-logs
 * read model). Its reads keep no window of recent events: the window shared by several projections
 * saves a lone reader nothing and would keep up to SHARED_WINDOW_BYTES of events alive, which the garbage
 * collector then copies into the old generation, and V8 sizes that generation by what it holds.
 */
export function createProjectionRunner(name: string, eventStore: EventStore, readModels: ReadModelStore, config: LedgerConfig, options: RunnerOptions = {}): ProjectionRunner {
  const projection = projectionsFor(config.deadlines, config.queryLogs, config.ethicsDetectors).find((p) => p.name === name);
  if (!projection) throw new Error(`no projection named ${name}`);
  return runnerOf(projection, sharedTailReads(eventStore, { windowBytes: 0 }), readModels, config, options);
}

function runnerOf(projection: Projection, source: ProjectionEventSource, readModels: ReadModelStore, config: LedgerConfig, options: RunnerOptions): ProjectionRunner {
  const lease = options.leaseHolder ? { holder: options.leaseHolder, ttlMs: config.projectionLeaseMs } : undefined;
  const pageSize = options.pageSize ?? PAGE_SIZES[projection.name];
  const { onApplied } = options;
  return new ProjectionRunner({
    projection, eventStore: livePages(source, pageSize), readModels, upcast, lease, follow: options.follow ?? false, pageSize, logger: new Logger(`Projection ${projection.name}`),
    pageWeight: { weigh: approximateBytes, max: PAGE_BYTES },
    ...(onApplied ? { onApplied: (position: bigint) => onApplied(projection.name, position) } : {}),
  });
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
 * The most recent events kept for the projections that have not read them yet. The slowest
 * projections fall seconds behind the fastest under a steady flow of registrations (≈ 5,000/s): with
 * 5,000 events they fell out of the window and each read the log for itself, 10 reads of every event
 * (0.40 ms of the service's CPU a registration, its read models 3 s behind its answers); with 30,000,
 * 0.31 ms and 0.3 s (bench:queries, side by side).
 */
const SHARED_WINDOW_EVENTS = 30_000;
/**
 * And at most about this much memory (estimated, see approximateBytes, ≈ 1.7 KB a registration): a
 * WebIR log's chunk events hold 500 lines each, and 30,000 of them would hold a whole month's log.
 */
const SHARED_WINDOW_BYTES = 48 * 1024 * 1024;

/**
 * The projections' source, with the log's tail read once for all of them. After each append every
 * live projection reads the events after its position — the same few events, ten times over, each
 * read parsing the rows anew (≈ 5 % of a command's time). A read is handed to every projection
 * asking for the same page while it is under way (they ask at once, woken by the same append), and a
 * page shorter than asked for (the tail) is kept for later askers, for as long as the store's change
 * marker (its own commits and any other connection's) says nothing was appended since: the answer
 * is then exactly what a new read would give. Stores without a change marker read as before.
 *
 * Under a steady flow of appends the marker changes between the projections' reads, and they stand
 * at different positions (their pages differ in size, some are slower): so the events read are also
 * kept by position, in one window of the most recent ones. A recorded event never changes, and every
 * read answers a complete run of positions — all events after `after`, up to its last, or up to the
 * head when it came back short — so a read that falls inside the window is answered from it, and only
 * what lies beyond the window is read from the store (and added to it). The window is trusted to
 * reach the head only while the marker is the one seen when a short read ended it.
 * The page and its events are shared by the projections that get it; they only read them.
 */
export function sharedTailReads(store: EventStore, options: { windowBytes?: number } = {}): ProjectionEventSource {
  const changeMarker = store.changeMarker?.bind(store);
  if (!changeMarker) return store;
  let marker: string | undefined;
  let tails = new Map<string, Promise<RecordedEvent[]>>();
  const window = new EventWindow(SHARED_WINDOW_EVENTS, options.windowBytes ?? SHARED_WINDOW_BYTES);
  const head = async () => (hasHead(store) ? store.headPosition() : undefined);
  const wake = appendWakeUps(store);

  /** A read of the store, shared with whoever asks for the same page meanwhile, and added to the window. */
  const kept = (after: bigint | undefined, maxCount: number | undefined) => {
    const before = changeMarker();
    if (before !== marker) {
      marker = before;
      tails = new Map();
    }
    return tails.get(`${after ?? ''}/${maxCount ?? ''}`);
  };
  const read = (after: bigint | undefined, maxCount: number | undefined): Promise<RecordedEvent[]> => {
    const shared = kept(after, maxCount);
    if (shared) return shared;
    const before = changeMarker();
    const key = `${after ?? ''}/${maxCount ?? ''}`;
    // Kept from the start: the projections woken by one append ask at once, before any read is answered.
    const reading = store.readAll({ after, maxCount });
    const current = tails;
    if (current.size < 64) current.set(key, reading);
    reading.then(
      (page) => {
        const short = page.length < (maxCount ?? Number.MAX_SAFE_INTEGER);
        const unchanged = changeMarker() === before;
        window.add(after ?? 0n, page, short && unchanged ? before : undefined);
        if (!(short && page.length <= SHARED_TAIL_MAX_EVENTS) || !unchanged) current.delete(key);
      },
      () => current.delete(key),
    );
    return reading;
  };

  const source: ProjectionEventSource = {
    readAll(options: ReadAllOptions = {}) {
      const { maxCount } = options;
      const shared = kept(options.after, maxCount);
      if (shared) return shared;
      const from = window.from(options.after ?? 0n, maxCount ?? Number.MAX_SAFE_INTEGER);
      if (!from) return read(options.after, maxCount);
      if (from.events.length === (maxCount ?? Number.MAX_SAFE_INTEGER) || from.reachesHeadAt === changeMarker()) return Promise.resolve(from.events);
      // The window ends before the head may: the rest is read from where it ends.
      return read(from.end, maxCount === undefined ? undefined : maxCount - from.events.length).then((more) => (from.events.length === 0 ? more : [...from.events, ...more]));
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
 * Recorded events with positions in (start, end], every one of them, ascending; bounded to the most
 * recent `capacity`. `reachesHeadAt` is the store's change marker when `end` was its head.
 */
export class EventWindow {
  /**
   * Held events are events[head..]: dropping the oldest moves `head`, and the array is compacted only
   * once the dropped part outgrows the held part. A copy of the whole window on each add cost
   * milliseconds an append at 30,000 events.
   */
  private events: RecordedEvent[] = [];
  /** approximateBytes of each event, in step with `events`. */
  private sizes: number[] = [];
  private head = 0;
  private bytes = 0;
  private start = 0n;
  private end = 0n;
  private empty = true;
  private reachesHeadAt: string | undefined;

  constructor(
    private readonly capacity: number,
    private readonly maxBytes = Number.POSITIVE_INFINITY,
  ) {}

  /** How many events are held. */
  get size(): number {
    return this.events.length - this.head;
  }

  private hold(event: RecordedEvent): void {
    const size = approximateBytes(event);
    this.events.push(event);
    this.sizes.push(size);
    this.bytes += size;
  }

  /** A read's answer: every event in (after, last of page], or up to the head when `headAt` is given. */
  add(after: bigint, page: readonly RecordedEvent[], headAt: string | undefined): void {
    const last = page.length > 0 ? page[page.length - 1].position : after;
    if (this.empty || after > this.end || after < this.start) {
      // Not joined to what is held: the newer run replaces it (projections read forwards).
      if (!this.empty && last <= this.end) return;
      this.events = [];
      this.sizes = [];
      this.head = 0;
      this.bytes = 0;
      for (const event of page) this.hold(event);
      this.start = after;
      this.end = last;
      this.empty = false;
      this.reachesHeadAt = headAt;
    } else {
      if (last > this.end) {
        for (const event of page) if (event.position > this.end) this.hold(event);
        this.end = last;
        this.reachesHeadAt = headAt;
      } else if (last === this.end && headAt !== undefined) this.reachesHeadAt = headAt;
    }
    let head = this.head;
    const overCount = Math.max(0, this.size - this.capacity);
    for (let i = 0; i < overCount; i++) this.bytes -= this.sizes[head++];
    while (head < this.events.length && this.bytes > this.maxBytes) this.bytes -= this.sizes[head++];
    if (head === this.head) return;
    this.start = this.events[head - 1].position;
    if (head * 2 >= this.events.length) {
      this.events = this.events.slice(head);
      this.sizes = this.sizes.slice(head);
      head = 0;
    } else {
      // Released for the collector while they wait for the next compaction.
      this.events.fill(RELEASED, this.head, head);
    }
    this.head = head;
  }

  /** The held events after `after` (at most maxCount), when the window holds that position. */
  from(after: bigint, maxCount: number): { events: RecordedEvent[]; end: bigint; reachesHeadAt: string | undefined } | undefined {
    if (this.empty || after < this.start || after > this.end) return undefined;
    let lo = this.head;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.events[mid].position <= after) lo = mid + 1;
      else hi = mid;
    }
    return { events: this.events.slice(lo, lo + maxCount), end: this.end, reachesHeadAt: this.reachesHeadAt };
  }
}

/** What a dropped slot of EventWindow holds until compaction: never read (positions before `start`). */
const RELEASED = { position: -1n } as RecordedEvent;

/**
 * A cheap over-estimate of what an event holds in memory, from its payload's top-level fields: a
 * list counts 1 KB an item (a log chunk's line is a few hundred bytes of strings and their object).
 */
export function approximateBytes(event: RecordedEvent): number {
  let bytes = 1024;
  const data = event.data as Record<string, unknown>;
  for (const key in data) {
    const value = data[key];
    bytes += typeof value === 'string' ? 2 * value.length + 32 : Array.isArray(value) ? 1024 * value.length + 64 : 256;
  }
  return bytes;
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
