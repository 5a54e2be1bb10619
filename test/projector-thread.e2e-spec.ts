import { randomUUID } from 'node:crypto';
import { ADMIN_KEY, startTestApp } from './support/app';

/**
 * LEDGER_PROJECTIONS=thread: one process, two event loops. The service's own runners follow; a
 * worker thread of the same process runs every projection with connections of its own, so the
 * read models fill while the main event loop only answers.
 */
describe('LEDGER_PROJECTIONS=thread: the projections on a thread of the service process', () => {
  it('the thread holds the leases and fills the read models; read-your-writes holds; the app closes cleanly', async () => {
    const t = await startTestApp({ LEDGER_PROJECTIONS: 'thread' });
    try {
      const res = await t
        .http()
        .post('/agencies')
        .set('X-API-Key', ADMIN_KEY)
        .send({ commandId: randomUUID(), agencyCode: 'TH1', name: '執行緒測試局', role: 'DATA_REQUESTER' });
      expect(res.status).toBe(201);
      const roster = await t.http().get(`/agencies/TH1/roster?minPosition=${res.body.position}`).set('X-API-Key', ADMIN_KEY);
      expect(roster.status).toBe(200);
      const details = await t.http().get('/health/details').set('X-API-Key', ADMIN_KEY).expect(200);
      const projections = details.body.projections as { name: string; state: string; projectorAlive?: boolean; leaseHeld?: boolean }[];
      expect(projections.length).toBeGreaterThanOrEqual(2);
      // The main loop's runners stand by; the lease holder is alive: the thread in this same process.
      for (const p of projections) expect(p).toMatchObject({ state: 'standby', projectorAlive: true });
      expect((await t.http().get('/health/ready')).status).toBe(200);
    } finally {
      await t.close();
    }
  }, 60_000);
});
