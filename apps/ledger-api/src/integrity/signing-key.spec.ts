import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatSignerKey, generateSignerKey } from '@ledger/integrity';
import { loadConfig } from '@ledger/platform';
import { loadSigningKey, signingKeyFile } from './signing-key';

describe('the checkpoint signing key', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ledger-key-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('on the embedded default is generated once into a 0600 file under keys/, then reused', () => {
    const config = loadConfig({ LEDGER_DATA_DIR: dir });
    const first = loadSigningKey(config);
    expect(first.source).toBe(signingKeyFile(config));
    expect(statSync(signingKeyFile(config)).mode & 0o777).toBe(0o600);
    expect(readFileSync(signingKeyFile(config), 'utf8')).toMatch(/^PRIVATE\+KEY\+webir-ledger\+/);
    expect(loadSigningKey(config).signer.keyId).toBe(first.signer.keyId);
  });

  it('comes from LEDGER_SIGNING_KEY when set, and is required with EventStoreDB', () => {
    const key = generateSignerKey('city-ledger');
    const config = loadConfig({ LEDGER_DATA_DIR: dir, LEDGER_SIGNING_KEY: formatSignerKey(key) });
    expect(loadSigningKey(config)).toMatchObject({ source: 'LEDGER_SIGNING_KEY', signer: { name: 'city-ledger', keyId: key.keyId } });
    const esdb = { ...loadConfig({ LEDGER_DATA_DIR: dir }), eventStoreUrl: 'kurrentdb://db:2113' };
    expect(() => loadSigningKey(esdb)).toThrow(/LEDGER_SIGNING_KEY is required with EventStoreDB/);
  });
});
