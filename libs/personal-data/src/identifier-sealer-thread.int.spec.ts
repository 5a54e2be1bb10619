import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { InvalidPersonalIdentifierError, PersonalDataErasedError } from './errors';
import { startIdentifierSealerThread } from './identifier-sealer-thread';
import { PersonalDataProtector } from './personal-data-protector';
import { SqliteDataKeyVault } from './sqlite-data-key-vault';

const masterKey = Buffer.alloc(32, 0x3c);
const hmacKey = Buffer.alloc(32, 0x5a);

describe('the identifier sealer thread (query subjects sealed off the event loop, same vault file)', () => {
  let dir: string;
  let vault: SqliteDataKeyVault;
  let sealer: ReturnType<typeof startIdentifierSealerThread>;
  let threaded: PersonalDataProtector;
  let local: PersonalDataProtector;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sealer-'));
    const path = join(dir, 'keys.db');
    vault = new SqliteDataKeyVault({ path, masterKey });
    sealer = startIdentifierSealerThread({ path, masterKey, hmacKey });
    threaded = new PersonalDataProtector({ vault, hmacKey, sealer });
    local = new PersonalDataProtector({ vault, hmacKey });
  });
  afterEach(async () => {
    await sealer.close();
    vault.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives what the protector gives here: one person id per person, known or new, and ciphertexts this thread reveals', async () => {
    const known = await local.resolvePerson('A123456789');
    const out = await threaded.protectIdentifiers(['A123456789', local.check(' b223456782 '), 'a123456789']);
    expect(out).toHaveLength(3);
    expect(out[0].personId).toBe(known.personId);
    expect(out[2].personId).toBe(known.personId);
    expect(out[1].personId).toMatch(/^person_[0-9a-f]{32}$/);
    expect(out[1].personId).not.toBe(known.personId);
    // The thread's writes are the vault's: this connection finds the new person and opens every ciphertext.
    expect(await local.findPerson('B223456782')).toBe(out[1].personId);
    expect(await local.reveal(out[0].personId, out[0].nationalIdCiphertext, 'nationalId')).toBe('A123456789');
    expect(await local.reveal(out[1].personId, out[1].nationalIdCiphertext, 'nationalId')).toBe('B223456782');
    expect(Object.getPrototypeOf(out[0])).toBe(Object.prototype);
  });

  it('refuses a bad number here, before the thread, with the error the protector raises and without echoing it', async () => {
    await expect(threaded.protectIdentifiers(['A123456788'])).rejects.toBeInstanceOf(InvalidPersonalIdentifierError);
    await expect(threaded.protectIdentifiers(['A123456788'])).rejects.toThrow(/^((?!A123456788).)*$/);
  });

  it('reports a person erased meanwhile as PersonalDataErasedError naming the person id, and writes nothing for the batch', async () => {
    const { personId } = await local.resolvePerson('A123456789');
    // The race the error exists for: the index still names the person when the key is already destroyed.
    const db = new Database(join(dir, 'keys.db'));
    db.prepare("INSERT INTO data_key_tombstones (person_id, destroyed_at, reason, actor, recorded_at) VALUES (?, '2025-07-01T02:00:00.000Z', 'test', 'test', '2025-07-01T02:00:00.000Z')").run(personId);
    db.close();
    const failure = await threaded.protectIdentifiers(['B223456782', 'A123456789']).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PersonalDataErasedError);
    expect((failure as PersonalDataErasedError).personId).toBe(personId);
    expect(await local.findPerson('B223456782')).toBeUndefined();
  });

  it('after close, a call is refused and the thread is gone', async () => {
    await threaded.protectIdentifiers(['A123456789']);
    await sealer.close();
    await expect(threaded.protectIdentifiers(['A123456789'])).rejects.toThrow('closed');
  });

  it('a vault file another process keeps locked past the busy timeout: the refusal keeps its SQLITE_BUSY code (the API answers 503), and the next request goes through', async () => {
    const path = join(dir, 'keys.db');
    const impatient = startIdentifierSealerThread({ path, masterKey, hmacKey, busyTimeoutMs: 50 });
    try {
      const protector = new PersonalDataProtector({ vault, hmacKey, sealer: impatient });
      const holder = new Database(path);
      holder.exec('BEGIN IMMEDIATE');
      const refused = await protector.protectIdentifiers(['A123456789']).then(() => undefined, (e: unknown) => e);
      holder.exec('ROLLBACK');
      holder.close();
      expect((refused as { code?: string }).code).toBe('SQLITE_BUSY');
      const [sealed] = await protector.protectIdentifiers(['A123456789']);
      expect(sealed.personId).toMatch(/^person_[0-9a-f]{32}$/);
    } finally {
      await impatient.close();
    }
  });
});
