import { busyAsUnavailable, type EventStore, type RecordedEvent, type SubscriptionHandle } from '@ledger/event-store';
import { ReadModelRequestError } from './documents';
import { ProjectionHandlerError, projectEvents } from './project-events';
import { assertProjection, checkpointName, declareTables, type Projection } from './projection';
import type { ProjectionLease, ReadModelStore } from './types';

/** What the runner needs from the event store; headPosition (the embedded store has it) gives /health its lag. */
export type ProjectionEventSource = Pick<EventStore, 'readAll' | 'subscribeToAll'> & {
  headPosition?(): Promise<bigint | undefined>;
};

/** What the runner logs through; Nest's Logger fits (the service passes one), the library stays framework-free. */
export interface RunnerLogger {
  log(message: string): void;
  error(message: string, stack?: string): void;
}

/** Without a logger, failures still reach stderr; progress lines are dropped. */
const stderrLogger = (name: string): RunnerLogger => ({
  log: () => undefined,
  error: (message) => void process.stderr.write(`[projection ${name}] ${message}\n`),
});

/**
 * running: applying events; retrying: a store did not answer, waiting to resume from the
 * checkpoint; failed: a handler threw (fix and restart); broken: the checkpoint is beyond the log's
 * head (rebuild); standby: another instance holds this projection's lease and runs it (this one
 * serves reads from the shared read-model store and takes over when that lease expires); stopped.
 */
export type ProjectionState = 'running' | 'retrying' | 'standby' | 'stopped' | 'failed' | 'broken';

/** JSON-ready for /health: positions are decimal strings because bigint does not survive JSON. */
export interface ProjectionStatus {
  name: string;
  state: ProjectionState;
  /** Global position of the last event applied, null before the first. */
  position: string | null;
  /** Global position of the newest event in the store, null when the store cannot say. */
  headPosition: string | null;
  /** headPosition − position in global-position units (on the embedded store, events); null when unknown. */
  lag: number | null;
  /** Reading the log page by page (after a start or during a rebuild) before following it live: reads lag behind. */
  catchingUp: boolean;
  error?: string;
  /** While retrying: attempts since the store stopped answering, and when the next one starts. */
  retries?: number;
  nextRetryAt?: string;
  /** With leases (several instances): whether this instance holds the lease and runs the projection. */
  leaseHeld?: boolean;
  /**
   * Only on an instance that follows (LEDGER_PROJECTIONS=follow): whether some process holds an
   * unexpired lease on the projection, i.e. a projector is keeping the shared read model current.
   */
  projectorAlive?: boolean;
}

export interface ProjectionRunnerOptions {
  projection: Projection;
  eventStore: ProjectionEventSource;
  readModels: ReadModelStore;
  /** Events per catch-up page; a page is applied in one read-model transaction. */
  pageSize?: number;
  logger?: RunnerLogger;
  /**
   * Lifts a stored event to the payload version projections are written for (the domain's event
   * registry); applied to every event before it is projected. Identity when omitted.
   */
  upcast?: (event: RecordedEvent) => RecordedEvent;
  /**
   * Several instances on one read-model store: only the holder of the projection's lease runs it.
   * `holder` names this instance; the lease lasts `ttlMs` and is renewed every `renewMs` (ttl/3).
   */
  lease?: { holder: string; ttlMs: number; renewMs?: number };
  /**
   * Never run the projection here, only follow it: this instance serves commands and reads from the
   * shared read-model store, waiting for what a projector process (`npm run cli -- project`) or
   * another instance writes there. Keeps the command path's event loop free of projection work.
   */
  follow?: boolean;
  /** Told each position applied here (after its transaction committed): a follower elsewhere is woken by it (see observe). */
  onApplied?: (position: bigint) => void;
  /** First wait after a store error; doubled per failed attempt up to retryMaxMs. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /**
   * A page is also cut where its events' weight passes `max` (its first event always goes in):
   * an event that fans out into many documents (a reconciliation listing 500 queries, each an
   * anomaly and an obligation) would otherwise put a page of `pageSize` of them, hundreds of
   * thousands of documents, in one transaction's memory. Events past the cut are read again for
   * the next page.
   */
  pageWeight?: { weigh: (event: RecordedEvent) => number; max: number };
}

export class ProjectionStoppedError extends Error {
  override readonly name = 'ProjectionStoppedError';
}

/**
 * The read model has applied events the log no longer has (its tail was removed, or an older
 * events.db was restored): new events would reuse those positions and be skipped silently.
 */
export class ProjectionAheadOfLogError extends Error {
  override readonly name = 'ProjectionAheadOfLogError';
  constructor(
    readonly projection: string,
    readonly checkpoint: bigint,
    readonly head: bigint | undefined,
  ) {
    super(
      `projection ${projection}: checkpoint ${checkpoint} is beyond the log's head ${head ?? '(empty log)'}; the log lost its tail or an older event store was restored. ` +
        `Rebuild this read model (npm run cli -- rebuild ${projection}) after checking the log (npm run cli -- verify).`,
    );
  }
}

/**
 * A store that does not answer (a server restart, a leader change, its own timeout: what the
 * adapters report as StoreUnavailableError) is waited for, and so is an embedded file busy with
 * another process wherever the adapter let SQLite's own error through (a read during another
 * connection's recovery, say); a handler's own error, or anything not known to be transient, stops
 * the projection until an operator restarts it.
 */
function isRetryable(error: unknown): boolean {
  if (error instanceof ProjectionHandlerError || error instanceof ReadModelRequestError) return false;
  const unavailable = busyAsUnavailable(error, 'a store file');
  return (unavailable as { code?: unknown } | undefined)?.code === 'STORE_UNAVAILABLE' || (unavailable instanceof Error && unavailable.name === 'StoreUnavailableError');
}

interface Run {
  stopping: boolean;
  retryTimer?: ReturnType<typeof setTimeout>;
  /** With a lease: the next attempt to take it (standby), or the next renewal (holding). */
  leaseTimer?: ReturnType<typeof setTimeout>;
  holding?: boolean;
  /** While holding: until when (this clock) the lease last taken or renewed certainly runs, counted from before that call. */
  leaseUntil?: number;
  /** Settles when catch-up has ended: the subscription is then set, or the run stopped or failed. */
  catchUp: Promise<void>;
  subscription?: SubscriptionHandle;
}

interface Waiter {
  target: bigint;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Keeps one projection up to date from the event store. The checkpoint lives in the read-model
 * store, committed with the documents, not in the event store: a checkpoint that could move
 * without its writes (or the reverse) would skip or repeat events after a crash.
 *
 * Catch-up reads pages with readAll and applies each page as one batch (a rebuild is dominated by
 * commits otherwise), then hands over to the store's catch-up subscription after the last applied
 * position, which delivers live events without gap or duplicate. A failure stops this projection
 * only: it is logged, shown by status(), and start() may be called again.
 */
export class ProjectionRunner {
  readonly name: string;
  private readonly projection: Projection;
  private readonly eventStore: ProjectionEventSource;
  private readonly readModels: ReadModelStore;
  private readonly pageSize: number;
  private readonly pageWeight: ProjectionRunnerOptions['pageWeight'];
  /**
   * Events asked for per read: pageSize, until a page is cut by weight; then twice what the cut page
   * held, growing back as pages stop being cut. Reading pageSize heavy events to apply a few of them
   * would read and parse the rest again for every page after.
   */
  private readCount: number;
  private readonly logger: RunnerLogger;
  private readonly upcast: ((event: RecordedEvent) => RecordedEvent) | undefined;
  private state: ProjectionState = 'stopped';
  private error: Error | undefined;
  private position: bigint | undefined;
  private positionKnown = false;
  private run: Run | undefined;
  private waiters: Waiter[] = [];
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private retries = 0;
  private nextRetryAt: Date | undefined;
  private readonly lease: { holder: string; ttlMs: number; renewMs: number } | undefined;
  private readonly follow: boolean;
  private readonly onApplied: ((position: bigint) => void) | undefined;
  /** A follower: the highest position the lease holder reported applied (observe), and who waits for the next report. */
  private observed: bigint | undefined;
  private readonly wakers = new Set<() => void>();
  /** The checkpoint's key: the name, with the version from version 2 on (see Projection.version). */
  private readonly checkpointKey: string;

  constructor(options: ProjectionRunnerOptions) {
    assertProjection(options.projection);
    this.projection = options.projection;
    this.name = options.projection.name;
    this.checkpointKey = checkpointName(options.projection);
    this.eventStore = options.eventStore;
    this.readModels = options.readModels;
    this.pageSize = options.pageSize ?? 1_000;
    if (!Number.isInteger(this.pageSize) || this.pageSize < 1) throw new Error('pageSize must be a positive integer');
    this.pageWeight = options.pageWeight;
    this.readCount = this.pageSize;
    if (this.pageWeight && !(this.pageWeight.max > 0)) throw new Error('pageWeight.max must be positive');
    this.logger = options.logger ?? stderrLogger(this.name);
    this.upcast = options.upcast;
    this.retryBaseMs = options.retryBaseMs ?? 500;
    this.retryMaxMs = options.retryMaxMs ?? 30_000;
    this.follow = options.follow ?? false;
    this.onApplied = options.onApplied;
    if (options.lease) {
      const { holder, ttlMs } = options.lease;
      const renewMs = options.lease.renewMs ?? Math.max(1, Math.floor(ttlMs / 3));
      if (!holder || !(ttlMs > 0) || !(renewMs < ttlMs)) throw new Error('lease needs a holder, a positive ttlMs and renewMs < ttlMs');
      this.lease = { holder, ttlMs, renewMs };
    }
  }

  /**
   * Resumes after the stored checkpoint and keeps going in the background. Resolves once started;
   * it never rejects for a store or handler failure (see status() and caughtUp()).
   */
  async start(): Promise<void> {
    if (this.run) return;
    const run: Run = { stopping: false, catchUp: Promise.resolve() };
    this.run = run;
    this.state = this.lease || this.follow ? 'standby' : 'running';
    this.error = undefined;
    if (this.follow) {
      this.positionKnown = false;
      return;
    }
    run.catchUp = this.lease ? this.contend(run) : this.catchUp(run);
  }

  /** Standby until the lease is ours (free, released, or its holder's expired); then run and renew. */
  private async contend(run: Run): Promise<void> {
    const lease = this.lease!;
    let got = false;
    const asked = Date.now();
    try {
      got = await this.readModels.acquireLease(this.name, lease.holder, lease.ttlMs);
    } catch (error) {
      this.logger.error(`cannot reach the lease: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (this.run !== run || run.stopping) {
      if (got) await this.readModels.releaseLease(this.name, lease.holder).catch(() => undefined);
      return;
    }
    if (!got) {
      this.state = 'standby';
      this.positionKnown = false;
      run.leaseTimer = setTimeout(() => {
        if (this.run === run && !run.stopping) run.catchUp = this.contend(run);
      }, lease.renewMs);
      return;
    }
    run.holding = true;
    run.leaseUntil = asked + lease.ttlMs;
    this.logger.log(`holding the lease as ${lease.holder}`);
    this.state = 'running';
    this.scheduleRenewal(run);
    await this.catchUp(run);
  }

  private scheduleRenewal(run: Run): void {
    const lease = this.lease!;
    run.leaseTimer = setTimeout(() => void this.renew(run), lease.renewMs);
  }

  private async renew(run: Run): Promise<void> {
    const lease = this.lease!;
    {
      if (this.run !== run || run.stopping) return;
      let kept = false;
      let answered = true;
      const asked = Date.now();
      try {
        kept = await this.readModels.acquireLease(this.name, lease.holder, lease.ttlMs);
      } catch {
        answered = false;
      }
      if (this.run !== run || run.stopping) return;
      if (kept) {
        run.leaseUntil = asked + lease.ttlMs;
        return this.scheduleRenewal(run);
      }
      // The store did not answer (down, or its file busy with another process): the lease taken
      // before still stands, and nobody else can take it until it expires. Keep running and ask
      // again soon while it surely holds; stand by only when it may be about to lapse. Standing by
      // at once paused the projection, and caught it up again from its checkpoint, for a moment's
      // contention on the file.
      const retryMs = Math.max(1, Math.floor(lease.renewMs / 4));
      if (!answered && run.leaseUntil !== undefined && Date.now() + retryMs + lease.renewMs < run.leaseUntil) {
        run.leaseTimer = setTimeout(() => void this.renew(run), retryMs);
        return;
      }
      // Lost (we were paused past the expiry and another instance took over), or not renewed in time:
      // stand by. Writes in flight are harmless: both apply the same events and the position guard
      // keeps the newest.
      this.logger.log(answered ? 'lost the lease; standing by' : 'could not renew the lease before it may lapse; standing by');
      run.holding = false;
      if (run.retryTimer) clearTimeout(run.retryTimer);
      const subscription = run.subscription;
      run.subscription = undefined;
      await subscription?.stop().catch(() => undefined);
      if (this.run !== run || run.stopping) return;
      this.state = 'standby';
      this.positionKnown = false;
      run.catchUp = this.contend(run);
    }
  }

  private async catchUp(run: Run): Promise<void> {
    try {
      if (this.checkpointKey !== this.name && (await this.readModels.checkpoint(this.checkpointKey)) === undefined) {
        // A new format (or a first start): what an earlier version stored goes, and the log is replayed.
        this.logger.log(`format version ${this.projection.version}: dropping what an earlier version stored, rebuilding from the log`);
        await this.readModels.drop(this.name, this.projection.collections);
      }
      await declareTables(this.projection, this.readModels);
      for (const [collection, indexes] of Object.entries(this.projection.indexes ?? {})) {
        await this.readModels.declareIndexes(collection, indexes);
      }
      const checkpoint = await this.readModels.checkpoint(this.checkpointKey);
      if (checkpoint !== undefined && this.eventStore.headPosition) {
        const head = await this.eventStore.headPosition();
        if (head === undefined || head < checkpoint) {
          this.position = checkpoint;
          this.positionKnown = true;
          throw new ProjectionAheadOfLogError(this.name, checkpoint, head);
        }
      }
      this.position = checkpoint;
      this.positionKnown = true;
      this.settleWaiters();
      this.logger.log(`starting after position ${this.position ?? 'none'}`);
      for (;;) {
        if (this.halted(run)) return;
        const asked = this.readCount;
        const read = await this.eventStore.readAll({ after: this.position, maxCount: asked });
        if (this.halted(run)) return;
        const page = this.weighed(read, asked);
        if (page.length > 0) await this.apply(page);
        if (page.length === read.length && read.length < asked) break;
      }
      if (this.halted(run)) return;
      run.subscription = this.eventStore.subscribeToAll({
        after: this.position,
        handler: (event) => this.applyLive(event),
        onError: (error) => this.onError(run, error),
      });
      if (this.state === 'retrying') this.logger.log(`resumed after ${this.retries} retries`);
      this.state = 'running';
      this.retries = 0;
      this.nextRetryAt = undefined;
      this.error = undefined;
    } catch (error) {
      this.onError(run, error);
    }
  }

  /** Stopping, or no longer holding the lease: the page in hand is finished, nothing more is started. */
  private halted(run: Run): boolean {
    return run.stopping || (this.lease !== undefined && !run.holding);
  }

  private onError(run: Run, error: unknown): void {
    if (this.run !== run || run.stopping) return;
    if (error instanceof ProjectionAheadOfLogError) return this.fail(run, error, 'broken');
    if (!isRetryable(error)) return this.fail(run, error, 'failed');
    this.retry(run, error);
  }

  /** Resumes from the stored checkpoint after a backoff: nothing applied is lost or applied twice. */
  private retry(run: Run, error: unknown): void {
    this.error = error instanceof Error ? error : new Error(String(error));
    this.state = 'retrying';
    this.retries += 1;
    const delay = Math.min(this.retryBaseMs * 2 ** (this.retries - 1), this.retryMaxMs);
    this.nextRetryAt = new Date(Date.now() + delay);
    this.logger.error(`store error at position ${this.position ?? 'none'}, retry ${this.retries} in ${delay} ms: ${this.error.message}`);
    const subscription = run.subscription;
    run.subscription = undefined;
    void subscription?.stop().catch(() => undefined);
    run.retryTimer = setTimeout(() => {
      run.retryTimer = undefined;
      if (this.run !== run || run.stopping) return;
      run.catchUp = this.catchUp(run);
    }, delay);
  }

  private async apply(events: readonly RecordedEvent[]): Promise<void> {
    const last = await projectEvents(this.projection, this.readModels, this.upcast ? events.map(this.upcast) : events);
    if (last === undefined) return;
    if (this.position === undefined || last > this.position) this.position = last;
    this.settleWaiters();
    this.onApplied?.(this.position);
  }

  /**
   * On standby: the lease holder (a projector thread of this process) reports a position it has
   * applied, so reads waiting for it answer at once instead of at the next look at its checkpoint.
   */
  observe(position: bigint): void {
    if (this.observed !== undefined && position <= this.observed) return;
    this.observed = position;
    for (const wake of [...this.wakers]) wake();
  }

  private settleWaiters(): void {
    if (this.position === undefined) return;
    for (const waiter of [...this.waiters]) {
      if (this.position >= waiter.target) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }

  /**
   * A live event usually comes alone, but a burst (a month's WebIR log imported at once) would
   * cost a commit per event: the first event of a burst pulls in the rest of its page, which the
   * subscription then delivers again and is skipped here.
   */
  private async applyLive(event: RecordedEvent): Promise<void> {
    if (this.position !== undefined && event.position <= this.position) return;
    const asked = this.readCount;
    const page = this.weighed(await this.eventStore.readAll({ after: this.position, maxCount: asked }), asked);
    await this.apply(page.length > 0 ? page : [event]);
  }

  /**
   * The page up to where its weight passes the bound (see ProjectionRunnerOptions.pageWeight), and
   * the next read's size from it (see readCount).
   */
  private weighed(read: RecordedEvent[], asked: number): RecordedEvent[] {
    if (!this.pageWeight) return read;
    const { weigh, max } = this.pageWeight;
    let cut = read.length;
    let total = 0;
    for (let i = 0; i < read.length; i++) {
      total += weigh(read[i]);
      if (total > max && i > 0) {
        cut = i;
        break;
      }
    }
    if (cut < read.length) this.readCount = Math.min(this.pageSize, cut * 2);
    else if (read.length === asked) this.readCount = Math.min(this.pageSize, asked * 2);
    return cut < read.length ? read.slice(0, cut) : read;
  }

  private fail(run: Run, error: unknown, state: 'failed' | 'broken' = 'failed'): void {
    if (this.run !== run) return;
    this.error = error instanceof Error ? error : new Error(String(error));
    this.state = state;
    if (run.retryTimer) clearTimeout(run.retryTimer);
    if (run.leaseTimer) clearTimeout(run.leaseTimer);
    // Failed or broken here: let another instance try (it may be healthy, or will report the same).
    if (run.holding && this.lease) void this.readModels.releaseLease(this.name, this.lease.holder).catch(() => undefined);
    run.holding = false;
    run.stopping = true;
    this.run = undefined;
    this.logger.error(`stopped at position ${this.position ?? 'none'}: ${this.error.message}`, this.error.stack);
    // The subscription has already ended its loop; stop() only unregisters its wake-up listener.
    void run.catchUp.then(() => run.subscription?.stop()).catch(() => undefined);
    this.rejectWaiters(this.error);
  }

  private rejectWaiters(error: Error): void {
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }

  /** Finishes the page in hand and stops; the checkpoint is already stored with it. */
  async stop(): Promise<void> {
    const run = this.run;
    if (!run) return;
    run.stopping = true;
    if (run.retryTimer) clearTimeout(run.retryTimer);
    if (run.leaseTimer) clearTimeout(run.leaseTimer);
    await run.catchUp;
    await run.subscription?.stop();
    // A clean shutdown hands the projection over at once instead of after the lease's expiry.
    if (run.holding && this.lease) await this.readModels.releaseLease(this.name, this.lease.holder).catch(() => undefined);
    run.holding = false;
    if (this.run === run) {
      this.run = undefined;
      this.state = 'stopped';
    }
    this.rejectWaiters(new ProjectionStoppedError(`projection ${this.name} stopped before catching up`));
  }

  /**
   * Resolves once every event in the store at call time is applied; rejects if the projection
   * fails or stops first.
   */
  async caughtUp(): Promise<void> {
    const run = this.run;
    if (!run) throw this.error ?? new ProjectionStoppedError(`projection ${this.name} is not running`);
    if (!this.eventStore.headPosition) {
      // Without a head to compare with, "caught up" is when the live subscription says so.
      await run.catchUp;
      if (!run.subscription) throw this.error ?? new ProjectionStoppedError(`projection ${this.name} is not running`);
      await run.subscription.caughtUp();
      if (this.run !== run) throw this.error ?? new ProjectionStoppedError(`projection ${this.name} stopped`);
      return;
    }
    const head = await this.eventStore.headPosition();
    if (head === undefined) return;
    if (this.state === 'standby') {
      // Whoever runs it (a projector, or the instance holding the lease; maybe this one soon) writes
      // the shared store: watch its checkpoint there until it passes the head or this run stops.
      while (!(await this.waitForOtherHolder(head, 1_000))) {
        if (this.run !== run) throw new ProjectionStoppedError(`projection ${this.name} stopped before catching up`);
      }
      return;
    }
    await new Promise<void>((resolve, reject) => {
      if (this.run !== run) return reject(this.error ?? new ProjectionStoppedError(`projection ${this.name} stopped`));
      if (this.position !== undefined && this.position >= head) return resolve();
      this.waiters.push({ target: head, resolve, reject });
    });
  }

  /**
   * Read your writes: resolves true once the projection has applied the event at `target` (a
   * position a command returned), false when `timeoutMs` passes first or the projection is not
   * running. Never rejects: the caller answers 503 with Retry-After.
   */
  async waitFor(target: bigint, timeoutMs: number): Promise<boolean> {
    if (this.state === 'standby') return this.waitForOtherHolder(target, timeoutMs);
    if (this.position !== undefined && this.position >= target) return true;
    if (!this.run || timeoutMs <= 0) return false;
    return new Promise<boolean>((resolve) => {
      let settled = false;
      const waiter: Waiter = {
        target,
        resolve: () => finish(true),
        reject: () => finish(false),
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      const finish = (ok: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(ok);
      };
      this.waiters.push(waiter);
    });
  }

  /** On standby the lease holder writes the shared store: watch its checkpoint there. */
  private async waitForOtherHolder(target: bigint, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.observed !== undefined && this.observed >= target) return true;
      const checkpoint = await this.readModels.checkpoint(this.checkpointKey).catch(() => undefined);
      if (checkpoint !== undefined && checkpoint >= target) return true;
      if (Date.now() >= deadline || this.state !== 'standby') return this.state !== 'standby' ? this.waitFor(target, deadline - Date.now()) : false;
      // The checkpoint again in 50 ms, or at once when the holder reports progress (observe).
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.wakers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(50, Math.max(1, deadline - Date.now())));
        this.wakers.add(wake);
      });
    }
  }

  /**
   * Drops the projection's documents and checkpoint and replays the whole log; resolves when it
   * has caught up. Readers see the read model fill up again meanwhile.
   */
  async rebuild(): Promise<void> {
    if (this.follow) throw new Error(`projection ${this.name} is only followed by this instance; rebuild it where it runs`);
    await this.stop();
    this.logger.log('rebuilding: dropping documents and checkpoint');
    await this.readModels.drop(this.checkpointKey, this.projection.collections);
    this.position = undefined;
    this.positionKnown = true;
    await this.start();
    await this.caughtUp();
  }

  async status(): Promise<ProjectionStatus> {
    let position = this.position;
    if (!this.positionKnown) position = await this.readModels.checkpoint(this.checkpointKey).catch(() => undefined);
    let head: bigint | undefined | null = null;
    if (this.eventStore.headPosition) head = await this.eventStore.headPosition().catch(() => null);
    let lag: number | null = null;
    if (head !== null) {
      const behind = (head ?? 0n) - (position ?? 0n);
      lag = behind > 0n ? Number(behind) : 0;
    }
    // A log that lost its tail while running: never report "lag 0" for a read model ahead of its log.
    if (head !== null && position !== undefined && (head === undefined || head < position) && this.state !== 'broken') {
      const error = new ProjectionAheadOfLogError(this.name, position, head);
      if (this.run) this.fail(this.run, error, 'broken');
      else {
        this.state = 'broken';
        this.error = error;
      }
    }
    const showsError = this.state === 'failed' || this.state === 'broken' || this.state === 'retrying';
    const projectorAlive = this.follow ? (await leaseInForce(this.readModels, this.name).catch(() => undefined)) !== undefined : undefined;
    return {
      name: this.name,
      state: this.state,
      position: position === undefined ? null : position.toString(),
      headPosition: head === null || head === undefined ? null : head.toString(),
      lag,
      catchingUp: this.run !== undefined && this.run.subscription === undefined && this.state !== 'standby',
      ...(this.error && showsError ? { error: this.error.message } : {}),
      ...(this.state === 'retrying' ? { retries: this.retries, nextRetryAt: this.nextRetryAt?.toISOString() } : {}),
      ...(this.lease || this.follow ? { leaseHeld: Boolean(this.run?.holding) } : {}),
      ...(projectorAlive !== undefined ? { projectorAlive } : {}),
    };
  }
}

/** The projection's lease while some process holds it unexpired (it is running the projection), else undefined. */
export async function leaseInForce(readModels: Pick<ReadModelStore, 'lease'>, projection: string, now = Date.now()): Promise<ProjectionLease | undefined> {
  const lease = await readModels.lease(projection);
  return lease && lease.expiresAt > now ? lease : undefined;
}

/** A projection that cannot serve correct reads without an operator: failed (a handler threw) or broken (ahead of its log). */
export const needsOperator = (status: Pick<ProjectionStatus, 'state'>) => status.state === 'failed' || status.state === 'broken';

/** Status of every projection for /health: ok only when none has failed or broken. */
export async function projectionsHealth(runners: readonly ProjectionRunner[]): Promise<{ ok: boolean; projections: ProjectionStatus[] }> {
  const projections = await Promise.all(runners.map((runner) => runner.status()));
  return { ok: projections.every((p) => !needsOperator(p)), projections };
}
