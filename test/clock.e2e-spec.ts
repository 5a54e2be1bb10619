import { randomUUID } from 'node:crypto';
import type { ProjectionRunner } from '@ledger/read-models';
import { PROJECTION_RUNNERS } from '../apps/ledger-api/src/infrastructure/event-store.provider';
import { ADMIN_KEY, startTestApp } from './support/app';

/** "Now" is the injected clock: the same ledger is judged differently as the clock moves, without re-projecting. */
describe('obligations judged at the injected clock', () => {
  let now = new Date('2025-06-30T15:00:00.000Z'); // 23:00 in Taipei on the effective day
  let t: Awaited<ReturnType<typeof startTestApp>>;
  const send = (path: string, body: object) => t.http().post(path).set('X-API-Key', ADMIN_KEY).send({ commandId: randomUUID(), ...body });
  const overdue = async () => (await t.http().get('/obligations?state=overdue&agency=CLK').set('X-API-Key', ADMIN_KEY).expect(200)).body;

  beforeAll(async () => {
    t = await startTestApp({}, { clock: () => now });
    await send('/agencies', { agencyCode: 'CLK', name: '時鐘局', role: 'DATA_REQUESTER' }).expect(201);
    const form = await send('/applications', { applicationId: 'CLK_u1', agencyCode: 'CLK', kind: 'USER_ACCOUNT_ADD', holder: { nationalId: 'A123456789' } }).expect(201);
    await send('/applications/CLK_u1/approvals', { step: 'SUPERVISOR' }).expect(201);
    await send('/accounts', { agencyCode: 'CLK', kind: 'USER', applicationId: 'CLK_u1', holder: { nationalId: 'A123456789', name: '王小明' }, myEGovAccountId: 'e1', certificateBound: true, post: '科員', unit: '一科' }).expect(201);
    await send(`/accounts/${form.body.accountId}/post-changes`, { effectiveDate: '2025-06-30', newUnit: '二科' }).expect(201);
    for (const r of t.app.get<ProjectionRunner[]>(PROJECTION_RUNNERS)) await r.caughtUp();
  });
  afterAll(() => t.close());

  it('要點 六(五): not overdue before the end of the effective Taipei day, overdue one minute after', async () => {
    expect((await overdue()).obligations).toEqual([]);
    now = new Date('2025-06-30T16:01:00.000Z');
    const later = await overdue();
    expect(later.asOf).toEqual({ kind: 'now', at: '2025-06-30T16:01:00.000Z' });
    expect(later.obligations).toEqual([expect.objectContaining({ kind: 'ADJUST_OR_REMOVE_MOVED_USER', state: 'overdue', rule: '要點 六(五)' })]);
  });

  it('events carry the ledger clock as recordedAt', async () => {
    const res = await t.http().get('/ledger/streams/agency-CLK').set('X-API-Key', ADMIN_KEY).expect(200);
    expect(res.body.events[0].metadata.recordedAt).toBe('2025-06-30T15:00:00.000Z');
  });
});
