import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore } from '@ledger/event-store';
import { generatePackage, holdersFromVault, PackageGenerationError, recordHolderReveal, recordPackageGenerated, type Manifest } from '@ledger/package';
import type { PersonalDataProtector } from '@ledger/personal-data';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/platform';
import { CLOCK, EVENT_STORE, PERSONAL_DATA, type Clock } from '../infrastructure/event-store.provider';
import { CheckpointService } from '../integrity/checkpoint.service';

export interface PackageJob {
  id: string;
  state: 'running' | 'done' | 'failed';
  agencyCode: string;
  from: string;
  to: string;
  holders: 'masked' | 'revealed';
  requestedBy: string;
  startedAt: string;
  finishedAt?: string;
  /** Events of the checkpoint's tree read so far, of `totalEvents`. */
  eventsRead: number;
  totalEvents?: number;
  events?: number;
  bytes?: number;
  manifestSha256?: string;
  checkpoint?: Manifest['checkpoint'];
  sections?: Manifest['sections'];
  error?: string;
}

const KEEP_JOBS = 20;

/**
 * Packages as jobs: a year of a large agency reads the whole log once, so the request answers at once
 * and the caller polls the progress. Pages are small, so the service keeps answering while one runs.
 * The zip lives in a temporary directory until it is one of the 20 oldest jobs or the service stops.
 */
@Injectable()
export class PackageJobsService implements OnApplicationShutdown {
  private readonly logger = new Logger(PackageJobsService.name);
  private readonly jobs = new Map<string, { job: PackageJob; file: string; done: Promise<void> }>();
  private readonly dir = mkdtempSync(join(tmpdir(), 'ledger-packages-'));
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PERSONAL_DATA) private readonly personalData: PersonalDataProtector,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    private readonly checkpoints: CheckpointService,
  ) {}

  get(id: string) {
    return this.jobs.get(id);
  }

  start(request: { agencyCode: string; from: string; to: string; reveal?: { purpose: string }; principal: { id: string; roles: string[] } }): { job: PackageJob; done: Promise<void> } {
    const job: PackageJob = {
      id: randomUUID(),
      state: 'running',
      agencyCode: request.agencyCode,
      from: request.from,
      to: request.to,
      holders: request.reveal ? 'revealed' : 'masked',
      requestedBy: request.principal.id,
      startedAt: this.clock().toISOString(),
      eventsRead: 0,
    };
    const file = join(this.dir, `${job.id}.zip`);
    // One package at a time: each reads the whole log.
    const done = this.queue.catch(() => undefined).then(() => this.run(job, file, request));
    this.queue = done;
    this.jobs.set(job.id, { job, file, done });
    while (this.jobs.size > KEEP_JOBS) {
      const [oldest] = this.jobs.values();
      if (oldest.job.state === 'running') break;
      rmSync(oldest.file, { force: true });
      this.jobs.delete(oldest.job.id);
    }
    return { job, done };
  }

  private async run(job: PackageJob, file: string, request: Parameters<PackageJobsService['start']>[0]): Promise<void> {
    try {
      // Draw from a checkpoint signed now, so the package holds everything recorded before the request;
      // while checkpoints are held back (an unverified restart) the latest signed one is used.
      if (this.checkpoints.status.enabled && !this.checkpoints.status.blocked) {
        await this.checkpoints.issue('on-demand').catch((error: Error) => this.logger.warn(`package ${job.id}: no fresh checkpoint (${error.message}); using the latest`));
      }
      const generated = await generatePackage({
        store: this.store,
        agencyCode: job.agencyCode,
        from: job.from,
        to: job.to,
        deadlines: this.config.deadlines,
        out: file,
        now: this.clock(),
        pageSize: 500,
        holders: holdersFromVault(this.personalData),
        reveal: request.reveal && {
          purpose: request.reveal.purpose,
          record: (accountIds) =>
            recordHolderReveal(this.store, { reader: request.principal.id, roles: request.principal.roles, purpose: request.reveal!.purpose, route: '/packages/jobs', agencyCode: job.agencyCode, accountIds }, this.clock()),
        },
        onProgress: (done, total) => {
          job.eventsRead = done;
          job.totalEvents = total;
        },
      });
      // The package is handed out only once its generation is recorded.
      await recordPackageGenerated(
        this.store,
        {
          packageId: job.id, reader: request.principal.id, agencyCode: job.agencyCode, from: job.from, to: job.to, holders: job.holders, purpose: request.reveal?.purpose ?? null,
          treeSize: generated.manifest.checkpoint.treeSize, events: generated.events, manifestSha256: generated.manifestSha256, via: 'http',
        },
        this.clock(),
      );
      Object.assign(job, {
        state: 'done', finishedAt: this.clock().toISOString(), events: generated.events, bytes: generated.bytes, manifestSha256: generated.manifestSha256,
        checkpoint: generated.manifest.checkpoint, sections: generated.manifest.sections,
      });
    } catch (error) {
      rmSync(file, { force: true });
      job.state = 'failed';
      job.finishedAt = this.clock().toISOString();
      job.error = error instanceof PackageGenerationError ? error.message : 'the package could not be generated';
      if (!(error instanceof PackageGenerationError)) this.logger.error(`package ${job.id} failed: ${(error as Error).message}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
