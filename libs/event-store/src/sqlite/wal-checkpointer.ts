import type Database from 'better-sqlite3';
import { Worker } from 'node:worker_threads';

/**
 * SQLite's automatic checkpoint runs inside the commit that crosses its threshold, on the committing
 * thread: copying the WAL's pages back into the database file and syncing it. For the ledger that
 * thread is the service's one event loop, and in a profile of batched registrations the copy was
 * ≈ 10 % of it. This moves checkpoints to a thread of their own, with a connection of its own: every
 * `intervalMs` a PASSIVE checkpoint copies what no reader still needs, never waiting for, nor
 * blocking, a writer or a reader. Durability is unchanged: a commit is durable once its WAL frames
 * are synced (synchronous = FULL), whether or not they have been copied back yet.
 *
 * The writer keeps an automatic checkpoint at a much larger threshold (FALLBACK_CHECKPOINT_PAGES) as the
 * backstop should this thread stall, so the WAL cannot grow without bound.
 */
export interface WalCheckpointer {
  /** Runs a last checkpoint, closes the thread's connection and ends the thread. */
  close(): Promise<void>;
}

export interface WalCheckpointerOptions {
  /** How often the thread checkpoints (default 100 ms). */
  intervalMs?: number;
}

/** The writer's automatic checkpoint threshold while a checkpointer runs: 40 MB of WAL at 4 KB pages. */
const FALLBACK_CHECKPOINT_PAGES = 10_000;

// Plain CommonJS evaluated in the worker: it needs nothing but the driver, given as an absolute path.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 0');
db.pragma('synchronous = ' + workerData.synchronous);
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy now is routine: the next tick tries again, and the writer's own threshold is the backstop.
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'close') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

/**
 * Starts checkpointing the writer's file on a thread, and raises the writer's own automatic
 * checkpoint to FALLBACK_CHECKPOINT_PAGES. The thread syncs the file at the writer's synchronous
 * level. Nothing for an in-memory or read-only connection (undefined).
 */
export function startWalCheckpointer(writer: Database.Database, options: WalCheckpointerOptions = {}): WalCheckpointer | undefined {
  if (writer.memory || writer.readonly) return undefined;
  writer.pragma(`wal_autocheckpoint = ${FALLBACK_CHECKPOINT_PAGES}`);
  const synchronous = writer.pragma('synchronous', { simple: true }) as number;
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { file: writer.name, driver: require.resolve('better-sqlite3'), intervalMs: options.intervalMs ?? 100, synchronous },
  });
  // A store left open must not keep its process alive for the sake of its checkpoints.
  worker.unref();
  // The writer's own automatic checkpoint stays as the backstop: a failing thread only loses speed.
  worker.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let closing: Promise<void> | undefined;
  // Referenced again while it closes: a caller awaiting the close must keep its process alive.
  return { close: () => (closing ??= (worker.ref(), worker.postMessage('close'), exited)) };
}
