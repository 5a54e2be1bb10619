import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@ledger/event-store';
import { formatSignerKey, parseVerifierKey } from '@ledger/integrity';
import { SEED_AGENCY, seedAgencyYear } from '@ledger/package/testing/seed-history';
import { verifyPackage } from '@ledger/package/verify';
import { createPersonalData, loadConfig } from '@ledger/platform';
import { INTERRUPTED, PackageJobLog } from '../apps/ledger-api/src/packages/package-job-log';
import { ADMIN_KEY, startTestApp } from './support/app';

const binary = (res: import('superagent').Response, callback: (err: Error | null, body: Buffer) => void) => {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => callback(null, Buffer.concat(chunks)));
};

/** Package jobs (要點 十二(五)) outlive the service's process: the list, the files, and what a restart cut short. */
describe('package jobs across a restart of the service', () => {
  let dataDir: string;
  let signingKey: string;
  let app: Awaited<ReturnType<typeof startTestApp>>;
  const keyOf = async (principalId: string) =>
    (await app.http().post('/auth/keys').set('X-API-Key', ADMIN_KEY).send({ principalId, roles: ['auditor'], agencies: [] }).expect(201)).body.apiKey as string;
  const start = () => startTestApp({ LEDGER_SIGNING_KEY: signingKey }, { dataDir, keepData: true });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ledger-package-jobs-e2e-'));
    const personal = await createPersonalData(loadConfig({ LEDGER_DATA_DIR: dataDir }));
    let clock = new Date();
    const store = new SqliteEventStore({ file: join(dataDir, 'events.db'), synchronous: 'OFF', now: () => clock });
    const seeded = await seedAgencyYear(store, {
      registrations: 10,
      setClock: (at) => (clock = at),
      protect: async (h) => {
        const { personId } = await personal.protector.resolvePerson(h.nationalId);
        return { personId, ...(await personal.protector.protect(personId, h)) };
      },
    });
    await store.close();
    await personal.close();
    signingKey = formatSignerKey(seeded.signer);
    app = await start();
    await app.http().post('/ledger/checkpoints').set('X-API-Key', ADMIN_KEY).expect(201);
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps the list, who asked, the parameters and the file; a job cut short by the restart is interrupted, not running', async () => {
    const auditor = await keyOf('bli_inspection_2026');
    const other = await keyOf('other_auditor');
    const started = (await app.http().post('/packages/jobs').set('X-API-Key', auditor).send({ agencyCode: SEED_AGENCY, from: '2025-01-01', to: '2025-12-31' }).expect(202)).body;
    let done = started;
    for (let i = 0; i < 300 && done.state === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      done = (await app.http().get(`/packages/jobs/${started.id}`).set('X-API-Key', auditor).expect(200)).body;
    }
    expect(done).toMatchObject({ state: 'done', requestedBy: 'bli_inspection_2026', agencyCode: SEED_AGENCY, from: '2025-01-01', to: '2025-12-31', holders: 'masked' });
    await app.close();

    // What a process killed mid-package leaves behind (an app of this very process, so its pid is no
    // proof of life): a job still marked running and half a zip.
    const cut = randomUUID();
    const partial = join(dataDir, 'packages', `${cut}.zip`);
    const orphan = new PackageJobLog(join(dataDir, 'package-jobs.db'), { id: `${hostname()}:${process.pid}:0dead000`, host: hostname(), pid: process.pid });
    orphan.started({ id: cut, state: 'running', agencyCode: SEED_AGENCY, from: '2025-07-01', to: '2025-09-30', holders: 'masked', requestedBy: 'bli_inspection_2026', startedAt: new Date().toISOString(), eventsRead: 0 }, partial);
    orphan.progress(cut, 500, 2000, new Date().toISOString());
    orphan.close();
    writeFileSync(partial, 'PK\u0003\u0004 half a zip');

    app = await start();
    const listed = (await app.http().get('/packages/jobs').set('X-API-Key', auditor).expect(200)).body;
    expect(listed.next).toBeNull();
    expect(listed.jobs.map((j: { id: string; state: string }) => [j.id, j.state])).toEqual([[cut, 'interrupted'], [started.id, 'done']]);
    expect(listed.jobs[0]).toMatchObject({ eventsRead: 500, totalEvents: 2000, error: INTERRUPTED, from: '2025-07-01', to: '2025-09-30' });
    expect(listed.jobs[0].finishedAt).toEqual(expect.any(String));
    expect(listed.jobs[1]).toEqual({ ...done, file: `/packages/jobs/${started.id}/file` });
    expect(existsSync(partial)).toBe(false);
    // The zip made before the restart is still served, and still verifies.
    const zip = (await app.http().get(`/packages/jobs/${started.id}/file`).set('X-API-Key', auditor).buffer(true).parse(binary).expect(200)).body as Buffer;
    expect(zip.length).toBe(done.bytes);
    const publicKey = (await app.http().get('/ledger/public-key').expect(200)).body.verifierKey as string;
    expect((await verifyPackage(zip, { publicKeys: [parseVerifierKey(publicKey)] })).ok).toBe(true);
    await app.http().get(`/packages/jobs/${cut}/file`).set('X-API-Key', auditor).expect(404);
    // Only the one who asked sees a job.
    expect((await app.http().get('/packages/jobs').set('X-API-Key', other).expect(200)).body.jobs).toEqual([]);
    await app.http().get(`/packages/jobs/${started.id}`).set('X-API-Key', other).expect(403);
    // The files are the owner's alone.
    expect(statSync(join(dataDir, 'packages')).mode & 0o077).toBe(0);
    expect(statSync(join(dataDir, 'package-jobs.db')).mode & 0o077).toBe(0);
    expect(statSync(join(dataDir, 'packages', `${started.id}.zip`)).mode & 0o077).toBe(0);
  }, 120_000);

  it('pages the list, and refuses a bad page with a 400 naming the field', async () => {
    const auditor = await keyOf('bli_inspection_2026');
    const first = (await app.http().get('/packages/jobs?limit=1').set('X-API-Key', auditor).expect(200)).body;
    expect(first.jobs.map((j: { state: string }) => j.state)).toEqual(['interrupted']);
    const second = (await app.http().get(`/packages/jobs?limit=1&before=${first.next}`).set('X-API-Key', auditor).expect(200)).body;
    expect(second.next).toBeNull();
    expect(second.jobs.map((j: { state: string }) => j.state)).toEqual(['done']);
    const field = async (query: string) => (await app.http().get(`/packages/jobs?${query}`).set('X-API-Key', auditor).expect(400)).body.fields.map((f: { field: string }) => f.field);
    expect(await field('limit=0')).toEqual(['limit']);
    expect(await field('limit=101')).toEqual(['limit']);
    expect(await field('before=nope')).toEqual(['before']);
    expect(await field(`before=${randomUUID()}`)).toEqual(['before']);
    const integrator = (await app.http().post('/auth/keys').set('X-API-Key', ADMIN_KEY).send({ principalId: 'svc_x', roles: ['integrator'], agencies: [SEED_AGENCY] }).expect(201)).body.apiKey;
    await app.http().get('/packages/jobs').set('X-API-Key', integrator).expect(403);
  });
});
