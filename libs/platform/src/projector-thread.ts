import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { extname } from 'node:path';
import { parentPort, threadId, Worker, workerData } from 'node:worker_threads';
import { Logger } from '@nestjs/common';
import pino, { type LoggerOptions } from 'pino';
import type { LedgerConfig } from './config';
import { createEventStore } from './event-store.factory';
import { ledgerLogOptions } from './logging';
import { createProjectionRunner, createProjectionRunners, createReadModelStore } from './read-models.factory';

/**
 * LEDGER_PROJECTIONS=thread: the projector of `npm run cli -- project`, but on a worker thread of the
 * service's own process, so that one process (`npm start`) uses a second core for the read models
 * while its event loop answers commands — what `follow` plus a projector process gives, without a
 * second process to run and supervise. The thread has its own store connections and takes each
 * projection's lease as any projector would; the service's runners follow (`follow`).
 */
export interface ProjectorThread {
  /** Settles once every projection has started (or rejects with why the thread could not). */
  readonly started: Promise<void>;
  /** Stops the projections, closes the thread's connections and ends it. */
  stop(): Promise<void>;
}

export interface ProjectorThreadOptions {
  /** Told when the thread ends without being asked to, with why. */
  onUnexpectedEnd?: (why: string) => void;
  /** Told when one of its projections stops for good (see ProjectionRunnerOptions.onFailed). */
  onProjectionFailed?: (projection: string, message: string) => void;
  /** Told each position a projection of the thread has applied: the service wakes its followers' waiting reads with it. */
  onApplied?: (projection: string, position: bigint) => void;
  /** Only these projections (`import-log` needs the query-logs one alone); all of them by default. */
  only?: readonly string[];
  /**
   * Where the thread's lines go: the service's log (default), or only warnings and errors on stderr,
   * for a command whose stdout carries its JSON outcome.
   */
  log?: 'service' | 'warnings-to-stderr';
}

export function startProjectorThread(config: LedgerConfig, options: ProjectorThreadOptions = {}): ProjectorThread {
  // This file is the thread's entry too (a file of its own would not be in the build). From the
  // TypeScript sources (tests, benches) the thread compiles what it loads as its parent does.
  const source = `${extname(__filename) === '.ts' ? "require('@swc-node/register');" : ''} require(${JSON.stringify(__filename)}).runProjectorThread();`;
  const worker = new Worker(source, { eval: true, workerData: { config, only: options.only, log: options.log ?? 'service' } });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const started = new Promise<void>((resolve, reject) => {
    worker.on('message', (message: ThreadMessage) => {
      if (message.started) resolve();
      if (message.failed !== undefined) reject(new Error(`the projector thread could not start: ${message.failed}`));
      if (message.projectionFailed) options.onProjectionFailed?.(message.projectionFailed.projection, message.projectionFailed.message);
      if (message.applied) options.onApplied?.(message.applied.projection, message.applied.position);
    });
    worker.once('error', reject);
    void exited.then(() => reject(new Error('the projector thread ended')));
  });
  let stopping: Promise<void> | undefined;
  // A thread that ends unasked leaves its leases to expire: readiness then names each projection
  // `no-projector`; the owner is told why, for its log.
  let lastError = 'it exited';
  worker.on('error', (error) => (lastError = error.message));
  void exited.then(() => {
    if (!stopping) options.onUnexpectedEnd?.(lastError);
  });
  return {
    started,
    stop: () => (stopping ??= (worker.postMessage('stop'), exited)),
  };
}

type ThreadMessage = { started?: true; failed?: string; projectionFailed?: { projection: string; message: string }; applied?: { projection: string; position: bigint } };

/** The thread's body: every projection (or those asked for), with store connections of its own, until told to stop. */
export function runProjectorThread(): void {
  const port = parentPort;
  if (!port) throw new Error('runProjectorThread runs on a worker thread');
  const run = async () => {
    const data = workerData as { config: LedgerConfig; only?: readonly string[]; log: 'service' | 'warnings-to-stderr' };
    const config = { ...data.config, projections: 'run' } as LedgerConfig;
    // The runners log through Nest's Logger; here no app configures it, so it gets the service's lines.
    const log =
      data.log === 'service'
        ? pino(ledgerLogOptions(config) as LoggerOptions)
        : pino({ ...(ledgerLogOptions({ log: { ...config.log, format: 'json' } }) as LoggerOptions), level: config.log.level === 'silent' || (pino.levels.values[config.log.level] ?? 0) >= pino.levels.values.warn ? config.log.level : 'warn' }, pino.destination(2));
    const line = (level: 'info' | 'warn' | 'error' | 'debug') => (message: unknown, context?: string) => log[level]({ context: context ?? 'ProjectorThread' }, String(message));
    Logger.overrideLogger({ log: line('info'), warn: line('warn'), error: line('error'), debug: line('debug'), verbose: line('debug') });
    const store = await createEventStore(config);
    const readModels = await createReadModelStore(config);
    const runnerOptions = {
      leaseHolder: `${hostname()}:${process.pid}:thread-${threadId}:${randomUUID().slice(0, 8)}`,
      onFailed: (projection: string, error: Error) => port.postMessage({ projectionFailed: { projection, message: error.message } } satisfies ThreadMessage),
      onApplied: (projection: string, position: bigint) => port.postMessage({ applied: { projection, position } } satisfies ThreadMessage),
    };
    const runners = data.only
      ? data.only.map((name) => createProjectionRunner(name, store, readModels, config, runnerOptions))
      : createProjectionRunners(store, readModels, config, runnerOptions);
    for (const runner of runners) await runner.start();
    port.on('message', (message) => {
      if (message !== 'stop') return;
      void (async () => {
        for (const runner of runners) await runner.stop();
        await readModels.close();
        await store.close();
        port.close();
      })();
    });
    port.postMessage({ started: true } satisfies ThreadMessage);
  };
  run().catch((error: unknown) => {
    port.postMessage({ failed: error instanceof Error ? error.message : String(error) });
    port.close();
  });
}
