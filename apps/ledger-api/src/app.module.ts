import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import type { EventStore } from '@ledger/event-store';
import { RegisterAgencyController, RegisterAgencyHandler } from './agencies/register-agency';
import { ApiKeyService } from './auth/api-key.service';
import { AuthGuard } from './auth/auth.guard';
import { SecurityLogService } from './auth/security-log.service';
import { CommandProcessor } from './common/command-processor';
import { ProblemFilter } from './common/problem.filter';
import { LEDGER_CONFIG, LedgerConfig, loadConfig } from '@ledger/platform';
import { HealthController } from './health/health.controller';
import { CLOCK, Clock, createEventStore, EVENT_STORE } from './infrastructure/event-store.provider';
import { LedgerController } from './ledger/ledger.controller';

export interface AppOptions {
  config?: LedgerConfig;
  /** Injectable clock: tests fix "now"; production uses the system clock. */
  clock?: Clock;
}

class StoreLifecycle implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}
  async onApplicationShutdown() {
    await this.store.close();
  }
}

@Module({})
export class AppModule {
  static forRoot(options: AppOptions = {}): DynamicModule {
    const config = options.config ?? loadConfig();
    const clock = options.clock ?? (() => new Date());
    return {
      module: AppModule,
      imports: [CqrsModule.forRoot()],
      controllers: [HealthController, LedgerController, RegisterAgencyController],
      providers: [
        { provide: LEDGER_CONFIG, useValue: config },
        { provide: CLOCK, useValue: clock },
        { provide: EVENT_STORE, useFactory: () => createEventStore(config, clock) },
        StoreLifecycle,
        CommandProcessor,
        ApiKeyService,
        SecurityLogService,
        RegisterAgencyHandler,
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
