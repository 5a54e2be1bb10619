import {
  BACKWARDS,
  END,
  FORWARDS,
  KurrentDBClient,
  NO_STREAM,
  START,
  CancelledError,
  DeadlineExceededError,
  NotLeaderError,
  StreamNotFoundError,
  TimeoutError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
  isCommandError,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type AppendResult as ClientAppendResult,
  type AppendStreamState,
  type Direction,
  type EventData as ClientEventData,
  type Filter,
  type Position,
  type ReadPosition,
  type ReadRevision,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import { catchUpSubscription } from '../catch-up-subscription';
import {
  DuplicateEventIdError,
  InvalidStreamIdError,
  StoreUnavailableError,
  WrongExpectedRevisionError,
} from '../errors';
import { GENESIS_HASH, isValidStreamId, sealEvents } from '../integrity';
import { LedgerTreeIndex } from './ledger-tree-index';
import type {
  AppendResult,
  EventData,
  EventMetadata,
  EventStore,
  LedgerTree,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StoreHealth,
  SubscribeToAllOptions,
  SubscriptionHandle,
} from '../types';

/** The part of the official client this adapter uses; a narrower type keeps test doubles honest. */
export type KurrentClient = Pick<
  KurrentDBClient,
  'appendToStream' | 'readStream' | 'readAll' | 'subscribeToAll' | 'dispose'
>;

export interface KurrentDbEventStoreOptions {
  /** Upper bound, in ms, on every call to the server (default 10 000). */
  timeoutMs?: number;
  /** Ledger clock for recordedAt. */
  now?: () => Date;
  /** Attempts for an 'any' append that keeps losing the race for the stream head (default 5). */
  anyRetries?: number;
  /** How many events at a stream's tail are searched for an earlier copy of a retried batch (default 128). */
  replayWindow?: number;
  /** Idle poll of subscriptions, for when the live wake-up is down (default 1 000 ms). */
  pollIntervalMs?: number;
  /** Shown by health(); defaults to the hosts of the connection string, never its credentials. */
  label?: string;
  /**
   * Keep the Merkle tree over the ledger's events in $all order (default true): built in memory by
   * reading $all when first asked, then extended from the last event it holds.
   */
  merkleTree?: boolean;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
/**
 * Earlier versions kept subscription checkpoints in `checkpoint-<name>` streams (truncated by
 * `$maxCount`, so they would look like tampering to the verifier). Projections keep theirs with
 * their documents now; the category stays reserved and out of $all so that a ledger written by an
 * earlier version still verifies.
 */
export const LEGACY_CHECKPOINT_CATEGORY = 'checkpoint';

/**
 * Server-side stream filter for everything the ledger reads from $all: no system streams (`$…`,
 * including `$$…` metadata streams and `$ce-…` projection links) and no legacy checkpoint streams.
 */
export const LEDGER_STREAMS_REGEX = `^(?!\\$|${LEGACY_CHECKPOINT_CATEGORY}-)`;

const READ_BATCH = 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The server's "no position known" sentinel (u64 max) on stream reads from old servers. */
const NO_POSITION = 2n ** 64n - 1n;

export function isLedgerVisible(streamId: string, type: string): boolean {
  return !streamId.startsWith('$') && !type.startsWith('$') && !streamId.startsWith(`${LEGACY_CHECKPOINT_CATEGORY}-`);
}

function describeExpected(expected: ExpectedRevision): string {
  return typeof expected === 'number' ? String(expected) : expected;
}

function describeState(state: unknown): string {
  return typeof state === 'bigint' ? state.toString() : String(state ?? 'any');
}

function actualRevision(state: unknown): number {
  return typeof state === 'bigint' ? Number(state) : -1;
}

/** The client's own error classes that mean "cannot be served now, may be retried". */
const UNAVAILABLE_ERRORS = [UnavailableError, DeadlineExceededError, TimeoutError, NotLeaderError, CancelledError];
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);
/** gRPC DEADLINE_EXCEEDED and UNAVAILABLE, for errors the client passes through unconverted. */
const GRPC_UNAVAILABLE = new Set([4, 14]);
/**
 * Messages that still mean "unreachable" on errors without a type of their own: the client's
 * UnknownError (an unrecognised native-bridge error) and the plain Error of a failed discovery.
 */
const UNAVAILABLE_MESSAGE = /failed to discover|server is not ready|server is busy|no connection established|connection (dropped|refused|reset)/i;

export interface ErrorContext {
  streamId?: string;
  /** The caller's expectation, reported instead of the revision the adapter actually sent. */
  expected?: ExpectedRevision;
}

/**
 * Client errors onto the port's: a wrong expected version becomes WrongExpectedRevisionError with
 * expected and actual revision; anything meaning "cannot reach or be served now" becomes
 * StoreUnavailableError, which callers may retry. Everything else (access denied, a deleted
 * stream, a bad request) passes through unchanged: retrying would not help.
 */
export function mapKurrentError(error: unknown, context: ErrorContext = {}): unknown {
  if (
    error instanceof WrongExpectedRevisionError ||
    error instanceof StoreUnavailableError ||
    error instanceof InvalidStreamIdError ||
    error instanceof DuplicateEventIdError ||
    !(error instanceof Error)
  ) {
    return error;
  }
  if (error instanceof WrongExpectedVersionError) {
    return new WrongExpectedRevisionError(
      context.streamId ?? error.streamName ?? 'unknown',
      context.expected !== undefined ? describeExpected(context.expected) : describeState(error.expectedState),
      actualRevision(error.actualState),
    );
  }
  const code = (error as { code?: unknown }).code;
  if (
    UNAVAILABLE_ERRORS.some((type) => error instanceof type) ||
    ((error instanceof UnknownError || !isCommandError(error)) && UNAVAILABLE_MESSAGE.test(error.message)) ||
    (typeof code === 'string' && NETWORK_CODES.has(code)) ||
    (typeof code === 'number' && GRPC_UNAVAILABLE.has(code))
  ) {
    return new StoreUnavailableError(`EventStoreDB unavailable: ${error.message || error.name}`, error);
  }
  return error;
}

/**
 * Races a call against a timer: the client can wait for minutes on a listener that accepts the
 * connection and never answers, and its own deadline does not cover every path (reads go through
 * a native bridge that takes none, and appends first probe server capabilities without one).
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailableError(`EventStoreDB did not answer ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Reads a client stream to its end within `ms`. The client's reads take no deadline (they go
 * through a native bridge), so on timeout the read is cancelled — the iterator returned, and the
 * underlying stream cancelled where the client offers it — instead of being left pulling pages
 * nobody will look at.
 */
export async function collectWithin<T>(iterable: AsyncIterable<T>, ms: number, what: string): Promise<T[]> {
  const iterator = iterable[Symbol.asyncIterator]();
  const out: T[] = [];
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(new StoreUnavailableError(`EventStoreDB did not answer ${what} within ${ms} ms`));
    }, ms);
  });
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), timeout]);
      if (next.done) return out;
      out.push(next.value);
    }
  } catch (error) {
    if (timedOut) cancelRead(iterator);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function cancelRead(iterator: AsyncIterator<unknown>): void {
  const cancellable = iterator as AsyncIterator<unknown> & { cancel?: () => Promise<void> };
  // Not awaited: the pending pull may never settle; return() takes effect at the next one.
  if (typeof cancellable.cancel === 'function') void cancellable.cancel().catch(() => undefined);
  void iterator.return?.().catch(() => undefined);
}

function positionOf(resolved: ResolvedEvent | AllStreamResolvedEvent): Position | undefined {
  const position = resolved.event?.position;
  if (position && position.commit !== NO_POSITION) return position;
  if (resolved.commitPosition !== undefined && resolved.commitPosition !== NO_POSITION) {
    return { commit: resolved.commitPosition, prepare: resolved.commitPosition };
  }
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/**
 * Into the port's envelope. Events the ledger did not write (binary, no metadata) are still
 * returned, shaped so the verifier reports a broken link instead of crashing on them.
 */
export function toRecordedEvent(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined {
  const event = resolved.event;
  if (!event) return undefined;
  const position = positionOf(resolved);
  if (!position) {
    throw new Error(
      `EventStoreDB returned ${event.streamId}@${event.revision} without a log position; EventStoreDB 22.6 or later is required`,
    );
  }
  const data: EventData = isPlainObject(event.data)
    ? event.data
    : { $nonJsonData: Buffer.from(event.data instanceof Uint8Array ? event.data : String(event.data)).toString('base64') };
  const metadata = (isPlainObject(event.metadata) ? event.metadata : {}) as unknown as EventMetadata;
  return {
    streamId: event.streamId,
    revision: Number(event.revision),
    position: position.commit,
    eventId: event.id,
    type: event.type,
    data,
    metadata,
  };
}

/** Hosts only: a connection string may carry a username and password. */
function hostsOf(connectionString: string): string {
  const match = /^[a-z+]+:\/\/(?:[^@/]*@)?([^/?]+)/i.exec(connectionString);
  return match ? match[1] : 'eventstoredb';
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One live $all subscription per store, shared by every catch-up subscription, used only to cut
 * the wait after an append: events are always read from $all by position, so a dropped or
 * duplicated wake-up cannot lose or repeat anything.
 */
class LiveWakeUp {
  private readonly listeners = new Set<() => void>();
  private subscription: AllStreamSubscription | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly client: KurrentClient,
    private readonly filter: Filter,
    private readonly retryMs: number,
  ) {}

  add(listener: () => void): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.start();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  close(): void {
    this.closed = true;
    this.listeners.clear();
    this.stop();
  }

  private start(): void {
    if (this.closed || this.subscription) return;
    try {
      const subscription = this.client.subscribeToAll({ fromPosition: END, filter: this.filter });
      subscription.on('data', () => {
        for (const listener of this.listeners) listener();
      });
      const dropped = () => {
        if (this.subscription !== subscription) return;
        this.subscription = undefined;
        void subscription.unsubscribe().catch(() => undefined);
        this.restartLater();
      };
      subscription.on('error', dropped);
      subscription.on('end', dropped);
      this.subscription = subscription;
    } catch {
      this.restartLater();
    }
  }

  private restartLater(): void {
    if (this.closed || this.retry || this.listeners.size === 0) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (this.listeners.size > 0) this.start();
    }, this.retryMs);
    this.retry.unref();
  }

  private stop(): void {
    clearTimeout(this.retry);
    this.retry = undefined;
    const subscription = this.subscription;
    this.subscription = undefined;
    if (subscription) void withTimeout(subscription.unsubscribe(), this.retryMs, 'unsubscribe').catch(() => undefined);
  }
}

/**
 * The event-store port on EventStoreDB/KurrentDB through the official client. Same envelope and
 * hash chain as the embedded store: the adapter reads the stream head, seals the events against
 * it and appends at exactly that revision, so two writers can never both extend the same link.
 */
export class KurrentDbEventStore implements EventStore {
  readonly kind = 'eventstoredb' as const;
  readonly timeoutMs: number;
  private readonly now: () => Date;
  private readonly anyRetries: number;
  private readonly replayWindow: number;
  private readonly pollIntervalMs: number;
  private readonly label: string;
  private readonly filter: Filter;
  private readonly wakeUp: LiveWakeUp;
  private readonly treeIndex?: LedgerTreeIndex;
  /** Leaf i is the i-th ledger event in $all: the ledger's own sequence, since $all positions are not dense. */
  readonly tree?: LedgerTree;
  private closed = false;

  static connect(connectionString: string, options: KurrentDbEventStoreOptions = {}): KurrentDbEventStore {
    const client = KurrentDBClient.connectionString(connectionString);
    return new KurrentDbEventStore(client, { label: hostsOf(connectionString), ...options });
  }

  constructor(
    private readonly client: KurrentClient,
    options: KurrentDbEventStoreOptions = {},
  ) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new Error(`EventStoreDB timeout must be a positive number of milliseconds, got ${options.timeoutMs}`);
    }
    this.timeoutMs = timeoutMs;
    this.now = options.now ?? (() => new Date());
    this.anyRetries = Math.max(1, options.anyRetries ?? 5);
    this.replayWindow = Math.max(1, options.replayWindow ?? 128);
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.label = options.label ?? 'eventstoredb';
    this.filter = streamNameFilter({ regex: LEDGER_STREAMS_REGEX });
    this.wakeUp = new LiveWakeUp(client, this.filter, Math.min(this.timeoutMs, 1000));
    if (options.merkleTree ?? true) {
      this.treeIndex = new LedgerTreeIndex((o) => this.readAll(o));
      this.tree = this.treeIndex;
    }
  }

  /** Every server call goes through here: bounded in time, errors mapped onto the port's. */
  private async call<T>(what: string, run: (deadline: number) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('event store is closed');
    try {
      return await withTimeout(Promise.resolve().then(() => run(this.timeoutMs)), this.timeoutMs, what);
    } catch (error) {
      throw mapKurrentError(error);
    }
  }

  private async readRaw(streamId: string, direction: Direction, fromRevision: ReadRevision, maxCount: number) {
    const what = `read of ${streamId}`;
    return this.call(what, async (deadline) => {
      try {
        return await collectWithin(this.client.readStream(streamId, { direction, fromRevision, maxCount, deadline }), deadline, what);
      } catch (error) {
        if (error instanceof StreamNotFoundError) return [];
        throw error;
      }
    });
  }

  private async readAllRaw(direction: Direction, fromPosition: ReadPosition, maxCount: number) {
    return this.call('read of $all', (deadline) =>
      collectWithin(this.client.readAll({ direction, fromPosition, maxCount, filter: this.filter, deadline }), deadline, 'read of $all'),
    );
  }

  /** Newest first. */
  private async readTail(streamId: string, count: number): Promise<RecordedEvent[]> {
    const raw = await this.readRaw(streamId, BACKWARDS, END, count);
    return raw.map(toRecordedEvent).filter((e): e is RecordedEvent => e !== undefined);
  }

  private validateAppend(streamId: string, events: NewEvent[]): void {
    if (!isValidStreamId(streamId)) throw new InvalidStreamIdError(streamId);
    if (streamId.startsWith(`${LEGACY_CHECKPOINT_CATEGORY}-`)) {
      throw new Error(`stream category "${LEGACY_CHECKPOINT_CATEGORY}" is reserved (subscription checkpoints of earlier versions)`);
    }
    if (events.length === 0) throw new Error('append needs at least one event');
    const ids = new Set(events.map((e) => e.eventId.toLowerCase()));
    if (ids.size !== events.length) throw new Error('event ids within one append must be distinct');
    for (const event of events) {
      // EventStoreDB stores ids as UUIDs and reads them back lower-case; anything else cannot round-trip.
      if (!UUID.test(event.eventId)) throw new Error(`event id "${event.eventId}" must be a UUID`);
      // $all readers drop $-types as system events: such an event would be invisible to the verifier.
      if (event.type.startsWith('$')) throw new Error(`event type "${event.type}" must not start with "$"`);
    }
  }

  async append(streamId: string, events: NewEvent[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    if (this.closed) throw new Error('event store is closed');
    this.validateAppend(streamId, events);
    const attempts = expectedRevision === 'any' ? this.anyRetries : 1;
    for (let attempt = 1; ; attempt++) {
      // 'any' can be a retry whatever the head is, so look for the batch at once; an exact
      // expectation that still matches the head cannot be a retry of an append that succeeded.
      const tail = await this.readTail(streamId, expectedRevision === 'any' ? this.replayWindow + events.length : 1);
      const head = tail[0];
      const actual = head ? head.revision : -1;
      const matches =
        expectedRevision === 'any' ||
        (expectedRevision === 'no_stream' && actual === -1) ||
        (typeof expectedRevision === 'number' && expectedRevision === actual);

      if (expectedRevision === 'any' || !matches) {
        const window =
          expectedRevision === 'any' ? tail : await this.readTail(streamId, this.replayWindow + events.length);
        const replay = detectReplay(streamId, events, window);
        if (replay) return replay;
      }
      if (!matches) throw new WrongExpectedRevisionError(streamId, describeExpected(expectedRevision), actual);

      const sealed = this.seal(streamId, head, events);
      // The exact revision read, even for 'any': appending at ANY could fork the hash chain.
      const streamState: AppendStreamState = head ? BigInt(head.revision) : NO_STREAM;
      let result: ClientAppendResult;
      try {
        result = await this.call(`append to ${streamId}`, (deadline) =>
          this.client.appendToStream(streamId, sealed.events, { streamState, deadline }),
        );
        if (!result.success) {
          // Only when the client was built with throwOnAppendFailure=false.
          throw new WrongExpectedRevisionError(streamId, describeState(streamState), Number(result.nextExpectedRevision));
        }
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        if (attempt < attempts) {
          // Lost the race for the head under 'any': re-read and reseal on the new head.
          await sleep(Math.floor(Math.random() * 10 * attempt));
          continue;
        }
        throw new WrongExpectedRevisionError(streamId, describeExpected(expectedRevision), error.actual);
      }
      // The events carry their revision inside their hash: stored anywhere else, the chain is broken.
      if (BigInt(result.nextExpectedRevision) !== BigInt(sealed.lastRevision)) {
        throw new SealedRevisionMismatchError(streamId, sealed.lastRevision, Number(result.nextExpectedRevision));
      }
      if (result.position) return { nextExpectedRevision: sealed.lastRevision, position: result.position.commit, idempotentReplay: false, recordedAt: sealed.recordedAt };
      // No position: the server acknowledged an idempotent write (these event ids were already at
      // these revisions: a concurrent duplicate of the same request won the race), or it is too
      // old to return one. What is stored decides.
      return this.confirmStored(streamId, sealed);
    }
  }

  private async confirmStored(streamId: string, sealed: { firstRevision: number; lastRevision: number; ids: string[]; hashes: string[] }): Promise<AppendResult> {
    const stored = (await this.readRaw(streamId, FORWARDS, BigInt(sealed.firstRevision), sealed.ids.length))
      .map(toRecordedEvent)
      .filter((e): e is RecordedEvent => e !== undefined);
    if (stored.length !== sealed.ids.length || stored.some((e, i) => e.eventId.toLowerCase() !== sealed.ids[i] || e.revision !== sealed.firstRevision + i)) {
      throw new Error(`${streamId}@${sealed.firstRevision}..${sealed.lastRevision} was acknowledged but holds other events`);
    }
    const ours = stored.every((e, i) => (e.metadata as Partial<EventMetadata>).hash === sealed.hashes[i]);
    return { nextExpectedRevision: sealed.lastRevision, position: stored[stored.length - 1].position, idempotentReplay: !ours };
  }

  private seal(streamId: string, head: RecordedEvent | undefined, events: NewEvent[]) {
    let prevHash = GENESIS_HASH;
    if (head) {
      const hash = (head.metadata as Partial<EventMetadata>).hash;
      if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) {
        throw new Error(`${streamId}@${head.revision} carries no ledger hash; refusing to chain onto an unverifiable event`);
      }
      prevHash = hash;
    }
    const chain = sealEvents(streamId, head ? { revision: head.revision, hash: prevHash } : undefined, events, this.now().toISOString());
    const sealed: ClientEventData[] = chain.map((e) =>
      jsonEvent({ id: e.eventId.toLowerCase(), type: e.type, data: e.data, metadata: { ...e.metadata } }),
    );
    return {
      events: sealed,
      firstRevision: chain[0].revision,
      lastRevision: chain[chain.length - 1].revision,
      ids: chain.map((e) => e.eventId.toLowerCase()),
      hashes: chain.map((e) => e.metadata.hash),
      recordedAt: chain[0].metadata.recordedAt,
    };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    if (maxCount <= 0) return [];
    const backwards = options.direction === 'backwards';
    if (backwards && options.fromRevision !== undefined && options.fromRevision < 0) return [];
    const from: ReadRevision = backwards
      ? options.fromRevision === undefined
        ? END
        : BigInt(options.fromRevision)
      : options.fromRevision === undefined
        ? START
        : BigInt(Math.max(0, options.fromRevision));
    const raw = await this.readRaw(streamId, backwards ? BACKWARDS : FORWARDS, from, maxCount);
    return raw.map(toRecordedEvent).filter((e): e is RecordedEvent => e !== undefined);
  }

  /**
   * $all from an exclusive position. The server's start position is inclusive, so the event at
   * `after` is read again and dropped; anything the server filter let through but the ledger must
   * not see is dropped too, and reading goes on so a short page still means "end of $all".
   */
  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    if (maxCount <= 0) return [];
    const out: RecordedEvent[] = [];
    let floor = options.after;
    // A caller may pass a position that is no event's (e.g. an event's position minus one): start at
    // the last ledger event at or before it, a position the server certainly accepts.
    const start = floor === undefined ? undefined : (this.treeIndex?.floorPosition(floor) ?? floor);
    let from: ReadPosition = start === undefined ? START : { commit: start, prepare: start };
    for (;;) {
      const want = Math.min(maxCount - out.length + (floor === undefined ? 0 : 1), READ_BATCH);
      const raw = await this.readAllRaw(FORWARDS, from, want);
      for (const resolved of raw) {
        const event = toRecordedEvent(resolved);
        if (!event || (floor !== undefined && event.position <= floor)) continue;
        if (!isLedgerVisible(event.streamId, event.type)) continue;
        out.push(event);
        if (out.length === maxCount) return out;
      }
      if (raw.length < want) return out;
      const last = positionOf(raw[raw.length - 1]);
      if (!last) return out;
      from = last;
      floor = last.commit;
    }
  }

  async streamRevision(streamId: string): Promise<number> {
    const [head] = await this.readTail(streamId, 1);
    return head ? head.revision : -1;
  }

  /** Newest position readAll would return, so caughtUp() can never wait for an event it filters out. */
  async headPosition(): Promise<bigint | undefined> {
    let from: ReadPosition = END;
    for (let batch = 1; ; batch = Math.min(batch * 10, READ_BATCH)) {
      const raw = await this.readAllRaw(BACKWARDS, from, batch);
      for (const resolved of raw) {
        const event = toRecordedEvent(resolved);
        if (event && isLedgerVisible(event.streamId, event.type)) return event.position;
      }
      if (raw.length < batch) return undefined;
      const last = positionOf(raw[raw.length - 1]);
      if (!last) return undefined;
      from = last;
    }
  }

  subscribeToAll(options: SubscribeToAllOptions): SubscriptionHandle {
    return catchUpSubscription(
      {
        readAll: (o) => this.readAll(o),
        headPosition: () => this.headPosition(),
        onAppended: (listener) => this.wakeUp.add(listener),
      },
      options,
      { pollIntervalMs: this.pollIntervalMs },
    );
  }

  async health(): Promise<StoreHealth> {
    if (this.closed) return { store: this.kind, ok: false, detail: `${this.label}: closed` };
    try {
      await this.readAllRaw(BACKWARDS, END, 1);
      return { store: this.kind, ok: true, detail: this.label };
    } catch (error) {
      return { store: this.kind, ok: false, detail: `${this.label}: ${(error as Error).message ?? String(error)}` };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wakeUp.close();
    await withTimeout(this.client.dispose(), this.timeoutMs, 'dispose').catch(() => undefined);
  }
}

/**
 * The server stored a batch at other revisions than the ones its events were sealed with (their
 * hashes cover the revision): the stream's chain must be checked (`npm run cli -- verify`).
 */
export class SealedRevisionMismatchError extends Error {
  override readonly name = 'SealedRevisionMismatchError';
  constructor(
    readonly streamId: string,
    readonly sealedLastRevision: number,
    readonly storedLastRevision: number,
  ) {
    super(`${streamId}: events sealed up to revision ${sealedLastRevision} were stored up to revision ${storedLastRevision}`);
  }
}

/** A retry carries the same event ids, already stored consecutively in this stream. */
function detectReplay(streamId: string, events: NewEvent[], window: RecordedEvent[]): AppendResult | undefined {
  const byId = new Map(window.map((e) => [e.eventId.toLowerCase(), e]));
  const first = byId.get(events[0].eventId.toLowerCase());
  if (!first) {
    const stored = events.find((e) => byId.has(e.eventId.toLowerCase()));
    if (stored) throw new DuplicateEventIdError(stored.eventId, streamId);
    return undefined;
  }
  let last = first;
  for (let i = 1; i < events.length; i++) {
    const found = byId.get(events[i].eventId.toLowerCase());
    if (!found || found.revision !== first.revision + i) throw new DuplicateEventIdError(events[i].eventId, streamId);
    last = found;
  }
  return { nextExpectedRevision: last.revision, position: last.position, idempotentReplay: true };
}
