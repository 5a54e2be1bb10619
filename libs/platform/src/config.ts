import { resolve } from 'node:path';
import type { SqliteSynchronous } from '@ledger/event-store';
import { DEFAULT_DEADLINES, type ObligationDeadlines } from '@ledger/projections';

/** Every environment variable the service reads; the README's configuration table mirrors this. */
export interface LedgerConfig {
  port: number;
  dataDir: string;
  eventStoreUrl?: string;
  eventStoreTimeoutMs: number;
  sqliteSynchronous: SqliteSynchronous;
  /** When set, its hash is registered as an admin key at start (CI, scripted setups). */
  adminApiKey?: string;
  mongodbUrl?: string;
  mongodbServerSelectionTimeoutMs: number;
  deadlines: ObligationDeadlines;
  /** Signed checkpoints (issue 9): signer key text, witnesses, and how often the tree is signed. */
  integrity: {
    /** `PRIVATE+KEY+<name>+<id>+<key>`; required with EventStoreDB, else generated under dataDir/keys. */
    signingKey?: string;
    witnessDir?: string;
    witnessUrl?: string;
    checkpointEveryEvents: number;
    checkpointIntervalSeconds: number;
  };
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer`);
  return n;
}

const SYNC_MODES: SqliteSynchronous[] = ['FULL', 'EXTRA', 'NORMAL', 'OFF'];

export function loadConfig(env: NodeJS.ProcessEnv = process.env): LedgerConfig {
  const sync = (env.LEDGER_SQLITE_SYNCHRONOUS ?? 'FULL').toUpperCase() as SqliteSynchronous;
  if (!SYNC_MODES.includes(sync)) {
    throw new Error(`LEDGER_SQLITE_SYNCHRONOUS must be one of ${SYNC_MODES.join(', ')}`);
  }
  return {
    port: Number(env.PORT ?? 3000),
    dataDir: resolve(env.LEDGER_DATA_DIR ?? './data'),
    eventStoreUrl: env.EVENTSTORE_URL || undefined,
    eventStoreTimeoutMs: Number(env.EVENTSTORE_TIMEOUT_MS ?? 10_000),
    sqliteSynchronous: sync,
    adminApiKey: env.LEDGER_ADMIN_API_KEY || undefined,
    mongodbUrl: env.MONGODB_URL || undefined,
    mongodbServerSelectionTimeoutMs: positiveInt(env, 'MONGODB_SERVER_SELECTION_TIMEOUT_MS', 3000),
    deadlines: {
      bliNoticeDays: positiveInt(env, 'LEDGER_DEADLINE_BLI_NOTICE_DAYS', DEFAULT_DEADLINES.bliNoticeDays),
      accessReviewMonths: positiveInt(env, 'LEDGER_DEADLINE_ACCESS_REVIEW_MONTHS', DEFAULT_DEADLINES.accessReviewMonths),
      usageReviewMonths: positiveInt(env, 'LEDGER_DEADLINE_USAGE_REVIEW_MONTHS', DEFAULT_DEADLINES.usageReviewMonths),
      trainingMonths: positiveInt(env, 'LEDGER_DEADLINE_TRAINING_MONTHS', DEFAULT_DEADLINES.trainingMonths),
    },
    integrity: {
      signingKey: env.LEDGER_SIGNING_KEY || undefined,
      witnessDir: env.LEDGER_WITNESS_DIR ? resolve(env.LEDGER_WITNESS_DIR) : undefined,
      witnessUrl: env.LEDGER_WITNESS_URL || undefined,
      checkpointEveryEvents: positiveInt(env, 'LEDGER_CHECKPOINT_EVERY_EVENTS', 1000),
      checkpointIntervalSeconds: positiveInt(env, 'LEDGER_CHECKPOINT_INTERVAL_SECONDS', 30),
    },
  };
}

export const LEDGER_CONFIG = Symbol('LEDGER_CONFIG');
