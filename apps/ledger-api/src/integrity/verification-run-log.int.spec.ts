import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { KEEP_FAILURES, KEEP_RUNS, STALE_AFTER_MS, VerificationRunLog } from './verification-run-log';

describe('the record of verification runs', () => {
  let dir: string;
  let log: VerificationRunLog;
  const now = new Date('2025-07-01T01:00:00.000Z');
  const start = (id = randomUUID(), at = now.toISOString()) => {
    log.started({ id, mode: 'full', startedAt: at, startedBy: 'auditor_bli', eventsChecked: 0, resumedAfterEvents: 0 });
    return id;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-runs-'));
    log = new VerificationRunLog(join(dir, 'verification-runs.db'));
  });
  afterEach(() => {
    log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a run from start to end, and across a reopen of the file', () => {
    const id = start();
    expect(log.get(id, now)).toMatchObject({ state: 'running', startedBy: 'auditor_bli', intact: null });
    const failures = Array.from({ length: KEEP_FAILURES + 5 }, (_, i) => ({ streamId: 'account-X', revision: i, position: String(i + 1), reason: 'HASH_MISMATCH' as const, detail: 'd' }));
    log.finished(id, { at: '2025-07-01T01:00:41.000Z', eventsChecked: 1204, totalEvents: 1204, intact: false, failures });
    log.close();
    log = new VerificationRunLog(join(dir, 'verification-runs.db'));
    const run = log.get(id, now)!;
    expect(run).toMatchObject({ state: 'done', eventsChecked: 1204, intact: false, failureCount: KEEP_FAILURES + 5, finishedAt: '2025-07-01T01:00:41.000Z' });
    expect(run.failures).toHaveLength(KEEP_FAILURES);
  });

  it('reports a run whose process stopped writing as interrupted', () => {
    const id = start();
    expect(log.get(id, new Date(now.getTime() + STALE_AFTER_MS - 1))!.state).toBe('running');
    expect(log.get(id, new Date(now.getTime() + STALE_AFTER_MS + 1))!.state).toBe('interrupted');
    log.progress(id, 10, 20, new Date(now.getTime() + STALE_AFTER_MS).toISOString());
    expect(log.get(id, new Date(now.getTime() + STALE_AFTER_MS + 1))).toMatchObject({ state: 'running', eventsChecked: 10, totalEvents: 20 });
  });

  it('lists newest first in pages, and keeps only the last runs', () => {
    const ids = Array.from({ length: KEEP_RUNS + 3 }, () => start());
    const first = log.list({ limit: 2 }, now)!;
    expect(first.runs.map((r) => r.id)).toEqual([ids.at(-1), ids.at(-2)]);
    const second = log.list({ limit: 2, before: first.next! }, now)!;
    expect(second.runs.map((r) => r.id)).toEqual([ids.at(-3), ids.at(-4)]);
    // The three oldest were dropped.
    expect(log.get(ids[2], now)).toBeUndefined();
    expect(log.get(ids[3], now)).toBeDefined();
    expect(log.list({ limit: 100, before: ids[0] }, now)).toBeUndefined();
    let count = 0;
    for (let page = log.list({ limit: 100 }, now)!; ; page = log.list({ limit: 100, before: page.next! }, now)!) {
      count += page.runs.length;
      if (!page.next) break;
    }
    expect(count).toBe(KEEP_RUNS);
  });
});
