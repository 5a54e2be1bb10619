import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INTERRUPTED, KEEP_JOBS, PackageJobLog, STALE_AFTER_MS, type Instance, type PackageJob } from './package-job-log';

describe('the record of package jobs', () => {
  let dir: string;
  const file = () => join(dir, 'package-jobs.db');
  const now = new Date('2026-03-02T01:00:00.000Z');
  const me: Instance = { id: `ledger-1:${process.pid}:aaaa1111`, host: 'ledger-1', pid: process.pid };
  const logs: PackageJobLog[] = [];
  const open = (instance = me) => {
    const log = new PackageJobLog(file(), instance);
    logs.push(log);
    return log;
  };
  const job = (requestedBy = 'bli_inspection_2026', at = now.toISOString()): PackageJob => ({
    id: randomUUID(), state: 'running', agencyCode: 'SWD001', from: '2025-01-01', to: '2025-12-31', holders: 'masked', requestedBy, startedAt: at, eventsRead: 0,
  });
  // The pid of a process that has exited.
  const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-package-jobs-'));
  });
  afterEach(() => {
    for (const log of logs.splice(0)) log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a job from start to end (who asked, parameters, result, file), across a reopen of the file', () => {
    const log = open();
    const j = job();
    expect(log.started(j, join(dir, `${j.id}.zip`))).toEqual([]);
    log.progress(j.id, 500, 1200, now.toISOString());
    expect(log.get(j.id, now)).toEqual({ job: { ...j, eventsRead: 500, totalEvents: 1200 }, file: join(dir, `${j.id}.zip`) });
    const done: PackageJob = {
      ...j, state: 'done', finishedAt: '2026-03-02T01:00:09.000Z', eventsRead: 1200, totalEvents: 1200, events: 1100, bytes: 40_960, manifestSha256: 'ab'.repeat(32),
      checkpoint: { origin: 'webir-ledger', treeSize: 1200, rootHash: 'cd'.repeat(32), keyName: 'ledger', keyId: '0a0b0c0d', signature: 'sig', issuedAt: '2026-03-02T01:00:00.000Z' } as unknown as PackageJob['checkpoint'],
      sections: [{ id: 'roster', title: '使用者清冊', rule: '要點 六', file: '03-使用者清冊.csv', rows: 12 }] as unknown as PackageJob['sections'],
    };
    log.finished(done);
    log.close();
    const reopened = open({ id: `ledger-1:${process.pid}:bbbb2222`, host: 'ledger-1', pid: process.pid });
    expect(reopened.get(j.id, now)!.job).toEqual(done);
    const failed: PackageJob = { ...job(), state: 'failed', finishedAt: now.toISOString(), error: 'no signed checkpoint' };
    reopened.started(failed, join(dir, 'f.zip'));
    reopened.finished(failed);
    expect(reopened.get(failed.id, now)!.job).toMatchObject({ state: 'failed', error: 'no signed checkpoint' });
  });

  it('a job left running by a process that is gone is interrupted, never running forever', () => {
    const mine = job();
    const sameProcess = job();
    const deadLocal = job();
    const otherHost = job();
    open().started(mine, join(dir, 'mine.zip'));
    // An earlier app in this very process (a restart in place), a dead process of this host, a live one elsewhere.
    open({ id: `ledger-1:${process.pid}:cccc3333`, host: 'ledger-1', pid: process.pid }).started(sameProcess, join(dir, 'same.zip'));
    const pid = deadPid();
    open({ id: `ledger-1:${pid}:dddd4444`, host: 'ledger-1', pid }).started(deadLocal, join(dir, 'dead.zip'));
    open({ id: 'ledger-2:1:eeee5555', host: 'ledger-2', pid: 1 }).started(otherHost, join(dir, 'other.zip'));

    const log = open();
    expect(log.get(mine.id, now)!.job.state).toBe('running');
    expect(log.get(sameProcess.id, now)!.job).toMatchObject({ state: 'interrupted', error: INTERRUPTED });
    expect(log.get(deadLocal.id, now)!.job.state).toBe('interrupted');
    // Another host's process is judged by its heartbeat.
    expect(log.get(otherHost.id, new Date(now.getTime() + STALE_AFTER_MS - 1))!.job.state).toBe('running');
    expect(log.get(otherHost.id, new Date(now.getTime() + STALE_AFTER_MS + 1))!.job.state).toBe('interrupted');

    // The sweep at start writes it down and hands back the partial files to remove.
    expect(log.sweep(now).sort()).toEqual([join(dir, 'dead.zip'), join(dir, 'same.zip')]);
    const later = open({ id: 'ledger-2:1:eeee5555', host: 'ledger-2', pid: 1 });
    expect(later.get(sameProcess.id, now)!.job).toMatchObject({ state: 'interrupted', error: INTERRUPTED });
    expect(later.get(sameProcess.id, now)!.job.finishedAt).toBe(now.toISOString());
    // A heartbeat keeps the other host's job alive.
    later.heartbeat(new Date(now.getTime() + STALE_AFTER_MS).toISOString());
    expect(log.get(otherHost.id, new Date(now.getTime() + STALE_AFTER_MS + 1))!.job.state).toBe('running');
  });

  it("lists one principal's jobs newest first in pages, keeping the last jobs and never dropping a running one", () => {
    const log = open();
    const running = job('auditor_a');
    log.started(running, join(dir, 'running.zip'));
    const ids: string[] = [];
    const dropped: string[] = [];
    for (let i = 0; i < KEEP_JOBS + 2; i++) {
      const j = job(i % 2 === 0 ? 'auditor_a' : 'auditor_b');
      ids.push(j.id);
      dropped.push(...log.started(j, join(dir, `${i}.zip`)));
      log.finished({ ...j, state: 'done', finishedAt: now.toISOString() });
    }
    // The newest 20 are kept, and the older running one: the two oldest finished ones went with their files.
    expect(dropped).toEqual([join(dir, '0.zip'), join(dir, '1.zip')]);
    expect(log.get(running.id, now)!.job.state).toBe('running');
    const first = log.list('auditor_a', { limit: 3 }, now)!;
    expect(first.jobs.map((j) => j.id)).toEqual([ids[20], ids[18], ids[16]]);
    expect(first.jobs.every((j) => j.requestedBy === 'auditor_a')).toBe(true);
    let all = first.jobs.length;
    for (let next = first.next; next; ) {
      const page = log.list('auditor_a', { limit: 3, before: next }, now)!;
      all += page.jobs.length;
      next = page.next;
    }
    // auditor_a: jobs 2, 4, …, 20 (10) and the running one.
    expect(all).toBe(11);
    expect(log.list('auditor_b', { limit: 3, before: first.next! }, now)).toBeUndefined();
  });
});
