import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventStoreContract } from '../event-store.contract';
import { SqliteEventStore } from './sqlite-event-store';

describe('event-store contract: embedded SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-contract-'));
  let store: SqliteEventStore;
  beforeAll(() => {
    store = new SqliteEventStore({ file: join(dir, 'events.db') });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  eventStoreContract(() => store);
});
