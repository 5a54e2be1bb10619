import { extname } from 'node:path';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { InvalidPersonalIdentifierError, PersonalDataErasedError, type PersonalDataField } from './errors';
import { PersonalDataProtector, type IdentifierSealer } from './personal-data-protector';
import { SqliteDataKeyVault } from './sqlite-data-key-vault';

/**
 * The embedded vault's sealing of query subjects on a thread of its own: for each new person a
 * random id, a data key made and wrapped under the master key, the number sealed under it and the
 * rows written and synced — about a fifth of a batched registration's event-loop time, and an
 * eighth of a WebIR log import's. The thread opens the same vault file with a connection of its
 * own (SQLite's write lock orders it with the service's, as with two processes), so erasure, reads
 * and everything else stay where they are. Keys reach the thread in memory only.
 */
export interface IdentifierSealerThreadOptions {
  /** The vault's SQLite file (not ':memory:': the thread needs the same database). */
  path: string;
  masterKey: Buffer;
  hmacKey: Buffer;
  /** The thread's vault connection: see SqliteDataKeyVaultOptions.busyTimeoutMs. */
  busyTimeoutMs?: number;
}

type Request = { id: number; numbers: string[] };
type Failure = { kind: 'erased'; personId: string } | { kind: 'invalid'; field: PersonalDataField; rule: string } | { kind: 'other'; message: string; code?: string };
type Reply = { id: number; sealed?: { personId: string; nationalIdCiphertext: string }[]; failure?: Failure };

export function startIdentifierSealerThread(options: IdentifierSealerThreadOptions): IdentifierSealer {
  if (options.path === ':memory:') throw new Error('the identifier sealer thread needs a vault file');
  let worker: Worker | undefined;
  let exited: Promise<void> | undefined;
  let nextId = 0;
  let closed = false;
  const pending = new Map<number, { resolve: (sealed: { personId: string; nationalIdCiphertext: string }[]) => void; reject: (error: Error) => void }>();
  const failAll = (error: Error) => {
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  // Started on first use: a process that never seals a subject (most of the CLI, most tests) never pays for it.
  const thread = () => {
    if (worker) return worker;
    // This file is the thread's entry too (a file of its own would not be in the build); from the
    // TypeScript sources (tests, benches) the thread compiles what it loads as its parent does.
    const source = `${extname(__filename) === '.ts' ? "require('@swc-node/register');" : ''} require(${JSON.stringify(__filename)}).runIdentifierSealerThread();`;
    // A young generation of 4 MB: what the thread keeps between requests is a few keys and statements,
    // and V8's default (up to 48 MB) only held garbage — ≈ 30 MB of a 1,000,000-line import's peak RSS.
    const w = new Worker(source, {
      eval: true,
      workerData: { path: options.path, masterKey: options.masterKey, hmacKey: options.hmacKey, busyTimeoutMs: options.busyTimeoutMs },
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    // Referenced only while a request waits on it, so that it never keeps a finished process alive.
    w.unref();
    w.on('message', (reply: Reply) => {
      const p = pending.get(reply.id);
      if (!p) return;
      pending.delete(reply.id);
      if (pending.size === 0) w.unref();
      // Made afresh here: what a message delivers is built in the context that received it, which in a
      // test runner's sandbox is not the one of the code reading it (canonical JSON checks prototypes).
      if (reply.sealed) p.resolve(reply.sealed.map((s) => ({ personId: s.personId, nationalIdCiphertext: s.nationalIdCiphertext })));
      else p.reject(errorOf(reply.failure ?? { kind: 'other', message: 'no reply' }));
    });
    w.on('error', (error) => failAll(new Error(`the identifier sealer thread failed: ${error.message}`)));
    exited = new Promise<void>((resolve) =>
      w.once('exit', () => {
        failAll(new Error('the identifier sealer thread ended'));
        worker = undefined;
        resolve();
      }),
    );
    worker = w;
    return w;
  };
  return {
    sealIdentifiers(numbers) {
      if (closed) return Promise.reject(new Error('the identifier sealer is closed'));
      return new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        const w = thread();
        w.ref();
        w.postMessage({ id, numbers: [...numbers] } satisfies Request);
      });
    },
    async close() {
      closed = true;
      if (!worker) return;
      const w = worker;
      w.ref();
      w.postMessage('stop');
      await exited;
    },
  };
}

function errorOf(failure: Failure): Error {
  if (failure.kind === 'erased') return new PersonalDataErasedError(failure.personId);
  if (failure.kind === 'invalid') return new InvalidPersonalIdentifierError(failure.field, failure.rule);
  // The code says what went wrong where the message cannot: SQLITE_BUSY (another process held the
  // vault's write lock) is a store busy for now, which the API answers with 503, not 500.
  return failure.code === undefined ? new Error(failure.message) : Object.assign(new Error(failure.message), { code: failure.code });
}

function failureOf(error: unknown): Failure {
  if (error instanceof PersonalDataErasedError) return { kind: 'erased', personId: error.personId };
  if (error instanceof InvalidPersonalIdentifierError) return { kind: 'invalid', field: error.field, rule: error.rule };
  const code = (error as { code?: unknown } | undefined)?.code;
  return { kind: 'other', message: error instanceof Error ? error.message : String(error), ...(typeof code === 'string' ? { code } : {}) };
}

/** The thread's body: a protector over its own connection to the vault, sealing what it is sent, in order. */
export function runIdentifierSealerThread(): void {
  const port = parentPort;
  if (!port) throw new Error('runIdentifierSealerThread runs on a worker thread');
  const data = workerData as IdentifierSealerThreadOptions;
  const vault = new SqliteDataKeyVault({ path: data.path, masterKey: Buffer.from(data.masterKey), busyTimeoutMs: data.busyTimeoutMs });
  const protector = new PersonalDataProtector({ vault, hmacKey: Buffer.from(data.hmacKey) });
  // One request at a time, as sent: each is one vault transaction.
  let queue = Promise.resolve();
  port.on('message', (message: Request | 'stop') => {
    if (message === 'stop') {
      void queue.then(() => {
        vault.close();
        port.close();
      });
      return;
    }
    queue = queue.then(async () => {
      try {
        port.postMessage({ id: message.id, sealed: await protector.protectIdentifiers(message.numbers) } satisfies Reply);
      } catch (error) {
        port.postMessage({ id: message.id, failure: failureOf(error) } satisfies Reply);
      }
    });
  });
}
