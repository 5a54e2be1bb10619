import { DynamicModule, Inject, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Options } from 'pino-http';
import { requestLogging } from '@ledger/platform/logging';

const REQUEST_LOGGING = Symbol('REQUEST_LOGGING');

/**
 * nestjs-pino's logger (Nest's Logger writes through pino, with the request's context) and the
 * service's request middleware in place of pino-http's, at the same place in the pipeline (a Nest
 * middleware on every route, as nestjs-pino registers its own).
 */
@Module({})
export class RequestLoggingModule implements NestModule {
  /** `options` as ledgerLogOptions makes them (with the destination stream in them, if any). */
  static forRoot(options: Options): DynamicModule {
    return {
      module: RequestLoggingModule,
      // No routes: nestjs-pino only configures its logger; requests go through requestLogging below.
      imports: [LoggerModule.forRoot({ pinoHttp: options, forRoutes: [] })],
      providers: [{ provide: REQUEST_LOGGING, useValue: requestLogging(options) }],
    };
  }

  constructor(@Inject(REQUEST_LOGGING) private readonly middleware: ReturnType<typeof requestLogging>) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(this.middleware).forRoutes({ path: '*', method: RequestMethod.ALL });
  }
}
