import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SqliteEventStore } from '@ledger/event-store';

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
    expect(json.failures).toEqual([expect.objectContaining({ streamId: 'agency-A1', revision: 1, reason: 'HASH_MISMATCH' })]);
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
