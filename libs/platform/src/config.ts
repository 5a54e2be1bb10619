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
  /** Requests per minute: per API key, per source address, and per address without a valid key (issue 7, finding 6). */
  rateLimits?: { perKeyPerMinute: number; perAddressPerMinute: number; anonymousPerMinute: number };
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
    rateLimits: {
      perKeyPerMinute: positiveInt(env, 'LEDGER_RATE_LIMIT_PER_MINUTE', 100_000),
      perAddressPerMinute: positiveInt(env, 'LEDGER_RATE_LIMIT_ADDRESS_PER_MINUTE', 200_000),
      anonymousPerMinute: positiveInt(env, 'LEDGER_RATE_LIMIT_ANON_PER_MINUTE', 60),
    },
  };
}

export const LEDGER_CONFIG = Symbol('LEDGER_CONFIG');
