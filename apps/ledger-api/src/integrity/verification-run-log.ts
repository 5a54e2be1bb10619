import Database from 'better-sqlite3';
import { openLocalDatabase } from '../infrastructure/local-database';
import type { IntegrityFailure } from '@ledger/event-store';

/** How many runs the record keeps; older ones are dropped as new ones start. */
export const KEEP_RUNS = 1000;
/** Failures kept per run (the count is always kept): a broken ledger can have millions. */
export const KEEP_FAILURES = 50;
/** A run whose progress has not been written for this long died with its process. */
export const STALE_AFTER_MS = 60_000;

export type RunState = 'running' | 'done' | 'failed' | 'interrupted';

export interface VerificationRun {
  id: string;
  mode: 'incremental' | 'full';
  state: RunState;
  startedAt: string;
  finishedAt: string | null;
  /** The principal whose request started it. */
  startedBy: string;
  eventsChecked: number;
  totalEvents: number | null;
  resumedAfterEvents: number;
  /** null until the run is done. */
  intact: boolean | null;
  failureCount: number;
  /** The first KEEP_FAILURES failures. */
  failures: IntegrityFailure[];
  error: string | null;
}

interface Row {
  id: string;
  mode: 'incremental' | 'full';
  state: RunState;
  started_at: string;
  finished_at: string | null;
  updated_at: string;
  started_by: string;
  events_checked: number;
  total_events: number | null;
  resumed_after_events: number;
  intact: number | null;
  failure_count: number;
  failures: string;
  error: string | null;
}

/**
 * The durable record of verification runs: a small SQLite table in the data directory, outside the
 * event log — verifying stays read-only and appends nothing to the ledger it checks. Bounded to the
 * last KEEP_RUNS runs. Instances sharing the data directory share the record.
 */
export class VerificationRunLog {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = openLocalDatabase(file);
    this.db.exec(`CREATE TABLE IF NOT EXISTS verification_runs (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL UNIQUE,
      mode TEXT NOT NULL,
      state TEXT NOT NULL,
      started_at TEXT NOT NULL,
      finished_at TEXT,
      updated_at TEXT NOT NULL,
      started_by TEXT NOT NULL,
      events_checked INTEGER NOT NULL,
      total_events INTEGER,
      resumed_after_events INTEGER NOT NULL,
      intact INTEGER,
      failure_count INTEGER NOT NULL DEFAULT 0,
      failures TEXT NOT NULL DEFAULT '[]',
      error TEXT
    )`);
  }

  started(run: Pick<VerificationRun, 'id' | 'mode' | 'startedAt' | 'startedBy' | 'eventsChecked' | 'resumedAfterEvents'>): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO verification_runs (id, mode, state, started_at, updated_at, started_by, events_checked, resumed_after_events)
           VALUES (?, ?, 'running', ?, ?, ?, ?, ?)`,
        )
        .run(run.id, run.mode, run.startedAt, run.startedAt, run.startedBy, run.eventsChecked, run.resumedAfterEvents);
      this.db.prepare('DELETE FROM verification_runs WHERE seq <= (SELECT MAX(seq) FROM verification_runs) - ?').run(KEEP_RUNS);
    })();
  }

  progress(id: string, eventsChecked: number, totalEvents: number | undefined, at: string): void {
    this.db.prepare("UPDATE verification_runs SET events_checked = ?, total_events = ?, updated_at = ? WHERE id = ? AND state = 'running'").run(eventsChecked, totalEvents ?? null, at, id);
  }

  finished(id: string, outcome: { at: string; eventsChecked: number; totalEvents?: number; intact?: boolean; failures?: IntegrityFailure[]; error?: string }): void {
    this.db
      .prepare(
        `UPDATE verification_runs SET state = ?, finished_at = ?, updated_at = ?, events_checked = ?, total_events = COALESCE(?, total_events),
           intact = ?, failure_count = ?, failures = ?, error = ? WHERE id = ?`,
      )
      .run(
        outcome.error === undefined ? 'done' : 'failed',
        outcome.at,
        outcome.at,
        outcome.eventsChecked,
        outcome.totalEvents ?? null,
        outcome.intact === undefined ? null : outcome.intact ? 1 : 0,
        outcome.failures?.length ?? 0,
        JSON.stringify((outcome.failures ?? []).slice(0, KEEP_FAILURES)),
        outcome.error ?? null,
        id,
      );
  }

  get(id: string, now: Date): VerificationRun | undefined {
    const row = this.db.prepare('SELECT * FROM verification_runs WHERE id = ?').get(id) as Row | undefined;
    return row && toRun(row, now);
  }

  /** Newest first; `before` is the id of the last run of the previous page. */
  list(options: { limit: number; before?: string }, now: Date): { runs: VerificationRun[]; next: string | null } | undefined {
    let rows: Row[];
    if (options.before !== undefined) {
      const anchor = this.db.prepare('SELECT seq FROM verification_runs WHERE id = ?').get(options.before) as { seq: number } | undefined;
      if (!anchor) return undefined;
      rows = this.db.prepare('SELECT * FROM verification_runs WHERE seq < ? ORDER BY seq DESC LIMIT ?').all(anchor.seq, options.limit + 1) as Row[];
    } else {
      rows = this.db.prepare('SELECT * FROM verification_runs ORDER BY seq DESC LIMIT ?').all(options.limit + 1) as Row[];
    }
    const page = rows.slice(0, options.limit);
    return { runs: page.map((r) => toRun(r, now)), next: rows.length > options.limit ? page[page.length - 1].id : null };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function toRun(row: Row, now: Date): VerificationRun {
  // A process that died mid-run never wrote its end: its run is reported as interrupted.
  const stale = row.state === 'running' && now.getTime() - Date.parse(row.updated_at) > STALE_AFTER_MS;
  return {
    id: row.id,
    mode: row.mode,
    state: stale ? 'interrupted' : row.state,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    startedBy: row.started_by,
    eventsChecked: row.events_checked,
    totalEvents: row.total_events,
    resumedAfterEvents: row.resumed_after_events,
    intact: row.intact === null ? null : row.intact === 1,
    failureCount: row.failure_count,
    failures: JSON.parse(row.failures) as IntegrityFailure[],
    error: row.error,
  };
}
