import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConsistencyBundle, checkInclusionBundle, parseVerifierKey } from '@ledger/integrity';
import { ADMIN_KEY, startTestApp } from './support/app';

describe('signed checkpoints, proofs and verification jobs over HTTP (embedded store)', () => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  let first = 0; // size of the first checkpoint's tree
  let second = 0;
  let witnessDir: string;
  beforeAll(async () => {
    witnessDir = mkdtempSync(join(tmpdir(), 'ledger-witness-'));
    t = await startTestApp({ LEDGER_WITNESS_DIR: witnessDir });
  });
  afterAll(async () => {
    await t.close();
    rmSync(witnessDir, { recursive: true, force: true });
  });
  const get = (path: string) => t.http().get(path).set('X-API-Key', ADMIN_KEY);
  const register = (agencyCode: string) =>
    t.http().post('/agencies').set('X-API-Key', ADMIN_KEY).send({ commandId: randomUUID(), occurredAt: '2025-07-01T09:00:00+08:00', agencyCode, name: '臺北市政府社會局', role: 'DATA_REQUESTER' }).expect(201);

  it('publishes the public key to pin (no API key needed); the generated signing key file is 0600', async () => {
    const res = await t.http().get('/ledger/public-key').expect(200);
    expect(res.body).toMatchObject({ algorithm: 'Ed25519', keyName: 'webir-ledger', keyId: expect.stringMatching(/^[0-9a-f]{8}$/) });
    expect(parseVerifierKey(res.body.verifierKey).keyId.toString(16).padStart(8, '0')).toBe(res.body.keyId);
    expect(statSync(join(t.dataDir, 'keys', 'ledger-signing.key')).mode & 0o777).toBe(0o600);
  });

  it('a checkpoint is signed on demand, appended to the ledger and written to the witness directory', async () => {
    await get('/ledger/checkpoints/latest').expect(404);
    await register('SWD001');
    await register('SWD002');
    const issued = await t.http().post('/ledger/checkpoints').set('X-API-Key', ADMIN_KEY).send({}).expect(201);
    first = issued.body.treeSize;
    // Everything so far (the admin key, the key announcement, 2 agencies), its own event right after it.
    expect(issued.body).toMatchObject({ reason: 'on-demand', position: String(first + 1) });
    expect(first).toBeGreaterThanOrEqual(3);
    const latest = await get('/ledger/checkpoints/latest').expect(200);
    expect(latest.body.note).toBe(issued.body.note);
    expect(latest.body.witnesses).toEqual([expect.objectContaining({ ok: true, treeSize: first })]);
    expect(readFileSync(join(witnessDir, 'checkpoint'), 'utf8')).toBe(issued.body.note);
    const asNote = await get('/ledger/checkpoints/latest?format=note').expect(200);
    expect(asNote.text).toBe(issued.body.note);
    const stream = await get('/ledger/streams/ledger-checkpoints').expect(200);
    expect(stream.body.events).toEqual([expect.objectContaining({ type: 'CheckpointIssued', data: expect.objectContaining({ treeSize: first, note: issued.body.note }) })]);
  });

  it('inclusion and consistency proofs verify offline with only the public key', async () => {
    const key = parseVerifierKey((await t.http().get('/ledger/public-key')).body.verifierKey);
    const agency = (await get('/ledger/streams/agency-SWD002').expect(200)).body.events[0];
    const byId = await get(`/ledger/proofs/inclusion?eventId=${agency.eventId}`).expect(200);
    expect(byId.body).toMatchObject({ type: 'inclusion', tree_size: first, leaf_index: Number(agency.position) - 1, event_hash: agency.metadata.hash, stream_id: 'agency-SWD002' });
    expect(checkInclusionBundle(byId.body, [key])).toMatchObject({ ok: true });
    const byPosition = await get(`/ledger/proofs/inclusion?position=${agency.position}`).expect(200);
    expect(byPosition.body.inclusion_path).toEqual(byId.body.inclusion_path);

    await register('SWD003');
    second = (await t.http().post('/ledger/checkpoints').set('X-API-Key', ADMIN_KEY).send({}).expect(201)).body.treeSize;
    expect(second).toBeGreaterThan(first + 1); // the first checkpoint's event and SWD003's
    const consistency = await get(`/ledger/proofs/consistency?from=${first}`).expect(200);
    expect(consistency.body).toMatchObject({ type: 'consistency', tree_size_1: first, tree_size_2: second, checkpoint_1: expect.any(String) });
    expect(checkConsistencyBundle(consistency.body, [key])).toMatchObject({ ok: true });
    expect(readFileSync(join(witnessDir, 'checkpoint'), 'utf8')).toBe(consistency.body.checkpoint_2);
  });

  it('refuses malformed proof requests with a 400 naming the field', async () => {
    expect((await get('/ledger/proofs/inclusion?position=abc').expect(400)).body.fields).toEqual([expect.objectContaining({ field: 'position' })]);
    expect((await get('/ledger/proofs/inclusion?position=1&eventId=x').expect(400)).body.fields).toEqual([expect.objectContaining({ field: 'position' })]);
    expect((await get('/ledger/proofs/inclusion?eventId=nope').expect(400)).body.fields).toEqual([expect.objectContaining({ field: 'eventId' })]);
    expect((await get('/ledger/proofs/consistency').expect(400)).body.fields).toEqual([expect.objectContaining({ field: 'from' })]);
    expect((await get('/ledger/proofs/consistency?from=99').expect(400)).body.fields).toEqual([expect.objectContaining({ field: 'from' })]);
    await get('/ledger/proofs/inclusion?position=999').expect(404);
    await get(`/ledger/proofs/inclusion?treeSize=${first + 1}&position=1`).expect(404);
    await t.http().post('/ledger/verify/jobs').set('X-API-Key', ADMIN_KEY).send({ full: 'yes' }).expect(400);
  });

  it('verification runs as a job that auditors start and poll; the next run is incremental', async () => {
    const started = await t.http().post('/ledger/verify/jobs').set('X-API-Key', ADMIN_KEY).send({ full: true }).expect(202);
    expect(started.body).toMatchObject({ mode: 'full', id: expect.any(String) });
    let job = started.body;
    for (let i = 0; i < 100 && job.state === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      job = (await get(`/ledger/verify/jobs/${job.id}`).expect(200)).body;
    }
    expect(job).toMatchObject({ state: 'done', report: { intact: true, failures: [], keysPinned: true } });
    expect(job.report.checkpoints).toEqual([expect.objectContaining({ ok: true, size: first }), expect.objectContaining({ ok: true, size: second })]);

    const before = job.report.eventsChecked;
    await register('SWD004');
    const again = await get('/ledger/verify').expect(200);
    expect(again.body.intact).toBe(true);
    expect(again.body.eventsVerifiedThisRun).toBe(again.body.eventsChecked - before);
    expect(again.body.eventsVerifiedThisRun).toBeLessThan(4);
    const full = await get('/ledger/verify?full=true').expect(200);
    expect(full.body).toMatchObject({ intact: true, eventsChecked: again.body.eventsChecked, eventsVerifiedThisRun: again.body.eventsChecked });
    await get(`/ledger/verify/jobs/${randomUUID()}`).expect(404);
  });
});

describe('checkpoints across a restart', () => {
  it('a graceful stop covers the tail; an old uncovered tail found at start holds checkpoints back until an admin issues one', async () => {
    let now = Date.parse('2025-07-15T03:00:00Z');
    const clock = () => new Date(now);
    const first = await startTestApp({}, { keepData: true, clock });
    const dataDir = first.dataDir;
    try {
      const register = (app: typeof first, agencyCode: string) =>
        app.http().post('/agencies').set('X-API-Key', ADMIN_KEY).send({ commandId: randomUUID(), occurredAt: '2025-07-15T09:00:00+08:00', agencyCode, name: '臺北市政府社會局', role: 'DATA_REQUESTER' }).expect(201);
      await register(first, 'RS1');
      await first.http().post('/ledger/checkpoints').set('X-API-Key', ADMIN_KEY).send({}).expect(201);
      await register(first, 'RS2');
      await first.close(); // covers RS2 with a 'shutdown' checkpoint

      now += 3_600_000;
      const second = await startTestApp({}, { dataDir, keepData: true, clock });
      const latest = (await second.http().get('/ledger/checkpoints/latest').set('X-API-Key', ADMIN_KEY).expect(200)).body;
      expect(latest).toMatchObject({ reason: 'shutdown' });
      expect(latest.blocked).toBeUndefined();
      await register(second, 'RS3');
      // A crash: the process dies without its shutdown checkpoint, and comes back an hour later.
      const { CheckpointService } = await import('../apps/ledger-api/src/integrity/checkpoint.service');
      jest.spyOn(second.app.get(CheckpointService), 'beforeApplicationShutdown').mockResolvedValue(undefined);
      await second.close();

      now += 3_600_000;
      const third = await startTestApp({}, { dataDir, keepData: true, clock });
      try {
        const held = (await third.http().get('/health/details').set('X-API-Key', ADMIN_KEY).expect(200)).body.checkpoints;
        expect(held.blocked).toMatch(/recorded while no checkpoint was being issued/);
        const report = (await third.http().get('/ledger/verify').set('X-API-Key', ADMIN_KEY).expect(200)).body;
        expect(report.failures).toEqual([expect.objectContaining({ reason: 'UNCOVERED_EVENTS' })]);
        await third.http().post('/ledger/checkpoints').set('X-API-Key', ADMIN_KEY).send({}).expect(201);
        expect((await third.http().get('/health/details').set('X-API-Key', ADMIN_KEY).expect(200)).body.checkpoints.blocked).toBeUndefined();
        expect((await third.http().get('/ledger/verify?full=true').set('X-API-Key', ADMIN_KEY).expect(200)).body).toMatchObject({ intact: true });
      } finally {
        await third.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 30_000); // three service starts
});

describe('month close', () => {
  it('a checkpoint closes each Asia/Taipei month, even with no new events', async () => {
    let now = Date.parse('2025-07-31T15:30:00Z'); // 23:30 in Taipei
    const t = await startTestApp({}, { clock: () => new Date(now) });
    try {
      await t.http().post('/ledger/checkpoints').set('X-API-Key', ADMIN_KEY).send({}).expect(201);
      const { CheckpointService } = await import('../apps/ledger-api/src/integrity/checkpoint.service');
      const service = t.app.get(CheckpointService);
      await service.tick();
      expect((await service.latest())?.reason).toBe('on-demand'); // still July in Taipei
      now = Date.parse('2025-07-31T16:00:30Z'); // 00:00:30 on 1 August in Taipei
      await service.tick();
      const stream = (await t.http().get('/ledger/streams/ledger-checkpoints').set('X-API-Key', ADMIN_KEY).expect(200)).body.events;
      expect(stream.map((e: { data: { reason: string; monthClosed?: string } }) => [e.data.reason, e.data.monthClosed])).toEqual([['on-demand', undefined], ['month-close', '2025-07']]);
      await service.tick();
      expect((await t.http().get('/ledger/streams/ledger-checkpoints').set('X-API-Key', ADMIN_KEY).expect(200)).body.events).toHaveLength(2);
    } finally {
      await t.close();
    }
  });
});
