import type { EventStore, RecordedEvent, SubscriptionHandle } from '@ledger/event-store';
import { projectEvents } from './project-events';
import { assertProjection, type Projection } from './projection';
import type { ReadModelStore } from './types';

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

export type ProjectionState = 'running' | 'stopped' | 'failed';

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
}

export class ProjectionStoppedError extends Error {
  override readonly name = 'ProjectionStoppedError';
}

interface Run {
  stopping: boolean;
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
  private readonly logger: RunnerLogger;
  private readonly upcast: ((event: RecordedEvent) => RecordedEvent) | undefined;
  private state: ProjectionState = 'stopped';
  private error: Error | undefined;
  private position: bigint | undefined;
  private positionKnown = false;
  private run: Run | undefined;
  private waiters: Waiter[] = [];

  constructor(options: ProjectionRunnerOptions) {
    assertProjection(options.projection);
    this.projection = options.projection;
    this.name = options.projection.name;
    this.eventStore = options.eventStore;
    this.readModels = options.readModels;
    this.pageSize = options.pageSize ?? 1_000;
    if (!Number.isInteger(this.pageSize) || this.pageSize < 1) throw new Error('pageSize must be a positive integer');
    this.logger = options.logger ?? stderrLogger(this.name);
    this.upcast = options.upcast;
  }

  /**
   * Resumes after the stored checkpoint and keeps going in the background. Resolves once started;
   * it never rejects for a store or handler failure (see status() and caughtUp()).
   */
  async start(): Promise<void> {
    if (this.run) return;
    const run: Run = { stopping: false, catchUp: Promise.resolve() };
    this.run = run;
    this.state = 'running';
    this.error = undefined;
    run.catchUp = this.catchUp(run);
  }

  private async catchUp(run: Run): Promise<void> {
    try {
      for (const [collection, indexes] of Object.entries(this.projection.indexes ?? {})) {
        await this.readModels.declareIndexes(collection, indexes);
      }
      this.position = await this.readModels.checkpoint(this.name);
      this.positionKnown = true;
      this.logger.log(`starting after position ${this.position ?? 'none'}`);
      for (;;) {
        if (run.stopping) return;
        const page = await this.eventStore.readAll({ after: this.position, maxCount: this.pageSize });
        if (run.stopping) return;
        if (page.length > 0) await this.apply(page);
        if (page.length < this.pageSize) break;
      }
      if (run.stopping) return;
      run.subscription = this.eventStore.subscribeToAll({
        after: this.position,
        handler: (event) => this.applyLive(event),
        onError: (error) => this.fail(run, error),
      });
    } catch (error) {
      this.fail(run, error);
    }
  }

  private async apply(events: readonly RecordedEvent[]): Promise<void> {
    const last = await projectEvents(this.projection, this.readModels, this.upcast ? events.map(this.upcast) : events);
    if (last === undefined) return;
    if (this.position === undefined || last > this.position) this.position = last;
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
    const page = await this.eventStore.readAll({ after: this.position, maxCount: this.pageSize });
    await this.apply(page.length > 0 ? page : [event]);
  }

  private fail(run: Run, error: unknown): void {
    if (this.run !== run) return;
    this.error = error instanceof Error ? error : new Error(String(error));
    this.state = 'failed';
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
    await run.catchUp;
    await run.subscription?.stop();
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
    await new Promise<void>((resolve, reject) => {
      if (this.run !== run) return reject(this.error ?? new ProjectionStoppedError(`projection ${this.name} stopped`));
      if (this.position !== undefined && this.position >= head) return resolve();
      this.waiters.push({ target: head, resolve, reject });
    });
  }

  /**
   * Drops the projection's documents and checkpoint and replays the whole log; resolves when it
   * has caught up. Readers see the read model fill up again meanwhile.
   */
  async rebuild(): Promise<void> {
    await this.stop();
    this.logger.log('rebuilding: dropping documents and checkpoint');
    await this.readModels.drop(this.name, this.projection.collections);
    this.position = undefined;
    this.positionKnown = true;
    await this.start();
    await this.caughtUp();
  }

  async status(): Promise<ProjectionStatus> {
    let position = this.position;
    if (!this.positionKnown) position = await this.readModels.checkpoint(this.name).catch(() => undefined);
    let head: bigint | undefined | null = null;
    if (this.eventStore.headPosition) head = await this.eventStore.headPosition().catch(() => null);
    let lag: number | null = null;
    if (head !== null) {
      const behind = (head ?? 0n) - (position ?? 0n);
      lag = behind > 0n ? Number(behind) : 0;
    }
    return {
      name: this.name,
      state: this.state,
      position: position === undefined ? null : position.toString(),
      headPosition: head === null || head === undefined ? null : head.toString(),
      lag,
      catchingUp: this.run !== undefined && this.run.subscription === undefined,
      ...(this.error && this.state === 'failed' ? { error: this.error.message } : {}),
    };
  }
}

/** Status of every projection for /health: ok only when none has failed. */
export async function projectionsHealth(runners: readonly ProjectionRunner[]): Promise<{ ok: boolean; projections: ProjectionStatus[] }> {
  const projections = await Promise.all(runners.map((runner) => runner.status()));
  return { ok: projections.every((p) => p.state !== 'failed'), projections };
}
