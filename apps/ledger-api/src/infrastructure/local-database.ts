import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * A small SQLite file of the service's own (job lists, run records) beside the ledger: owner-only
 * like every file of the data directory (SQLite gives its -wal and -shm the same mode), WAL, and a
 * busy timeout so that two instances on the same directory wait for each other instead of failing.
 */
export function openLocalDatabase(file: string): Database.Database {
  mkdirSync(dirname(file), { recursive: true });
  if (!existsSync(file)) closeSync(openSync(file, 'wx', 0o600));
  chmodSync(file, 0o600);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  return db;
}
