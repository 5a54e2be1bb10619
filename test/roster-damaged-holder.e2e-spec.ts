import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ProjectionRunner } from '@ledger/read-models';
import { PROJECTION_RUNNERS } from '../apps/ledger-api/src/infrastructure/event-store.provider';
import { ADMIN_KEY, startTestApp } from './support/app';

/** A holder record the vault can no longer decrypt is shown as such; it does not take the whole roster down. */
describe('roster with one damaged holder record', () => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  const send = (path: string, body: object) => t.http().post(path).set('X-API-Key', ADMIN_KEY).send({ commandId: randomUUID(), ...body });
  const accounts: string[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    await send('/agencies', { agencyCode: 'DMG', name: '毀損局', role: 'DATA_REQUESTER' }).expect(201);
    for (const [i, nationalId] of ['A123456789', 'B123456780'].entries()) {
      const form = await send('/applications', { applicationId: `DMG_u${i}`, agencyCode: 'DMG', kind: 'USER_ACCOUNT_ADD', holder: { nationalId } }).expect(201);
      await send(`/applications/DMG_u${i}/approvals`, { step: 'SUPERVISOR' }).expect(201);
      await send('/accounts', { agencyCode: 'DMG', kind: 'USER', applicationId: `DMG_u${i}`, holder: { nationalId, name: '王小明' }, myEGovAccountId: `e${i}`, certificateBound: true, post: '科員', unit: '一科' }).expect(201);
      accounts.push(form.body.accountId);
    }
    for (const r of t.app.get<ProjectionRunner[]>(PROJECTION_RUNNERS)) await r.caughtUp();
  });
  afterAll(() => t.close());

  it('marks the damaged holder unreadable, keeps the others, and says so in JSON and CSV', async () => {
    const before = (await t.http().get('/agencies/DMG/roster').set('X-API-Key', ADMIN_KEY).expect(200)).body;
    const damaged = before.entries.find((e: { accountId: string }) => e.accountId === accounts[0]);
    expect(damaged.holder.nationalId).toMatch(/^A1/);
    // Damage the first holder's wrapped data key in the vault file, as a disk fault or a bad restore would.
    const vault = new Database(join(t.dataDir, 'keys.db'));
    const rows = vault.prepare('SELECT person_id, wrapped_key FROM data_keys').all() as { person_id: string; wrapped_key: Buffer }[];
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows) {
      const flipped = Buffer.from(row.wrapped_key);
      flipped[flipped.length - 1] ^= 0xff;
      vault.prepare('UPDATE data_keys SET wrapped_key = ? WHERE person_id = ?').run(flipped, row.person_id);
      break;
    }
    vault.close();
    const roster = await t.http().get('/agencies/DMG/roster').set('X-API-Key', ADMIN_KEY).expect(200);
    const unreadable = roster.body.entries.filter((e: { holder: object }) => 'unreadable' in e.holder);
    const readable = roster.body.entries.filter((e: { holder: { nationalId?: string } }) => typeof e.holder.nationalId === 'string');
    expect(unreadable).toHaveLength(1);
    expect(unreadable[0].myEGovAccountId).toContain('無法解密');
    expect(readable).toHaveLength(roster.body.entries.length - 1);
    const csv = await t.http().get('/agencies/DMG/roster?format=csv').set('X-API-Key', ADMIN_KEY).expect(200);
    expect(csv.text).toContain('無法解密');
  });
});
