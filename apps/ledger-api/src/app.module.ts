import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { LedgerConfig, loadConfig } from '@ledger/platform';
import { RegisterAgencyController, RegisterAgencyHandler } from './agencies/register-agency';
import { AccessModule } from './access/access.module';
import { ApiKeysController } from './auth/api-keys.controller';
import { AuthGuard } from './auth/auth.guard';
import { LedgerThrottlerGuard, RateLimitModule } from './auth/rate-limit';
import { ProblemFilter } from './common/problem.filter';
import { ErasureController } from './erasure/erasure.controller';
import { HealthController } from './health/health.controller';
import { LedgerCoreModule } from './infrastructure/core.module';
import { Clock } from './infrastructure/event-store.provider';
import { LedgerController } from './ledger/ledger.controller';
import { ReportingModule } from './reporting/reporting.module';

export interface AppOptions {
  config?: LedgerConfig;
  /** Injectable clock: tests fix "now"; production uses the system clock. */
  clock?: Clock;
}

@Module({})
export class AppModule {
  static forRoot(options: AppOptions = {}): DynamicModule {
    const config = options.config ?? loadConfig();
    const clock = options.clock ?? (() => new Date());
    return {
      module: AppModule,
      imports: [CqrsModule.forRoot(), LedgerCoreModule.forRoot(config, clock), RateLimitModule, AccessModule, ReportingModule],
      controllers: [HealthController, LedgerController, ApiKeysController, RegisterAgencyController, ErasureController],
      providers: [
        RegisterAgencyHandler,
        // Rate limits first: a flood is cut before it costs an authentication.
        { provide: APP_GUARD, useClass: LedgerThrottlerGuard },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
