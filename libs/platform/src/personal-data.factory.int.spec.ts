import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithServer, mongoDb, type ExternalStore } from '@ledger/testing';
import { loadConfig } from './config';
import { createPersonalData } from './personal-data.factory';

const keys = { LEDGER_HMAC_KEY: randomBytes(32).toString('base64'), LEDGER_MASTER_KEY: randomBytes(32).toString('base64') };

describe('where data keys live', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ledger-keys-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('embedded default: data/keys.db', async () => {
    const runtime = await createPersonalData(loadConfig({ LEDGER_DATA_DIR: dataDir, ...keys }), keys);
    try {
      expect(runtime.vault).toBe('embedded-sqlite');
      expect(existsSync(join(dataDir, 'keys.db'))).toBe(true);
    } finally {
      await runtime.close();
    }
  });

  it('with MONGODB_URL the keys go to MongoDB: an unreachable server fails the start, no local key file is made', async () => {
    const config = loadConfig({ LEDGER_DATA_DIR: dataDir, MONGODB_URL: 'mongodb://127.0.0.1:9/?directConnection=true', MONGODB_SERVER_SELECTION_TIMEOUT_MS: '300', ...keys });
    await expect(createPersonalData(config, keys)).rejects.toThrow(/ECONNREFUSED|Server selection timed out|connect/i);
    expect(existsSync(join(dataDir, 'keys.db'))).toBe(false);
  });
});

describeWithServer('MongoDB')('data keys on MongoDB', () => {
  let mongo: ExternalStore;
  let dataDir: string;
  beforeAll(async () => {
    mongo = await mongoDb();
    if (!mongo.available) throw new Error(`MongoDB expected but not available: ${mongo.reason}`);
    dataDir = mkdtempSync(join(tmpdir(), 'ledger-keys-'));
  }, 120_000);
  afterAll(async () => {
    if (mongo?.available) await mongo.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('protects and reads back through the MongoDB vault; no local key file', async () => {
    if (!mongo.available) throw new Error('unreachable');
    const runtime = await createPersonalData(loadConfig({ LEDGER_DATA_DIR: dataDir, MONGODB_URL: mongo.url, ...keys }), keys);
    try {
      expect(runtime.vault).toBe('mongodb');
      expect(existsSync(join(dataDir, 'keys.db'))).toBe(false);
    } finally {
      await runtime.close();
    }
  });
});
