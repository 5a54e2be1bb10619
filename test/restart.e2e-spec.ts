import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { ProjectionRunner } from '@ledger/read-models';
import { PROJECTION_RUNNERS } from '../apps/ledger-api/src/infrastructure/event-store.provider';
import { ADMIN_KEY, startTestApp } from './support/app';

/** The service stopped and started again on the same files: nothing lost, nothing applied twice. */
describe('restart on the same embedded files', () => {
  it('keeps the ledger, resumes projections from their checkpoints and keeps personal data readable', async () => {
    const first = await startTestApp({}, { keepData: true });
    const dataDir = first.dataDir;
    try {
      const send = (path: string, body: object) => first.http().post(path).set('X-API-Key', ADMIN_KEY).send({ commandId: randomUUID(), ...body });
      await send('/agencies', { agencyCode: 'RST', name: '重啟測試局', role: 'DATA_REQUESTER' }).expect(201);
      await send('/applications', { applicationId: 'RST_u1', agencyCode: 'RST', kind: 'USER_ACCOUNT_ADD', holder: { nationalId: 'A123456789' } }).expect(201);
      await send('/applications/RST_u1/approvals', { step: 'SUPERVISOR' }).expect(201);
      await send('/accounts', { agencyCode: 'RST', kind: 'USER', applicationId: 'RST_u1', holder: { nationalId: 'A123456789', name: '王小明' }, myEGovAccountId: 'e1', certificateBound: true, post: '科員', unit: '一科' }).expect(201);
      for (const r of first.app.get<ProjectionRunner[]>(PROJECTION_RUNNERS)) await r.caughtUp();
      const before = (await first.http().get('/agencies/RST/roster').set('X-API-Key', ADMIN_KEY).expect(200)).body.entries;
      const positions = await Promise.all(first.app.get<ProjectionRunner[]>(PROJECTION_RUNNERS).map((r) => r.status()));
      await first.close();

      const second = await startTestApp({}, { dataDir, keepData: true });
      try {
        const runners = second.app.get<ProjectionRunner[]>(PROJECTION_RUNNERS);
        for (const r of runners) await r.caughtUp();
        const after = await Promise.all(runners.map((r) => r.status()));
        // Resumed, not replayed from the start: the checkpoint was already at the head.
        expect(after.map((s) => [s.name, s.position, s.lag])).toEqual(positions.map((s) => [s.name, s.position, 0]));
        const roster = await second.http().get('/agencies/RST/roster').set('X-API-Key', ADMIN_KEY).expect(200);
        expect(roster.body.entries).toEqual(before);
        expect(roster.body.entries[0].holder).toEqual({ nationalId: 'A12****789', name: '王○明' });
        const verify = await second.http().get('/ledger/verify').set('X-API-Key', ADMIN_KEY).expect(200);
        expect(verify.body.intact).toBe(true);
        // the same admin key still works and no second bootstrap key was issued
        const keys = await second.http().get('/auth/keys').set('X-API-Key', ADMIN_KEY).expect(200);
        expect(keys.body.filter((k: { principal: { id: string } }) => k.principal.id === 'admin')).toHaveLength(1);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
