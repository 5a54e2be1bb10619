import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { verifyLedger, type EventStore, type VerificationReport, type VerifierState } from '@ledger/event-store';
import { CLOCK, EVENT_STORE, type Clock } from '../infrastructure/event-store.provider';
import { CheckpointService } from './checkpoint.service';

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
  report?: VerificationReport;
  error?: string;
}

const KEEP_JOBS = 20;

/**
 * Verification as a job: it yields to the event loop every few milliseconds (so /health and commands
 * keep answering while a million events are rehashed), reports progress, and is incremental — each run
 * resumes after the last verified event unless a full re-verify is asked for.
 */
@Injectable()
export class VerifyJobsService {
  private readonly jobs = new Map<string, VerifyJob>();
  private running?: { job: VerifyJob; done: Promise<VerifyJob> };
  private lastState?: VerifierState;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly checkpoints: CheckpointService,
  ) {}

  get(id: string): VerifyJob | undefined {
    return this.jobs.get(id);
  }

  list(): VerifyJob[] {
    return [...this.jobs.values()].reverse();
  }

  /** Starts a run, or joins the one running when it does at least as much. */
  start(full: boolean): { job: VerifyJob; done: Promise<VerifyJob> } {
    if (this.running && (!full || this.running.job.mode === 'full')) return this.running;
    const resume = full ? undefined : this.lastState;
    const job: VerifyJob = {
      id: randomUUID(),
      mode: resume ? 'incremental' : 'full',
      state: 'running',
      startedAt: this.clock().toISOString(),
      eventsChecked: resume?.eventsChecked ?? 0,
      resumedAfterEvents: resume?.eventsChecked ?? 0,
    };
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
    }
    job.finishedAt = this.clock().toISOString();
    return job;
  }
}
