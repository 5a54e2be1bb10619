import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWalCheckpointer } from '@ledger/event-store';
import {
  HMAC_KEY_ENV,
  loadPersonalDataKeys,
  MASTER_KEY_ENV,
  PersonalDataProtector,
  SqliteDataKeyVault,
  startIdentifierSealerThread,
  type DataKeyVault,
  type IdentifierSealer,
} from '@ledger/personal-data';
import type { LedgerConfig } from './config';

export interface PersonalDataRuntime {
  protector: PersonalDataProtector;
  close(): Promise<void>;
  /** Where the keys came from, for /health and the start-up log (never the keys themselves). */
  keySource: 'environment' | 'embedded-secrets-file';
  /** Where the per-person data keys live. */
  vault: 'embedded-sqlite' | 'mongodb';
}

/**
 * Keys come from LEDGER_HMAC_KEY / LEDGER_MASTER_KEY. Only the embedded default may make its own,
 * kept in data/secrets.json (mode 0600) beside — never inside — the event log, so that a fresh
 * clone runs; a deployment on EventStoreDB must configure them.
 *
 * Data keys live in MongoDB when MONGODB_URL is set (the production shape: every instance sees the
 * same keys, and an erasure destroys the one copy), else in data/keys.db.
 */
export async function createPersonalData(config: LedgerConfig, env: NodeJS.ProcessEnv = process.env): Promise<PersonalDataRuntime> {
  let keySource: PersonalDataRuntime['keySource'] = 'environment';
  let source: Record<string, string | undefined> = env;
  if (!env[HMAC_KEY_ENV] && !env[MASTER_KEY_ENV]) {
    if (config.eventStoreUrl) {
      throw new Error(`${HMAC_KEY_ENV} and ${MASTER_KEY_ENV} must be set when the ledger runs on EventStoreDB`);
    }
    keySource = 'embedded-secrets-file';
    source = embeddedSecrets(config.dataDir);
  }
  const { hmacKey, masterKey } = loadPersonalDataKeys(source);
  let vault: DataKeyVault & { close(): unknown };
  let sealer: IdentifierSealer | undefined;
  if (config.mongodbUrl) {
    const { MongoDataKeyVault } = await import('@ledger/personal-data/mongo-data-key-vault');
    vault = await MongoDataKeyVault.connect({ url: config.mongodbUrl, masterKey, serverSelectionTimeoutMS: config.mongodbServerSelectionTimeoutMs });
  } else {
    const path = join(config.dataDir, 'keys.db');
    vault = new SqliteDataKeyVault({ path, masterKey, backgroundCheckpoints: startWalCheckpointer, busyTimeoutMs: config.sqliteBusyTimeoutMs });
    // New subjects' keys are made, wrapped, sealed and synced off the event loop (registrations, log imports).
    sealer = startIdentifierSealerThread({ path, masterKey, hmacKey, busyTimeoutMs: config.sqliteBusyTimeoutMs });
  }
  return {
    protector: new PersonalDataProtector({ vault, hmacKey, ...(sealer ? { sealer } : {}) }),
    keySource,
    vault: config.mongodbUrl ? 'mongodb' : 'embedded-sqlite',
    close: async () => {
      await sealer?.close();
      await vault.close();
    },
  };
}

function embeddedSecrets(dataDir: string): Record<string, string> {
  const file = join(dataDir, 'secrets.json');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    const secrets = { [HMAC_KEY_ENV]: randomBytes(32).toString('base64'), [MASTER_KEY_ENV]: randomBytes(32).toString('base64') };
    writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return JSON.parse(readFileSync(file, 'utf8'));
}
