import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import type { EventStore } from '@ledger/event-store';
import { createPersonalData, LEDGER_CONFIG, LedgerConfig, PersonalDataRuntime } from '@ledger/platform';
import { ApiKeyService } from '../auth/api-key.service';
import { SecurityLogService } from '../auth/security-log.service';
import { CommandProcessor } from '../common/command-processor';
import { StreamReader } from '../common/stream-reader';
import { CLOCK, Clock, createEventStore, EVENT_STORE, PERSONAL_DATA } from './event-store.provider';

const PERSONAL_DATA_RUNTIME = Symbol('PERSONAL_DATA_RUNTIME');

class Lifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PERSONAL_DATA_RUNTIME) private readonly personalData: PersonalDataRuntime,
  ) {}
  async onApplicationShutdown() {
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
        { provide: PERSONAL_DATA_RUNTIME, useFactory: () => createPersonalData(config) },
        { provide: PERSONAL_DATA, useFactory: (rt: PersonalDataRuntime) => rt.protector, inject: [PERSONAL_DATA_RUNTIME] },
        Lifecycle,
        CommandProcessor,
        StreamReader,
        ApiKeyService,
        SecurityLogService,
      ],
      exports: [LEDGER_CONFIG, CLOCK, EVENT_STORE, PERSONAL_DATA, CommandProcessor, StreamReader, ApiKeyService, SecurityLogService],
    };
  }
}
