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
// One thread serves every file of the process (the event store, the read models, the key vault): a
// thread of its own per file would cost a V8 isolate each (≈ 10 MB) for a pragma every 100 ms.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const files = new Map();
const checkpoint = (db) => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy now is routine: the next tick tries again, and the writer's own threshold is the backstop.
  }
};
parentPort.on('message', (message) => {
  if (message.add) {
    const { id, file, synchronous, intervalMs } = message.add;
    try {
      const db = new Database(file, { fileMustExist: true });
      db.pragma('busy_timeout = 0');
      db.pragma('synchronous = ' + synchronous);
      files.set(id, { db, timer: setInterval(() => checkpoint(db), intervalMs) });
    } catch {
      // The writer's own automatic checkpoint stays: a file this thread cannot open only loses speed.
    }
  }
  if (message.remove !== undefined) {
    const entry = files.get(message.remove);
    if (entry) {
      clearInterval(entry.timer);
      checkpoint(entry.db);
      entry.db.close();
      files.delete(message.remove);
    }
    parentPort.postMessage({ removed: message.remove });
  }
  if (message.end) parentPort.close();
});
`;

/** The process's (this isolate's) checkpointing thread, and the files it serves. */
interface SharedThread {
  worker: Worker;
  files: number;
  ended: boolean;
  exited: Promise<void>;
  /** Closes waiting for the thread to have let go of their file. */
  acks: Map<number, () => void>;
}
let shared: SharedThread | undefined;
let nextId = 0;

function sharedThread(): SharedThread {
  if (shared) return shared;
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver: require.resolve('better-sqlite3') } });
  // A store left open must not keep its process alive for the sake of its checkpoints.
  worker.unref();
  const thread: SharedThread = {
    worker,
    files: 0,
    ended: false,
    acks: new Map(),
    exited: new Promise<void>((resolve) =>
      worker.once('exit', () => {
        thread.ended = true;
        if (shared === thread) shared = undefined;
        for (const ack of thread.acks.values()) ack();
        thread.acks.clear();
        resolve();
      }),
    ),
  };
  // The writers' own automatic checkpoints stay as the backstop: a failing thread only loses speed.
  worker.on('error', () => undefined);
  worker.on('message', (message: { removed?: number }) => {
    if (message.removed === undefined) return;
    thread.acks.get(message.removed)?.();
    thread.acks.delete(message.removed);
  });
  shared = thread;
  return thread;
}

/**
 * A second connection to a file the process's checkpointing thread already serves (through the
 * process's first connection, see startWalCheckpointer): its commits leave the checkpoints to that
 * thread, keeping SQLite's own only as the backstop at FALLBACK_CHECKPOINT_PAGES. Left at SQLite's
 * default (1,000 pages), a connection that writes more than that between two of the thread's
 * checkpoints ran one inside nearly every commit: in an experiment where import-log projected on a
 * thread of its own (1,000,000 lines), that thread's commits took 23 % of its time, ≈ 14 % of it in
 * those checkpoints. Nothing for an in-memory or read-only connection.
 */
export function leaveCheckpointsElsewhere(writer: Database.Database): void {
  if (writer.memory || writer.readonly) return;
  writer.pragma(`wal_autocheckpoint = ${FALLBACK_CHECKPOINT_PAGES}`);
}

/**
 * Starts checkpointing the writer's file on the process's checkpointing thread, and raises the
 * writer's own automatic checkpoint to FALLBACK_CHECKPOINT_PAGES. The thread syncs the file at the
 * writer's synchronous level. Nothing for an in-memory or read-only connection (undefined).
 */
export function startWalCheckpointer(writer: Database.Database, options: WalCheckpointerOptions = {}): WalCheckpointer | undefined {
  if (writer.memory || writer.readonly) return undefined;
  writer.pragma(`wal_autocheckpoint = ${FALLBACK_CHECKPOINT_PAGES}`);
  const synchronous = writer.pragma('synchronous', { simple: true }) as number;
  const thread = sharedThread();
  const id = nextId++;
  thread.files += 1;
  thread.worker.postMessage({ add: { id, file: writer.name, synchronous, intervalMs: options.intervalMs ?? 100 } });
  let closing: Promise<void> | undefined;
  const close = async () => {
    // Referenced while it closes: a caller awaiting the close must keep its process alive.
    thread.worker.ref();
    if (!thread.ended) {
      await new Promise<void>((resolve) => {
        thread.acks.set(id, resolve);
        thread.worker.postMessage({ remove: id });
      });
    }
    thread.files -= 1;
    if (thread.files > 0) {
      // Unreferenced again only once no other close awaits it (closes of several stores overlap).
      if (thread.acks.size === 0) thread.worker.unref();
      return;
    }
    // The last file: the thread ends (a later store starts a new one).
    if (shared === thread) shared = undefined;
    thread.worker.postMessage({ end: true });
    await thread.exited;
  };
  return { close: () => (closing ??= close()) };
}
