import Database from 'better-sqlite3';
import { openLocalDatabase } from '../infrastructure/local-database';
import type { Manifest } from '@ledger/package';

/** How many jobs (and their zips) the record keeps; the oldest finished ones go as new ones start. */
export const KEEP_JOBS = 20;
/** A running job whose process has not written for this long died with it (another host's process). */
export const STALE_AFTER_MS = 60_000;

export type PackageJobState = 'running' | 'done' | 'failed' | 'interrupted';

export interface PackageJob {
  id: string;
  state: PackageJobState;
  agencyCode: string;
  from: string;
  to: string;
  holders: 'masked' | 'revealed';
  requestedBy: string;
  startedAt: string;
  finishedAt?: string;
  /** Events of the checkpoint's tree read so far, of `totalEvents`. */
  eventsRead: number;
  totalEvents?: number;
  events?: number;
  bytes?: number;
  manifestSha256?: string;
  checkpoint?: Manifest['checkpoint'];
  sections?: Manifest['sections'];
  error?: string;
}

interface Row {
  seq: number;
  id: string;
  state: PackageJobState;
  agency_code: string;
  from_day: string;
  to_day: string;
  holders: 'masked' | 'revealed';
  requested_by: string;
  started_at: string;
  finished_at: string | null;
  updated_at: string;
  instance: string;
  events_read: number;
  total_events: number | null;
  events: number | null;
  bytes: number | null;
  manifest_sha256: string | null;
  checkpoint: string | null;
  sections: string | null;
  error: string | null;
  file: string;
}

/** Which process runs a job: host, pid and a random part (two apps in one process differ). */
export interface Instance {
  id: string;
  host: string;
  pid: number;
}

export const INTERRUPTED = 'interrupted: the service stopped before the package was finished; start it again';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * The durable record of inspection package jobs: a small SQLite table in the data directory (beside
 * the zips), outside the ledger — the ledger records each generation itself (InspectionPackageGenerated).
 * A restart keeps the list and the finished files; a job whose process died is marked interrupted,
 * never left running.
 */
export class PackageJobLog {
  private readonly db: Database.Database;

  constructor(
    file: string,
    private readonly instance: Instance,
  ) {
    this.db = openLocalDatabase(file);
    this.db.exec(`CREATE TABLE IF NOT EXISTS package_jobs (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL UNIQUE,
      state TEXT NOT NULL,
      agency_code TEXT NOT NULL,
      from_day TEXT NOT NULL,
      to_day TEXT NOT NULL,
      holders TEXT NOT NULL,
      requested_by TEXT NOT NULL,
      started_at TEXT NOT NULL,
      finished_at TEXT,
      updated_at TEXT NOT NULL,
      instance TEXT NOT NULL,
      events_read INTEGER NOT NULL DEFAULT 0,
      total_events INTEGER,
      events INTEGER,
      bytes INTEGER,
      manifest_sha256 TEXT,
      checkpoint TEXT,
      sections TEXT,
      error TEXT,
      file TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS package_jobs_by_requester ON package_jobs (requested_by, seq)`);
  }

  /**
   * Jobs left running by a process that is gone (this host: its pid is dead, or it is this very
   * process under an earlier app; another host: silent for STALE_AFTER_MS) become interrupted.
   * Returns their files, which hold at most a partial zip.
   */
  sweep(now: Date): string[] {
    const rows = this.db.prepare("SELECT * FROM package_jobs WHERE state = 'running' AND instance <> ?").all(this.instance.id) as Row[];
    const dead = rows.filter((r) => this.gone(r, now));
    const mark = this.db.prepare("UPDATE package_jobs SET state = 'interrupted', finished_at = ?, updated_at = ?, error = ? WHERE id = ? AND state = 'running'");
    this.db.transaction(() => {
      for (const r of dead) mark.run(now.toISOString(), now.toISOString(), INTERRUPTED, r.id);
    })();
    return dead.map((r) => r.file);
  }

  /** Records a new job; returns the files of the jobs dropped to stay within KEEP_JOBS. */
  started(job: PackageJob, file: string): string[] {
    return this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO package_jobs (id, state, agency_code, from_day, to_day, holders, requested_by, started_at, updated_at, instance, events_read, file)
           VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)`,
        )
        .run(job.id, job.agencyCode, job.from, job.to, job.holders, job.requestedBy, job.startedAt, job.startedAt, this.instance.id, file);
      // A running job is never dropped: its zip is still being written.
      const dropped = this.db
        .prepare("SELECT id, file FROM package_jobs WHERE state <> 'running' AND seq NOT IN (SELECT seq FROM package_jobs ORDER BY seq DESC LIMIT ?)")
        .all(KEEP_JOBS) as { id: string; file: string }[];
      const remove = this.db.prepare('DELETE FROM package_jobs WHERE id = ?');
      for (const d of dropped) remove.run(d.id);
      return dropped.map((d) => d.file);
    })();
  }

  progress(id: string, eventsRead: number, totalEvents: number | undefined, at: string): void {
    this.db.prepare("UPDATE package_jobs SET events_read = ?, total_events = ?, updated_at = ? WHERE id = ? AND state = 'running'").run(eventsRead, totalEvents ?? null, at, id);
  }

  /** This process is alive: its running jobs (also those still queued) are not stale. */
  heartbeat(at: string): void {
    this.db.prepare("UPDATE package_jobs SET updated_at = ? WHERE instance = ? AND state = 'running'").run(at, this.instance.id);
  }

  finished(job: PackageJob): void {
    this.db
      .prepare(
        `UPDATE package_jobs SET state = ?, finished_at = ?, updated_at = ?, events_read = ?, total_events = ?, events = ?, bytes = ?,
           manifest_sha256 = ?, checkpoint = ?, sections = ?, error = ? WHERE id = ?`,
      )
      .run(
        job.state,
        job.finishedAt ?? null,
        job.finishedAt ?? job.startedAt,
        job.eventsRead,
        job.totalEvents ?? null,
        job.events ?? null,
        job.bytes ?? null,
        job.manifestSha256 ?? null,
        job.checkpoint ? JSON.stringify(job.checkpoint) : null,
        job.sections ? JSON.stringify(job.sections) : null,
        job.error ?? null,
        job.id,
      );
  }

  get(id: string, now: Date): { job: PackageJob; file: string } | undefined {
    const row = this.db.prepare('SELECT * FROM package_jobs WHERE id = ?').get(id) as Row | undefined;
    return row && { job: this.toJob(row, now), file: row.file };
  }

  /** One principal's jobs, newest first; `before` is the id of the last job of the previous page. */
  list(requestedBy: string, options: { limit: number; before?: string }, now: Date): { jobs: PackageJob[]; next: string | null } | undefined {
    let rows: Row[];
    if (options.before !== undefined) {
      const anchor = this.db.prepare('SELECT seq FROM package_jobs WHERE id = ? AND requested_by = ?').get(options.before, requestedBy) as { seq: number } | undefined;
      if (!anchor) return undefined;
      rows = this.db.prepare('SELECT * FROM package_jobs WHERE requested_by = ? AND seq < ? ORDER BY seq DESC LIMIT ?').all(requestedBy, anchor.seq, options.limit + 1) as Row[];
    } else {
      rows = this.db.prepare('SELECT * FROM package_jobs WHERE requested_by = ? ORDER BY seq DESC LIMIT ?').all(requestedBy, options.limit + 1) as Row[];
    }
    const page = rows.slice(0, options.limit);
    return { jobs: page.map((r) => this.toJob(r, now)), next: rows.length > options.limit ? page[page.length - 1].id : null };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private gone(row: Row, now: Date): boolean {
    if (row.instance === this.instance.id) return false;
    const [host, pid] = row.instance.split(':');
    if (host === this.instance.host) return Number(pid) === this.instance.pid || !alive(Number(pid));
    return now.getTime() - Date.parse(row.updated_at) > STALE_AFTER_MS;
  }

  private toJob(row: Row, now: Date): PackageJob {
    const interrupted = row.state === 'running' && this.gone(row, now);
    return {
      id: row.id,
      state: interrupted ? 'interrupted' : row.state,
      agencyCode: row.agency_code,
      from: row.from_day,
      to: row.to_day,
      holders: row.holders,
      requestedBy: row.requested_by,
      startedAt: row.started_at,
      ...(row.finished_at !== null && { finishedAt: row.finished_at }),
      eventsRead: row.events_read,
      ...(row.total_events !== null && { totalEvents: row.total_events }),
      ...(row.events !== null && { events: row.events }),
      ...(row.bytes !== null && { bytes: row.bytes }),
      ...(row.manifest_sha256 !== null && { manifestSha256: row.manifest_sha256 }),
      ...(row.checkpoint !== null && { checkpoint: JSON.parse(row.checkpoint) as Manifest['checkpoint'] }),
      ...(row.sections !== null && { sections: JSON.parse(row.sections) as Manifest['sections'] }),
      ...(interrupted ? { error: INTERRUPTED } : row.error !== null && { error: row.error }),
    };
  }
}
