import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SqliteEventStore } from '@ledger/event-store';
import { formatSignerKey, parseVerifierKey } from '@ledger/integrity';
import { SEED_AGENCY, seedAgencyYear, type SeededHistory } from '@ledger/package/testing/seed-history';
import { tamper, editText } from '@ledger/package/testing/tamper';
import { readZip, verifyPackage } from '@ledger/package/verify';
import { parseCsv } from '@ledger/package/csv';
import { createPersonalData, loadConfig } from '@ledger/platform';
import { ADMIN_KEY, startTestApp } from './support/app';

const root = resolve(__dirname, '..');
/** The daily audit streams are named by the Asia/Taipei day. */
const taipeiDay = (iso: string) => new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 10).replace(/-/g, '');
const cli = (dataDir: string, ...args: string[]) =>
  spawnSync(process.execPath, ['-r', '@swc-node/register', 'apps/ledger-cli/src/main.ts', ...args], {
    cwd: root,
    env: { ...process.env, LEDGER_DATA_DIR: dataDir, EVENTSTORE_URL: '', LEDGER_LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 120_000,
  });

const binary = (res: import('superagent').Response, callback: (err: Error | null, body: Buffer) => void) => {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => callback(null, Buffer.concat(chunks)));
};

describe('the inspection package over HTTP and the CLI (要點 十二(五))', () => {
  let dataDir: string;
  let seeded: SeededHistory;
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let auditor: string;
  let integrator: string;
  let publicKey: string;
  let adminCheckpoint: number;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ledger-package-e2e-'));
    // A year of history written straight to the store (the service's own command path is tested elsewhere),
    // with holders sealed in the same key vault the service will read.
    const personal = await createPersonalData(loadConfig({ LEDGER_DATA_DIR: dataDir }));
    let clock = new Date();
    const store = new SqliteEventStore({ file: join(dataDir, 'events.db'), synchronous: 'OFF', now: () => clock });
    seeded = await seedAgencyYear(store, {
      registrations: 60,
      setClock: (at) => (clock = at),
      protect: async (h) => {
        const { personId } = await personal.protector.resolvePerson(h.nationalId);
        return { personId, ...(await personal.protector.protect(personId, h)) };
      },
    });
    await store.close();
    await personal.close();
    app = await startTestApp({ LEDGER_SIGNING_KEY: formatSignerKey(seeded.signer) }, { dataDir, keepData: true });
    const issue = async (principalId: string, roles: string[], agencies: string[] = []) =>
      (await app.http().post('/auth/keys').set('X-API-Key', ADMIN_KEY).send({ principalId, roles, agencies }).expect(201)).body.apiKey as string;
    auditor = await issue('bli_inspection_2026', ['auditor']);
    integrator = await issue('svc_swd', ['integrator'], [SEED_AGENCY]);
    publicKey = (await app.http().get('/ledger/public-key').expect(200)).body.verifierKey;
    // The seed left an event after its last checkpoint: the restarted service holds checkpoints back
    // until an admin has verified and signs one on demand (README, the attacker's window).
    adminCheckpoint = (await app.http().post('/ledger/checkpoints').set('X-API-Key', ADMIN_KEY).expect(201)).body.treeSize;
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const startJob = (body: object, key = auditor) => app.http().post('/packages/jobs').set('X-API-Key', key).send(body);
  async function finished(id: string) {
    for (let i = 0; i < 200; i++) {
      const job = (await app.http().get(`/packages/jobs/${id}`).set('X-API-Key', auditor).expect(200)).body;
      if (job.state !== 'running') return job;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('package job did not finish');
  }
  const download = async (id: string) =>
    (await app.http().get(`/packages/jobs/${id}/file`).set('X-API-Key', auditor).buffer(true).parse(binary).expect(200).expect('Content-Type', 'application/zip')).body as Buffer;

  it('refuses bad input with a 400 naming the field, and anyone but an auditor with a 403', async () => {
    const fields = async (body: object) => (await startJob(body).expect(400)).body.fields.map((f: { field: string }) => f.field);
    expect(await fields({ agencyCode: SEED_AGENCY, from: '2025-02-30', to: '2025-12-31' })).toContain('from');
    expect(await fields({ agencyCode: 'SWD-001', from: '2025-01-01', to: '2025-12-31' })).toContain('agencyCode');
    expect(await fields({ agencyCode: SEED_AGENCY, from: '2025-12-31', to: '2025-01-01' })).toEqual(['to']);
    expect(await fields({ agencyCode: SEED_AGENCY, from: '2025-01-01', to: '2025-12-31', reveal: true })).toEqual(['purpose']);
    await startJob({ agencyCode: SEED_AGENCY, from: '2025-01-01', to: '2025-12-31' }, integrator).expect(403);
    await app.http().get('/packages/jobs/not-a-uuid').set('X-API-Key', auditor).expect(400);
  });

  it('generates as a job with progress; the download verifies offline with the pinned key; the generation is recorded', async () => {
    const started = (await startJob({ agencyCode: SEED_AGENCY, from: '2025-01-01', to: '2025-12-31' }).expect(202)).body;
    expect(started).toMatchObject({ state: 'running', agencyCode: SEED_AGENCY, holders: 'masked' });
    const job = await finished(started.id);
    expect(job).toMatchObject({ state: 'done', eventsRead: job.totalEvents, file: `/packages/jobs/${started.id}/file` });
    // Drawn from a checkpoint signed at the request, after the admin's.
    expect(job.checkpoint.treeSize).toBeGreaterThan(adminCheckpoint);
    const zip = await download(started.id);
    const result = await verifyPackage(zip, { publicKeys: [parseVerifierKey(publicKey)] });
    expect(result.failures).toEqual([]);
    expect(result.keyPinned).toBe(true);
    const { entries } = await readZip(zip);
    const roster = parseCsv(entries.get('03-使用者清冊.csv')!.toString('utf8'));
    // Decrypted from the vault and masked; the later disable (2025-12-30, recorded after the seed's checkpoint) is now in.
    expect(roster.slice(2).every((r) => /^A1\d\*{4}\d{3}$/.test(r.cells[2]) && /^王○/.test(r.cells[3]))).toBe(true);
    expect(roster.filter((r) => r.cells[5] === '停用')).toHaveLength(2);
    const day = taipeiDay(job.finishedAt);
    const recorded = (await app.http().get(`/ledger/streams/pkgaccess-${day}`).set('X-API-Key', auditor).expect(200)).body;
    const events = recorded.events ?? recorded;
    expect(events.map((e: { type: string; data: { packageId: string; manifestSha256: string } }) => [e.type, e.data.packageId, e.data.manifestSha256])).toContainEqual(['InspectionPackageGenerated', started.id, job.manifestSha256]);
    // Another auditor cannot read this auditor's package.
    const other = (await app.http().post('/auth/keys').set('X-API-Key', ADMIN_KEY).send({ principalId: 'other_auditor', roles: ['auditor'], agencies: [] }).expect(201)).body.apiKey;
    await app.http().get(`/packages/jobs/${started.id}/file`).set('X-API-Key', other).expect(403);
  }, 120_000);

  it('reveals holders only with a purpose, recorded before the package is made', async () => {
    const purpose = '勞保局115年度稽核:提供使用者清冊';
    const started = (await startJob({ agencyCode: SEED_AGENCY, from: '2025-01-01', to: '2025-12-31', reveal: true, purpose }).expect(202)).body;
    const job = await finished(started.id);
    expect(job.state).toBe('done');
    const zip = await download(started.id);
    const { entries } = await readZip(zip);
    const roster = parseCsv(entries.get('03-使用者清冊.csv')!.toString('utf8'));
    expect(roster.slice(2).map((r) => r.cells[2])).toEqual(expect.arrayContaining([...seeded.holders.values()].slice(0, 2).map((h) => h.nationalId)));
    const day = taipeiDay(job.finishedAt);
    const reads = (await app.http().get(`/ledger/streams/pdaccess-${day}`).set('X-API-Key', auditor).expect(200)).body;
    expect((reads.events ?? reads).some((e: { type: string; data: { purpose: string; route: string } }) => e.type === 'PersonalDataRead' && e.data.purpose === purpose && e.data.route === '/packages/jobs')).toBe(true);
    expect((await verifyPackage(zip, { publicKeys: [parseVerifierKey(publicKey)] })).ok).toBe(true);
  }, 120_000);

  it('the CLI writes a package and verify-package checks it offline: exit 0, and exit 1 naming the first failure', async () => {
    await app.close();
    const out = join(dataDir, 'cli-package.zip');
    const made = cli(dataDir, 'package', '--agency', SEED_AGENCY, '--year', '2025', '--out', out);
    expect(made.stderr).toBe('');
    expect(made.stdout).toMatch(/wrote .*cli-package\.zip: \d+ events of SWD001 from 2025-01-01 to 2025-12-31/);
    expect(made.status).toBe(0);
    expect(existsSync(out)).toBe(true);
    const keyFile = join(dataDir, 'ledger.pub');
    writeFileSync(keyFile, `${publicKey}\n`);
    const ok = cli(dataDir, 'verify-package', out, '--public-key', keyFile);
    expect(ok.stdout).toMatch(/^VALID: /);
    expect(ok.stdout).toContain('key pinned');
    expect(ok.status).toBe(0);
    const forged = join(dataDir, 'forged.zip');
    writeFileSync(forged, await tamper(readFileSync(out), (e) => editText(e, '07-查詢資料登記.csv', (t) => t.replace('低收入戶資格審查', '其他事由')), { rewriteManifest: true }));
    const bad = cli(dataDir, 'verify-package', forged, '--public-key', publicKey);
    expect(bad.stdout).toMatch(/^INVALID: 07-查詢資料登記\.csv line 3 \(event queryregistration-SWD001_\d+@0\): 事由: "其他事由/);
    expect(bad.status).toBe(1);
  }, 240_000);
});
