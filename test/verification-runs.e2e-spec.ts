import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EventStore } from '@ledger/event-store';
import { EVENT_STORE } from '../apps/ledger-api/src/infrastructure/event-store.provider';
import { ADMIN_KEY, startTestApp } from './support/app';

/**
 * The record of past verification runs (issue 14, item 3): kept in the data directory, outside the
 * ledger, across restarts; the run appends nothing to the ledger it checks.
 */
describe('the record of verification runs over HTTP', () => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  let auditorKey: string;
  const get = (path: string, key = auditorKey) => t.http().get(path).set('X-API-Key', key);
  const head = async () => (await t.app.get<EventStore>(EVENT_STORE).readAll()).length;
  const finished = async (id: string) => {
    for (let i = 0; i < 200; i++) {
      const job = (await get(`/ledger/verify/jobs/${id}`).expect(200)).body;
      if (job.state !== 'running') return job;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('verification did not finish');
  };

  beforeAll(async () => {
    t = await startTestApp({}, { keepData: true });
    auditorKey = (await t.http().post('/auth/keys').set('X-API-Key', ADMIN_KEY).send({ principalId: 'auditor_bli', roles: ['auditor'], agencies: [] }).expect(201)).body.apiKey;
    await t.http().post('/agencies').set('X-API-Key', ADMIN_KEY).send({ commandId: randomUUID(), agencyCode: 'SWD', name: '臺北市政府社會局', role: 'DATA_REQUESTER' }).expect(201);
  });
  afterAll(async () => {
    await t.close();
    rmSync(t.dataDir, { recursive: true, force: true });
  });

  it('records who ran which verification, with its outcome, and appends nothing to the ledger', async () => {
    expect((await get('/ledger/verify/jobs').expect(200)).body).toEqual({ runs: [], next: null });
    const before = await head();
    const started = await t.http().post('/ledger/verify/jobs').set('X-API-Key', auditorKey).send({ full: true }).expect(202);
    expect(started.body.startedBy).toBe('auditor_bli');
    await finished(started.body.id);
    await get('/ledger/verify?full=true', ADMIN_KEY).expect(200);
    expect(await head()).toBe(before);

    const { runs, next } = (await get('/ledger/verify/jobs').expect(200)).body;
    expect(next).toBeNull();
    expect(runs).toHaveLength(2);
    expect(runs[1]).toMatchObject({ id: started.body.id, mode: 'full', state: 'done', startedBy: 'auditor_bli', intact: true, failureCount: 0, failures: [], eventsChecked: before });
    expect(runs[0]).toMatchObject({ state: 'done', startedBy: 'admin', intact: true });
    expect(Date.parse(runs[1].finishedAt)).toBeGreaterThanOrEqual(Date.parse(runs[1].startedAt));
    const page = (await get('/ledger/verify/jobs?limit=1').expect(200)).body;
    expect(page.runs.map((r: { id: string }) => r.id)).toEqual([runs[0].id]);
    expect((await get(`/ledger/verify/jobs?limit=1&before=${page.next}`).expect(200)).body.runs.map((r: { id: string }) => r.id)).toEqual([runs[1].id]);
  });

  it('refuses bad paging with a 400 naming the field; integrators may not read it', async () => {
    for (const [query, field] of [['limit=0', 'limit'], ['limit=101', 'limit'], ['limit=abc', 'limit'], ['before=x', 'before'], [`before=${randomUUID()}`, 'before']]) {
      const res = await get(`/ledger/verify/jobs?${query}`).expect(400);
      expect(res.body.fields.map((f: { field: string }) => f.field)).toEqual([field]);
    }
    const integrator = (await t.http().post('/auth/keys').set('X-API-Key', ADMIN_KEY).send({ principalId: 'svc_swd', roles: ['integrator'], agencies: ['SWD'] }).expect(201)).body.apiKey;
    await get('/ledger/verify/jobs', integrator).expect(403);
  });

  it('keeps the record across a restart, and reports a run its dead process never finished as interrupted', async () => {
    const before = (await get('/ledger/verify/jobs').expect(200)).body.runs;
    await t.close();
    // A run that was going on when its process died: its last sign of life long ago.
    const db = new Database(join(t.dataDir, 'verification-runs.db'));
    const orphan = randomUUID();
    db.prepare("INSERT INTO verification_runs (id, mode, state, started_at, updated_at, started_by, events_checked, resumed_after_events) VALUES (?, 'full', 'running', ?, ?, 'ethics_1', 7, 0)")
      .run(orphan, '2025-07-01T01:00:00.000Z', '2025-07-01T01:00:01.000Z');
    db.close();
    t = await startTestApp({}, { dataDir: t.dataDir, keepData: true });
    const after = (await get('/ledger/verify/jobs').expect(200)).body.runs;
    expect(after.slice(1)).toEqual(before);
    expect(after[0]).toMatchObject({ id: orphan, state: 'interrupted', startedBy: 'ethics_1', eventsChecked: 7 });
    // A job from before the restart is answered from its record.
    expect((await get(`/ledger/verify/jobs/${before[0].id}`).expect(200)).body).toMatchObject({ id: before[0].id, state: 'done', intact: true });
  });
});
