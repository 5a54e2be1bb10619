import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule, AppOptions } from './app.module';
import { configureHttpInput } from './common/http-input';
import { describeProblemResponses } from './common/problem-openapi';
import { ledgerValidationPipe } from './common/validation';
import { serveConsole } from './console/serve-console';

/** One place that builds the app, so e2e tests exercise exactly what `npm start` serves. */
export async function createApp(options: AppOptions = {}, logger: false | undefined = undefined): Promise<INestApplication> {
  const silent = logger === false || options.silent === true;
  const app = await NestFactory.create(await AppModule.forRoot({ ...options, silent }), { bodyParser: false, ...(silent ? { logger: false } : { bufferLogs: true }) });
  configureHttpInput(app);
  // Nest's own Logger (used across the app) writes through pino from here on, with the request's context.
  if (!silent) {
    app.useLogger(app.get(Logger));
    app.flushLogs(); // what was said while the modules were built; otherwise held until listen()
  }
  app.useGlobalPipes(ledgerValidationPipe());
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('webir-ledger')
      .setDescription('Event-sourced, tamper-evident audit ledger for the use of 勞保WebIR (BLI lookup service)')
      .setVersion('0.1.0')
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'api-key')
      .build(),
  );
  SwaggerModule.setup('docs', app, describeProblemResponses(document));
  serveConsole(app);
  return app;
}
