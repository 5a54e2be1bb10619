import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { verifyLedger, type EventStore, type VerificationReport, type VerifierState } from '@ledger/event-store';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/platform';
import { CLOCK, EVENT_STORE, type Clock } from '../infrastructure/event-store.provider';
import { CheckpointService } from './checkpoint.service';
import { VerificationRunLog, type VerificationRun } from './verification-run-log';

export interface VerifyJob {
  id: string;
  mode: 'incremental' | 'full';
  state: 'running' | 'done' | 'failed';
  startedAt: string;
  finishedAt?: string;
  eventsChecked: number;
  totalEvents?: number;
  /** Where an incremental run started (events before it were verified by an earlier run). */
  resumedAfterEvents: number;
  /** The principal whose request started it. */
  startedBy: string;
  report?: VerificationReport;
  error?: string;
}

const KEEP_JOBS = 20;
/** How often a running job writes its progress to the record (also its sign of life). */
const PROGRESS_EVERY_MS = 5_000;

/**
 * Verification as a job: it yields to the event loop every few milliseconds (so /health and commands
 * keep answering while a million events are rehashed), reports progress, and is incremental — each run
 * resumes after the last verified event unless a full re-verify is asked for.
 */
@Injectable()
export class VerifyJobsService implements OnModuleDestroy {
  private readonly logger = new Logger(VerifyJobsService.name);
  private readonly jobs = new Map<string, VerifyJob>();
  private running?: { job: VerifyJob; done: Promise<VerifyJob> };
  private lastState?: VerifierState;
  /** Past runs, kept across restarts (the in-memory jobs above hold full reports, for a while). */
  readonly record: VerificationRunLog;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly checkpoints: CheckpointService,
    @Inject(LEDGER_CONFIG) config: LedgerConfig,
  ) {
    this.record = new VerificationRunLog(join(config.dataDir, 'verification-runs.db'));
  }

  onModuleDestroy(): void {
    this.record.close();
  }

  get(id: string): VerifyJob | undefined {
    return this.jobs.get(id);
  }

  /** A run from the durable record (this process's or another's, before or after a restart). */
  recorded(id: string): VerificationRun | undefined {
    const run = this.record.get(id, this.clock());
    return run && this.live(run);
  }

  history(options: { limit: number; before?: string }): { runs: VerificationRun[]; next: string | null } | undefined {
    const page = this.record.list(options, this.clock());
    return page && { ...page, runs: page.runs.map((r) => this.live(r)) };
  }

  /** A run of this process still running or queued is shown as it is now, not as last written. */
  private live(run: VerificationRun): VerificationRun {
    const job = this.jobs.get(run.id);
    if (!job || job.state !== 'running') return run;
    return { ...run, state: 'running', eventsChecked: job.eventsChecked, totalEvents: job.totalEvents ?? null };
  }

  list(): VerifyJob[] {
    return [...this.jobs.values()].reverse();
  }

  /** Starts a run, or joins the one running when it does at least as much. */
  start(full: boolean, startedBy = 'unknown'): { job: VerifyJob; done: Promise<VerifyJob> } {
    if (this.running && (!full || this.running.job.mode === 'full')) return this.running;
    const resume = full ? undefined : this.lastState;
    const job: VerifyJob = {
      id: randomUUID(),
      mode: resume ? 'incremental' : 'full',
      state: 'running',
      startedAt: this.clock().toISOString(),
      eventsChecked: resume?.eventsChecked ?? 0,
      resumedAfterEvents: resume?.eventsChecked ?? 0,
      startedBy,
    };
    this.safely(() => this.record.started(job));
    this.jobs.set(job.id, job);
    while (this.jobs.size > KEEP_JOBS) this.jobs.delete(this.jobs.keys().next().value as string);
    const previous = this.running?.done ?? Promise.resolve();
    const done = previous
      .catch(() => undefined)
      .then(() => this.run(job, resume))
      .finally(() => {
        if (this.running?.job === job) this.running = undefined;
      });
    this.running = { job, done };
    return this.running;
  }

  private async run(job: VerifyJob, resume: VerifierState | undefined): Promise<VerifyJob> {
    let state: VerifierState | undefined;
    const heartbeat = setInterval(() => this.safely(() => this.record.progress(job.id, job.eventsChecked, job.totalEvents, this.clock().toISOString())), PROGRESS_EVERY_MS);
    heartbeat.unref();
    try {
      job.report = await verifyLedger(this.store, {
        densePositions: this.store.kind === 'embedded-sqlite',
        // Small pages: reading and parsing a page is one synchronous step the loop cannot interrupt.
        pageSize: 250,
        yieldEveryMs: 5,
        resumeFrom: resume,
        trustedKeys: this.checkpoints.enabled ? this.checkpoints.verifierKeys.slice(0, 1) : undefined,
        maxUncoveredAgeMs: this.checkpoints.enabled ? this.checkpoints.maxUncoveredAgeMs : undefined,
        now: this.clock(),
        onState: (s) => (state = s),
        onProgress: (checked, total) => {
          job.eventsChecked = checked;
          job.totalEvents = total;
        },
      });
      job.eventsChecked = job.report.eventsChecked;
      // Only an intact prefix is a safe place to resume from: a broken one is re-verified in full.
      this.lastState = job.report.intact ? state : undefined;
      job.state = 'done';
    } catch (error) {
      job.state = 'failed';
      job.error = (error as Error).message;
    } finally {
      clearInterval(heartbeat);
    }
    job.finishedAt = this.clock().toISOString();
    const finishedAt = job.finishedAt;
    this.safely(() =>
      this.record.finished(job.id, { at: finishedAt, eventsChecked: job.eventsChecked, totalEvents: job.totalEvents, intact: job.report?.intact, failures: job.report?.failures, error: job.error }),
    );
    return job;
  }

  /** A record that cannot be written (closed at shutdown, disk full) must not stop the verification it records. */
  private safely(write: () => void): void {
    try {
      write();
    } catch (error) {
      this.logger.warn(`verification run not recorded: ${(error as Error).message}`);
    }
  }
}
