import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@ledger/event-store';
import type { LedgerConfig } from '@ledger/platform';
import { ApiKeyService, presentedKey, revokeApiKey } from './api-key.service';

const ADMIN_KEY = 'spec-admin-key-0123456789abcdef';
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const hashOf = (raw: string) => presentedKey({ headers: { 'x-api-key': raw } }).hash;

/** Two connections to one ledger file: this instance, and another instance or the CLI beside it. */
describe('ApiKeyService: requests of one event-loop turn share one look at the key registry', () => {
  let dir: string;
  let mine: SqliteEventStore;
  let other: SqliteEventStore;
  let keys: ApiKeyService;

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'api-keys-'));
    mine = new SqliteEventStore({ file: join(dir, 'events.db') });
    other = new SqliteEventStore({ file: join(dir, 'events.db') });
    keys = new ApiKeyService(mine, { adminApiKey: ADMIN_KEY } as LedgerConfig, () => new Date());
    await keys.onModuleInit();
  });
  afterEach(async () => {
    await mine.close();
    await other.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('authenticates a whole turn of requests with one check of the store, and checks again the next turn', async () => {
    const raw = await keys.issue({ id: 'svc_case', roles: ['auditor'], agencies: [] }, 'admin');
    await nextTurn();
    const marker = jest.spyOn(mine, 'changeMarker');
    const principals = await Promise.all(Array.from({ length: 40 }, () => keys.authenticate(hashOf(raw))));
    expect(principals.every((p) => p?.id === 'svc_case')).toBe(true);
    expect(marker).toHaveBeenCalledTimes(1);

    await nextTurn();
    await keys.authenticate(hashOf(raw));
    expect(marker).toHaveBeenCalledTimes(2);
  });

  it('refuses, from the next turn on, a key that another connection revoked', async () => {
    const { apiKey, keyId } = await keys.issueWithId({ id: 'svc_leaky', roles: ['auditor'], agencies: [] }, 'admin');
    await nextTurn();
    expect((await keys.authenticate(hashOf(apiKey)))?.id).toBe('svc_leaky');

    await revokeApiKey(other, { keyId, reason: '金鑰外洩', actor: 'admin', at: new Date() });
    await nextTurn();
    expect(await keys.authenticate(hashOf(apiKey))).toBeUndefined();
  });

  it('sees a key issued by another connection on the next turn, with no restart', async () => {
    const beside = new ApiKeyService(other, { adminApiKey: ADMIN_KEY } as LedgerConfig, () => new Date());
    await beside.onModuleInit();
    await keys.authenticate(hashOf(ADMIN_KEY));
    const raw = await beside.issue({ id: 'svc_new', roles: ['integrator'], agencies: ['A01'] }, 'admin');
    await nextTurn();
    expect((await keys.authenticate(hashOf(raw)))?.id).toBe('svc_new');
  });
});
