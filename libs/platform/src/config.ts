import { resolve } from 'node:path';
import type { SqliteSynchronous } from '@ledger/event-store';
import { BLI_NOTICE_DAYS } from '@ledger/domain';
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
  /** How far ahead of the ledger clock an occurredAt may lie (clock skew), in ms. */
  futureToleranceMs: number;
  /** How long a read with a minimum position waits for its read model before answering 503. */
  readWaitMs: number;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number, max?: number, why?: string): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer`);
  // A deadline the 要點 fixes may be made stricter, never looser.
  if (max !== undefined && n > max) throw new Error(`${name} must be at most ${max} (${why}): a deadline may be configured stricter, never looser`);
  return n;
}

function nonNegativeInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer`);
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
      bliNoticeDays: positiveInt(env, 'LEDGER_DEADLINE_BLI_NOTICE_DAYS', DEFAULT_DEADLINES.bliNoticeDays, BLI_NOTICE_DAYS, '要點 七: within 7 days'),
      accessReviewMonths: positiveInt(env, 'LEDGER_DEADLINE_ACCESS_REVIEW_MONTHS', DEFAULT_DEADLINES.accessReviewMonths, 12, '要點 六(六): at least once a year'),
      usageReviewMonths: positiveInt(env, 'LEDGER_DEADLINE_USAGE_REVIEW_MONTHS', DEFAULT_DEADLINES.usageReviewMonths, 12, '要點 九(三): every year'),
      trainingMonths: positiveInt(env, 'LEDGER_DEADLINE_TRAINING_MONTHS', DEFAULT_DEADLINES.trainingMonths),
    },
    futureToleranceMs: nonNegativeInt(env, 'LEDGER_FUTURE_TOLERANCE_SECONDS', 300) * 1000,
    readWaitMs: nonNegativeInt(env, 'LEDGER_READ_WAIT_MS', 2000),
  };
}

export const LEDGER_CONFIG = Symbol('LEDGER_CONFIG');
