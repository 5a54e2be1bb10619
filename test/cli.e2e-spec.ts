import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { announceSigningKey, issueCheckpoint, SqliteEventStore } from '@ledger/event-store';
import { formatVerifierKey, generateSignerKey, leafHash, MemoryTree, toBase64, verifierOf } from '@ledger/integrity';
import { SqliteReadModelStore } from '@ledger/read-models';

const root = resolve(__dirname, '..');
const cli = (dataDir: string, ...args: string[]) =>
  spawnSync(process.execPath, ['-r', '@swc-node/register', 'apps/ledger-cli/src/main.ts', ...args], {
    cwd: root,
    env: { ...process.env, LEDGER_DATA_DIR: dataDir, EVENTSTORE_URL: '' },
    encoding: 'utf8',
    timeout: 60_000,
  });

describe('npm run cli -- verify', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ledger-cli-'));
    const store = new SqliteEventStore({ file: join(dataDir, 'events.db') });
    const meta = () => ({ $correlationId: randomUUID(), $causationId: randomUUID(), commandId: randomUUID(), actor: 'cli-test', occurredAt: '2025-07-01T00:00:00.000Z' });
    await store.append('agency-A1', [0, 1, 2].map((n) => ({ eventId: randomUUID(), type: 'Thing', data: { n }, metadata: meta() })), 'no_stream');
    await store.close();
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('exits 0 and says INTACT on an untouched ledger', () => {
    const run = cli(dataDir, 'verify');
    expect(run.stdout).toContain('INTACT: 3 events in 1 streams checked');
    expect(run.status).toBe(0);
  });

  it('exits 1 and names stream, revision and reason once an event was altered', () => {
    const db = new Database(join(dataDir, 'events.db'));
    db.exec(`DROP TRIGGER events_refuse_update; UPDATE events SET data = '{"n":42}' WHERE stream_id = 'agency-A1' AND revision = 1;`);
    db.close();
    const run = cli(dataDir, 'verify');
    expect(run.stdout).toContain('BROKEN');
    expect(run.stdout).toMatch(/agency-A1 @ revision 1 \(position 2\): HASH_MISMATCH/);
    expect(run.status).toBe(1);
    const json = JSON.parse(cli(dataDir, 'verify', '--json').stdout);
    // Verifying is read-only: the dropped trigger stays dropped, and is itself a finding.
    expect(json.failures).toEqual([
      expect.objectContaining({ streamId: 'agency-A1', revision: 1, reason: 'HASH_MISMATCH' }),
      expect.objectContaining({ reason: 'APPEND_ONLY_GUARD_MISSING', detail: 'trigger events_refuse_update is missing' }),
    ]);
  });

  it('rebuild drops and replays every read model, or one by name', () => {
    const all = cli(dataDir, 'rebuild');
    expect(all.stdout).toMatch(/rebuilt roster: position 3 in/);
    expect(all.stdout).toMatch(/rebuilt obligations: position 3 in/);
    expect(all.status).toBe(0);
    const one = cli(dataDir, 'rebuild', 'obligations');
    expect(one.stdout).not.toContain('rebuilt roster');
    expect(one.status).toBe(0);
    const unknown = cli(dataDir, 'rebuild', 'nope');
    expect(unknown.stderr).toContain('known: roster, obligations');
    expect(unknown.status).toBe(2);
  });

  it('rebuild refuses, dropping nothing, while another process holds the projection\'s lease (a service or a projector runs it)', async () => {
    const readModels = new SqliteReadModelStore({ file: join(dataDir, 'read-models.db') });
    // The checkpoint's key carries the projection's format version (obligations is at 2).
    const before = await readModels.checkpoint('obligations@v2');
    expect(before).toBe(3n);
    expect(await readModels.acquireLease('obligations', 'projector:test', 60_000)).toBe(true);
    try {
      const refused = cli(dataDir, 'rebuild', 'obligations');
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain('refused: another process runs obligations (run by projector:test until');
      expect(refused.stdout).not.toContain('rebuilt');
      expect(await readModels.checkpoint('obligations@v2')).toBe(before);
    } finally {
      await readModels.releaseLease('obligations', 'projector:test');
      await readModels.close();
    }
    expect(cli(dataDir, 'rebuild', 'obligations').status).toBe(0);
  });

  it('exits 2 with usage on an unknown command', () => {
    const run = cli(dataDir, 'frobnicate');
    expect(run.stderr).toContain("unknown command 'frobnicate'");
    expect(run.stderr).toContain('Usage: npm run cli');
    expect(run.status).toBe(2);
  });

  it('refuses an unknown option instead of ignoring it (verify --jsno)', () => {
    const run = cli(dataDir, 'verify', '--jsno');
    expect(run.stderr).toContain("unknown option '--jsno'");
    expect(run.stdout).toBe('');
    expect(run.status).toBe(2);
  });

  it('prints help for a command and exits 0', () => {
    const run = cli(dataDir, 'rebuild', '--help');
    expect(run.stdout).toContain('Usage: npm run cli -- rebuild [options] [projection]');
    expect(run.status).toBe(0);
  });
});

describe('npm run cli -- verify --checkpoint, and verify-proof offline', () => {
  let dataDir: string;
  let keyFile: string;
  let checkpointFile: string;
  const signer = generateSignerKey('webir-ledger');
  const meta = () => ({ $correlationId: randomUUID(), $causationId: randomUUID(), commandId: randomUUID(), actor: 'cli-test', occurredAt: '2025-07-01T00:00:00.000Z' });
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ledger-cli-cp-'));
    const store = new SqliteEventStore({ file: join(dataDir, 'events.db') });
    await announceSigningKey(store, signer, new Date());
    for (let i = 0; i < 5; i++) {
      await store.append(`agency-B${i}`, [0, 1].map((n) => ({ eventId: randomUUID(), type: 'Thing', data: { n }, metadata: meta() })), 'no_stream');
    }
    const issued = await issueCheckpoint(store, signer, { reason: 'on-demand', now: new Date() });
    await store.close();
    checkpointFile = join(dataDir, 'taken-before.checkpoint');
    writeFileSync(checkpointFile, issued.note);
    keyFile = join(dataDir, 'ledger.pub');
    writeFileSync(keyFile, formatVerifierKey(verifierOf(signer)) + '\n');
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('exits 0 when the log extends the checkpoint, 1 naming the missing positions once its tail was deleted', () => {
    const ok = cli(dataDir, 'verify', '--checkpoint', checkpointFile, '--public-key', keyFile);
    expect(ok.stdout).toContain('INTACT: 12 events');
    expect(ok.stdout).toMatch(/2\/2 checkpoints good \(1 from outside the store\); 1 events after the latest; keys pinned/);
    expect(ok.status).toBe(0);

    const attacked = mkdtempSync(join(tmpdir(), 'ledger-cli-attacked-'));
    try {
      copyFileSync(join(dataDir, 'events.db'), join(attacked, 'events.db'));
      const db = new Database(join(attacked, 'events.db'));
      db.exec('DROP TRIGGER events_refuse_delete; DELETE FROM events WHERE position > 8;');
      db.exec(`CREATE TRIGGER events_refuse_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'ledger events are append-only: DELETE refused'); END;`);
      db.close();
      const broken = cli(attacked, 'verify', '--checkpoint', checkpointFile, '--public-key', keyFile);
      expect(broken.stdout).toContain('BROKEN: 8 events');
      expect(broken.stdout).toMatch(/LOG_TRUNCATED — external checkpoint covers 11 events, the log has 8: 3 removed from the end \(positions 9\.\.11\)/);
      expect(broken.status).toBe(1);
    } finally {
      rmSync(attacked, { recursive: true, force: true });
    }
  });

  it('verify-proof checks an inclusion proof and the exported event with only the public key', async () => {
    const store = new SqliteEventStore({ file: join(dataDir, 'events.db'), readonly: true });
    const events = await store.readAll();
    await store.close();
    const tree = new MemoryTree();
    events.slice(0, 11).forEach((e) => tree.appendLeafHash(leafHash(Buffer.from(e.metadata.hash, 'hex'))));
    const target = events[4];
    const bundle = { type: 'inclusion', checkpoint: readFileSync(checkpointFile, 'utf8'), tree_size: 11, leaf_index: 4, event_hash: target.metadata.hash, inclusion_path: toBase64(tree.inclusionProof(4, 11)) };
    const proofFile = join(dataDir, 'proof.json');
    const eventFile = join(dataDir, 'event.json');
    writeFileSync(proofFile, JSON.stringify(bundle));
    writeFileSync(eventFile, JSON.stringify({ ...target, position: target.position.toString() }));
    const valid = cli(dataDir, 'verify-proof', proofFile, '--public-key', keyFile, '--event', eventFile);
    expect(valid.stdout).toMatch(/^VALID: leaf 4 is in the tree of size 11 signed by webir-ledger; the event agency-B1 revision 1 hashes to it/);
    expect(valid.status).toBe(0);

    writeFileSync(eventFile, JSON.stringify({ ...target, data: { n: 99 }, position: target.position.toString() }));
    const tampered = cli(dataDir, 'verify-proof', proofFile, '--public-key', keyFile, '--event', eventFile);
    expect(tampered.stdout).toMatch(/^INVALID: the event hashes to [0-9a-f]{64}, not to the proven leaf/);
    expect(tampered.status).toBe(1);
    // (a wrong leaf index, a stranger's key: refused by checkProofBundle, unit-tested in libs/integrity)
    expect(cli(dataDir, 'verify-proof', proofFile).status).toBe(2); // --public-key is required
  });
});
