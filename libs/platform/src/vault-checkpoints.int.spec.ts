import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDataKeyVault } from '@ledger/personal-data';
import { fileSizeOnceAbove } from '@ledger/testing';
import { startWalCheckpointer } from '@ledger/event-store';
import { nationalId } from '../../../test/support/webir-log';
import { loadConfig } from './config';
import { createPersonalData } from './personal-data.factory';

const masterKey = Buffer.alloc(32, 0x3c);
const blindIndexes = (n: number) => Array.from({ length: n }, (_, i) => createHash('sha256').update(`subject-${i}`).digest('hex'));

/**
 * The vault's WAL checkpoints can run off the committing thread: the platform passes the event
 * store's checkpoint thread in (this library imports nothing). Checked by the database file taking
 * in the committed pages while no commit crossed SQLite's own threshold.
 */
describe('SqliteDataKeyVault: background WAL checkpoints', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vault-ckpt-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('with a checkpoint starter the file takes in the pages; every person and key is there after reopening', async () => {
    const path = join(dir, 'keys.db');
    let started = 0;
    const vault = new SqliteDataKeyVault({
      path,
      masterKey,
      backgroundCheckpoints: (writer) => (started++, startWalCheckpointer(writer)),
    });
    expect(started).toBe(1);
    const before = statSync(path).size;
    const made = await vault.personsWithKeys(blindIndexes(1_500));
    expect(await fileSizeOnceAbove(path, before + 100_000, 3_000)).toBeGreaterThan(before + 100_000);
    vault.close();
    const again = new SqliteDataKeyVault({ path, masterKey });
    const found = await again.personsWithKeys(blindIndexes(1_500));
    expect(found.map((f) => f.personId)).toEqual(made.map((m) => m.personId));
    expect(found.every((f, i) => f.known && f.key.equals(made[i].key))).toBe(true);
    again.close();
  });

  it('the platform’s embedded vault checkpoints in the background', async () => {
    const config = loadConfig({ LEDGER_DATA_DIR: dir });
    const personal = await createPersonalData(config, {});
    const path = join(dir, 'keys.db');
    const before = statSync(path).size;
    await personal.protector.protectIdentifiers(Array.from({ length: 1_500 }, (_, i) => nationalId(i)));
    expect(await fileSizeOnceAbove(path, before + 100_000, 3_000)).toBeGreaterThan(before + 100_000);
    await personal.close();
  });

  it('without one, below SQLite’s threshold the file keeps its size (the control)', async () => {
    const path = join(dir, 'keys.db');
    const vault = new SqliteDataKeyVault({ path, masterKey });
    const before = statSync(path).size;
    await vault.personsWithKeys(blindIndexes(1_500));
    expect(await fileSizeOnceAbove(path, before, 500)).toBe(before);
    vault.close();
  });
});
