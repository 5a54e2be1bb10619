import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { EventStore } from '@ledger/event-store';
import { generatePackage, holdersFromVault, PackageGenerationError, recordHolderReveal, recordPackageGenerated } from '@ledger/package';
import type { PersonalDataProtector } from '@ledger/personal-data';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/platform';
import { CLOCK, EVENT_STORE, PERSONAL_DATA, type Clock } from '../infrastructure/event-store.provider';
import { CheckpointService } from '../integrity/checkpoint.service';
import { PackageJobLog, type PackageJob } from './package-job-log';

export type { PackageJob } from './package-job-log';

/**
 * Packages as jobs: a year of a large agency reads the whole log once, so the request answers at once
 * and the caller polls the progress. Pages are small, so the service keeps answering while one runs.
 * The jobs (who asked, what for, progress, result, error) and their zips are kept in the data
 * directory (`package-jobs.db`, `packages/`), the last 20: a restart keeps the list and the files,
 * and a job cut short by it is shown as interrupted.
 */
@Injectable()
export class PackageJobsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PackageJobsService.name);
  /** This process's unfinished jobs, as they are now (the record is written at most once a second). */
  private readonly live = new Map<string, { job: PackageJob; written: number }>();
  private readonly dir: string;
  private readonly record: PackageJobLog;
  private queue: Promise<unknown> = Promise.resolve();
  private heartbeat?: NodeJS.Timeout;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PERSONAL_DATA) private readonly personalData: PersonalDataProtector,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    private readonly checkpoints: CheckpointService,
  ) {
    this.dir = join(config.dataDir, 'packages');
    this.record = new PackageJobLog(join(config.dataDir, 'package-jobs.db'), { id: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`, host: hostname(), pid: process.pid });
  }

  onModuleInit(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    // Partial zips of jobs a stopped process left behind.
    for (const file of this.record.sweep(this.clock())) rmSync(file, { force: true });
    // Other instances sharing the data directory tell a live job from a dead one by this.
    this.heartbeat = setInterval(() => this.record.heartbeat(this.clock().toISOString()), 15_000);
    this.heartbeat.unref();
  }

  get(id: string): { job: PackageJob; file: string } | undefined {
    const entry = this.record.get(id, this.clock());
    if (!entry) return undefined;
    const live = this.live.get(id);
    return live ? { ...entry, job: { ...live.job } } : entry;
  }

  /** The jobs one principal asked for, newest first, in pages. */
  list(requestedBy: string, options: { limit: number; before?: string }): { jobs: PackageJob[]; next: string | null } | undefined {
    const page = this.record.list(requestedBy, options, this.clock());
    return page && { ...page, jobs: page.jobs.map((j) => (this.live.has(j.id) ? { ...this.live.get(j.id)!.job } : j)) };
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
    for (const dropped of this.record.started(job, file)) rmSync(dropped, { force: true });
    this.live.set(job.id, { job, written: Date.now() });
    // One package at a time: each reads the whole log.
    const done = this.queue.catch(() => undefined).then(() => this.run(job, file, request));
    this.queue = done;
    return { job: { ...job }, done };
  }

  private async run(job: PackageJob, file: string, request: Parameters<PackageJobsService['start']>[0]): Promise<void> {
    try {
      // Draw from a checkpoint signed now, so the package holds everything recorded before the request;
      // while checkpoints are held back (an unverified restart) the latest signed one is used.
      if (this.checkpoints.status.enabled && !this.checkpoints.status.blocked) {
        await this.checkpoints.issue('on-demand').catch((error: Error) => this.logger.warn(`package ${job.id}: no fresh checkpoint (${error.message}); using the latest`));
      }
      // Owner-only before a byte is written: the zip may hold revealed holders.
      closeSync(openSync(file, 'w', 0o600));
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
          const live = this.live.get(job.id);
          if (live && Date.now() - live.written >= 1000) {
            live.written = Date.now();
            this.record.progress(job.id, done, total, this.clock().toISOString());
          }
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
    } finally {
      this.record.finished(job);
      this.live.delete(job.id);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.queue.catch(() => undefined);
    this.record.close();
  }
}
