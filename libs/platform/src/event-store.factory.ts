import { join } from 'node:path';
import { EventStore, SqliteEventStore } from '@ledger/event-store';
import type { LedgerConfig } from './config';

export type Clock = () => Date;

/**
 * EventStoreDB when EVENTSTORE_URL is set (production shape), else the embedded SQLite file.
 * `checkpoints: 'elsewhere'` for a second connection of a process whose first one already checkpoints
 * the file in the background (a projector thread): one checkpointing thread per file is enough.
 */
export async function createEventStore(config: LedgerConfig, now: Clock = () => new Date(), options: { checkpoints?: 'background' | 'elsewhere' } = {}): Promise<EventStore> {
  if (config.eventStoreUrl) {
    const { KurrentDbEventStore } = await import('@ledger/event-store/kurrentdb/kurrentdb-event-store');
    return KurrentDbEventStore.connect(config.eventStoreUrl, { timeoutMs: config.eventStoreTimeoutMs, now });
  }
  return new SqliteEventStore({ file: join(config.dataDir, 'events.db'), synchronous: config.sqliteSynchronous, busyTimeoutMs: config.sqliteBusyTimeoutMs, now, checkpoints: options.checkpoints ?? 'background' });
}
