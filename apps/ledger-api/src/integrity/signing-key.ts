import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatSignerKey, generateSignerKey, parseSignerKey, type SignerKey } from '@ledger/integrity';
import type { LedgerConfig } from '@ledger/platform';

/** Name of the key the embedded default generates: also the checkpoints' origin line. */
export const DEFAULT_KEY_NAME = 'webir-ledger';

/** Where the embedded default keeps a generated key: next to the database files, never inside them. */
export const signingKeyFile = (config: LedgerConfig) => join(config.dataDir, 'keys', 'ledger-signing.key');

/**
 * The checkpoint signing key: LEDGER_SIGNING_KEY when set (required with EventStoreDB, where the data
 * directory is no place for it), else a key generated once into a 0600 file on the embedded default.
 */
export function loadSigningKey(config: LedgerConfig): { signer: SignerKey; source: string } {
  if (config.integrity.signingKey) {
    try {
      return { signer: parseSignerKey(config.integrity.signingKey), source: 'LEDGER_SIGNING_KEY' };
    } catch (error) {
      throw new Error(`LEDGER_SIGNING_KEY: ${(error as Error).message}`);
    }
  }
  if (config.eventStoreUrl) {
    throw new Error('LEDGER_SIGNING_KEY is required with EventStoreDB (EVENTSTORE_URL): checkpoints must be signed by a key kept outside the store');
  }
  const file = signingKeyFile(config);
  if (existsSync(file)) {
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    return { signer: parseSignerKey(readFileSync(file, 'utf8')), source: file };
  }
  mkdirSync(join(config.dataDir, 'keys'), { recursive: true, mode: 0o700 });
  const signer = generateSignerKey(DEFAULT_KEY_NAME);
  writeFileSync(file, formatSignerKey(signer) + '\n', { mode: 0o600, flag: 'wx' });
  return { signer, source: file };
}
