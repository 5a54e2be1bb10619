import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, Reflector } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import type { DestinationStream } from 'pino';
import type { LedgerConfig } from '@ledger/platform';
import { ledgerConfigModule } from '@ledger/platform/config.module';
import { ledgerLogOptions } from '@ledger/platform/logging';
import { RegisterAgencyController, RegisterAgencyHandler } from './agencies/register-agency';
import { AccessModule } from './access/access.module';
import { QueriesModule } from './queries/queries.module';
import { QueryLogsModule } from './query-logs/query-logs.module';
import { ApiKeysController } from './auth/api-keys.controller';
import { AuthGuard } from './auth/auth.guard';
import { MeController } from './auth/me.controller';
import { LedgerThrottlerGuard, RateLimitModule } from './auth/rate-limit';
import { CachedReflector } from './common/cached-reflector';
import { IdempotencyKeyGuard } from './common/idempotency-key.interceptor';
import { ProblemFilter } from './common/problem.filter';
import { RequestLoggingModule } from './common/request-logging.module';
import { ErasureController } from './erasure/erasure.controller';
import { HealthModule } from './health/health.module';
import { LedgerCoreModule } from './infrastructure/core.module';
import { Clock } from './infrastructure/event-store.provider';
import { IntegrityModule } from './integrity/integrity.module';
import { ConsoleModule } from './console/console.module';
import { LedgerController } from './ledger/ledger.controller';
import { ReportingModule } from './reporting/reporting.module';
// records
import { ObtainedDataModule } from './obtained-data/obtained-data.module';
import { IncidentsModule } from './incidents/incident.module';
import { InspectionsModule } from './inspections/inspection.module';
import { ChecksModule } from './checks/checks.module';
import { PackagesModule } from './packages/packages.module';
import { EthicsModule } from './ethics/ethics.module';

export interface AppOptions {
  /** A ready configuration (tests); else the environment is validated at start (ConfigError on a bad variable). */
  config?: LedgerConfig;
  /** Injectable clock: tests fix "now"; production uses the system clock. */
  clock?: Clock;
  /** Where log lines go (tests capture them); stdout by default. */
  logDestination?: DestinationStream;
  /** No log lines at all (tests that do not look at them). */
  silent?: boolean;
}

@Module({})
export class AppModule {
  static async forRoot(options: AppOptions = {}): Promise<DynamicModule> {
    const { module: configModule, config } = await ledgerConfigModule(options.config);
    const clock = options.clock ?? (() => new Date());
    const log = options.silent ? { ...config.log, level: 'silent' as const } : config.log;
    return {
      module: AppModule,
      imports: [
        configModule,
        RequestLoggingModule.forRoot(ledgerLogOptions({ log }, options.logDestination)),
        CqrsModule.forRoot(),
        LedgerCoreModule.forRoot(config, clock),
        RateLimitModule,
        AccessModule,
        QueriesModule,
        ReportingModule,
        HealthModule,
        IntegrityModule,
        ConsoleModule,
        // WebIR query logs and their reconciliation (issue 10)
        QueryLogsModule,
        // records
        ObtainedDataModule,
        IncidentsModule,
        InspectionsModule,
        // Checks and audits (要點 十(一)、十二(一)–(四)).
        ChecksModule,
        PackagesModule,
        // 政風 (ethics)
        EthicsModule,
      ],
      controllers: [LedgerController, ApiKeysController, MeController, RegisterAgencyController, ErasureController],
      providers: [
        RegisterAgencyHandler,
        // The guards below read route metadata on every request: answers kept (see CachedReflector).
        { provide: Reflector, useClass: CachedReflector },
        // Rate limits first: a flood is cut before it costs an authentication.
        { provide: APP_GUARD, useClass: LedgerThrottlerGuard },
        { provide: APP_GUARD, useClass: AuthGuard },
        // After authentication, before validation; a guard so that no interceptor puts rxjs on every request.
        { provide: APP_GUARD, useClass: IdempotencyKeyGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
