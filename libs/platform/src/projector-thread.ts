import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { extname } from 'node:path';
import { parentPort, threadId, Worker, workerData, type ResourceLimits } from 'node:worker_threads';
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
  /** Told each position a projection of the thread has applied: the service wakes its followers' waiting reads with it. */
  onApplied?: (projection: string, position: bigint) => void;
  /** This one projection only, in pages of `pageSize` events when given (import-log: the query-logs read model). */
  only?: { projection: string; pageSize?: number };
  /** The thread's own V8 heap limits. */
  resourceLimits?: ResourceLimits;
  /** The thread's log lines on stderr (import-log keeps stdout for its JSON outcome); stdout by default. */
  logToStderr?: boolean;
}

interface ThreadData {
  config: LedgerConfig;
  only?: { projection: string; pageSize?: number };
  logToStderr?: boolean;
}

export function startProjectorThread(config: LedgerConfig, options: ProjectorThreadOptions = {}): ProjectorThread {
  // This file is the thread's entry too (a file of its own would not be in the build). From the
  // TypeScript sources (tests, benches) the thread compiles what it loads as its parent does.
  const source = `${extname(__filename) === '.ts' ? "require('@swc-node/register');" : ''} require(${JSON.stringify(__filename)}).runProjectorThread();`;
  const data: ThreadData = { config, only: options.only, logToStderr: options.logToStderr };
  const worker = new Worker(source, { eval: true, workerData: data, ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}) });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const started = new Promise<void>((resolve, reject) => {
    worker.on('message', (message: ThreadMessage) => {
      if (message.started) resolve();
      if (message.failed !== undefined) reject(new Error(`the projector thread could not start: ${message.failed}`));
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

type ThreadMessage = { started?: true; failed?: string; applied?: { projection: string; position: bigint } };

/** The thread's body: every projection, with store connections of its own, until told to stop. */
export function runProjectorThread(): void {
  const port = parentPort;
  if (!port) throw new Error('runProjectorThread runs on a worker thread');
  const run = async () => {
    const data = workerData as ThreadData;
    const config = { ...data.config, projections: 'run' } as LedgerConfig;
    // The runners log through Nest's Logger; here no app configures it, so it gets the service's lines.
    const stderr = data.logToStderr ? pino.destination(2) : undefined;
    const log = stderr ? pino(ledgerLogOptions(config, stderr) as LoggerOptions, stderr) : pino(ledgerLogOptions(config) as LoggerOptions);
    const line = (level: 'info' | 'warn' | 'error' | 'debug') => (message: unknown, context?: string) => log[level]({ context: context ?? 'ProjectorThread' }, String(message));
    Logger.overrideLogger({ log: line('info'), warn: line('warn'), error: line('error'), debug: line('debug'), verbose: line('debug') });
    // The thread's parent opened the same files with their background checkpoints (the service): no
    // second checkpointing thread each, and no checkpoint inside this thread's commits either.
    const store = await createEventStore(config, undefined, { checkpoints: 'elsewhere' });
    const readModels = await createReadModelStore(config, { checkpoints: 'elsewhere' });
    const runnerOptions = {
      leaseHolder: `${hostname()}:${process.pid}:thread-${threadId}:${randomUUID().slice(0, 8)}`,
      onApplied: (projection: string, position: bigint) => port.postMessage({ applied: { projection, position } } satisfies ThreadMessage),
    };
    const runners = data.only
      ? [createProjectionRunner(data.only.projection, store, readModels, config, { ...runnerOptions, ...(data.only.pageSize ? { pageSize: data.only.pageSize } : {}) })]
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
