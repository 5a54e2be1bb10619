import { resolve } from 'node:path';
import type { SqliteSynchronous } from '@ledger/event-store';

/** Every environment variable the service reads; the README's configuration table mirrors this. */
export interface LedgerConfig {
  port: number;
  dataDir: string;
  eventStoreUrl?: string;
  eventStoreTimeoutMs: number;
  sqliteSynchronous: SqliteSynchronous;
  /** When set, its hash is registered as an admin key at start (CI, scripted setups). */
  adminApiKey?: string;
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
  };
}

export const LEDGER_CONFIG = Symbol('LEDGER_CONFIG');
