import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { DynamicModule, Global, Inject, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { EventStore } from '@ledger/event-store';
import type { ProjectionRunner, ReadModelStore } from '@ledger/read-models';
import { createPersonalData, createProjectionRunners, createReadModelStore, LEDGER_CONFIG, LedgerConfig, PersonalDataRuntime, ProjectorThread, startProjectorThread } from '@ledger/platform';
import { ApiKeyService } from '../auth/api-key.service';
import { SecurityLogService } from '../auth/security-log.service';
import { CommandProcessor } from '../common/command-processor';
import { CLOCK, Clock, createEventStore, EVENT_STORE, PERSONAL_DATA, PROJECTION_RUNNERS, READ_MODELS } from './event-store.provider';

const PERSONAL_DATA_RUNTIME = Symbol('PERSONAL_DATA_RUNTIME');

/** Projections start once the app is up and stop before the stores close. */
class Lifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(PROJECTION_RUNNERS) private readonly runners: ProjectionRunner[],
    @Inject(PERSONAL_DATA_RUNTIME) private readonly personalData: PersonalDataRuntime,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}
  private projector: ProjectorThread | undefined;
  private readonly logger = new Logger('ProjectorThread');

  async onApplicationBootstrap() {
    for (const runner of this.runners) await runner.start();
    if (this.config.projections === 'thread') {
      const followers = new Map(this.runners.map((r) => [r.name, r]));
      this.projector = startProjectorThread(this.config, {
        onApplied: (projection, position) => followers.get(projection)?.observe(position),
        onUnexpectedEnd: (why) => this.logger.error(`the projector thread ended (${why}); read models stand still and /health/ready names them no-projector until the service restarts`),
      });
      await this.projector.started;
    }
  }
  async onApplicationShutdown() {
    await this.projector?.stop();
    for (const runner of this.runners) await runner.stop();
    await this.readModels.close();
    await this.store.close();
    await this.personalData.close();
  }
}

/** Stores, clock, keys and the command pipeline, shared by every feature module. */
@Global()
@Module({})
export class LedgerCoreModule {
  static forRoot(config: LedgerConfig, clock: Clock): DynamicModule {
    return {
      module: LedgerCoreModule,
      providers: [
        { provide: LEDGER_CONFIG, useValue: config },
        { provide: CLOCK, useValue: clock },
        { provide: EVENT_STORE, useFactory: () => createEventStore(config, clock) },
        { provide: READ_MODELS, useFactory: () => createReadModelStore(config) },
        {
          provide: PROJECTION_RUNNERS,
          // One holder name per process: exactly one instance runs each projection (a lease in the read-model store).
          useFactory: (store: EventStore, readModels: ReadModelStore) =>
            createProjectionRunners(store, readModels, config, {
              leaseHolder: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
              // `thread`: this process's projector thread runs them; the event loop's runners follow it.
              follow: config.projections !== 'run',
            }),
          inject: [EVENT_STORE, READ_MODELS],
        },
        { provide: PERSONAL_DATA_RUNTIME, useFactory: () => createPersonalData(config) },
        { provide: PERSONAL_DATA, useFactory: (rt: PersonalDataRuntime) => rt.protector, inject: [PERSONAL_DATA_RUNTIME] },
        Lifecycle,
        CommandProcessor,
        ApiKeyService,
        SecurityLogService,
      ],
      exports: [LEDGER_CONFIG, CLOCK, EVENT_STORE, READ_MODELS, PROJECTION_RUNNERS, PERSONAL_DATA, CommandProcessor, ApiKeyService, SecurityLogService],
    };
  }
}
