import { randomUUID } from 'node:crypto';
import type { EventStore } from '@ledger/event-store';
import { SecurityLogService } from '../apps/ledger-api/src/auth/security-log.service';
import { EVENT_STORE } from '../apps/ledger-api/src/infrastructure/event-store.provider';
import { ADMIN_KEY, startTestApp } from './support/app';

/**
 * Issue 7, finding 6: a source over its keyless budget is refused on the HTTP server itself, before
 * Express (no routing, no request logger, no body read), and every refusal is still counted in the
 * security stream.
 */
describe('keyless gate: refusals over the keyless budget are answered before Express', () => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  beforeAll(async () => {
    t = await startTestApp({ LEDGER_RATE_LIMIT_ANON_PER_MINUTE: '3' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('within the budget a keyless request reaches authentication (401); past it, 429 with Retry-After from the gate; a keyed caller passes', async () => {
    const store = t.app.get<EventStore>(EVENT_STORE);
    const before = (await store.readAll()).length;
    const body = { commandId: randomUUID(), agencyCode: 'GATE1', name: 'x', role: 'DATA_REQUESTER' };
    for (let i = 0; i < 3; i++) {
      const res = await t.http().post('/agencies').send(body).expect(401);
      // Went through Express and the request logger, which names every request it sees.
      expect(res.headers['x-request-id']).toEqual(expect.any(String));
    }
    const refused = [];
    for (let i = 0; i < 5; i++) refused.push(await t.http().post(i % 2 ? '/agencies?x=1' : '/agencies/GATE1/personnel').send(body).expect(429));
    for (const res of refused) {
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(res.body).toMatchObject({ status: 429, code: 'RATE_LIMITED', title: 'Too Many Requests' });
      // Answered by the gate: Express and its request logger never saw it.
      expect(res.headers['x-request-id']).toBeUndefined();
    }
    // The same address with a valid key is not held back.
    await t.http().get('/agencies/NONE').set('X-API-Key', ADMIN_KEY).expect(404);

    await t.app.get(SecurityLogService).flush();
    const added = (await store.readAll()).slice(before);
    expect(added.every((e) => e.streamId.startsWith('security-'))).toBe(true);
    const counted = (reason: string) =>
      added.filter((e) => e.data.reason === reason).reduce((n, e) => n + (e.type === 'AccessRefused' ? 1 : Number(e.data.count)), 0);
    expect([counted('NO_KEY'), counted('RATE_LIMITED')]).toEqual([3, 5]);
    const routes = added.filter((e) => e.data.reason === 'RATE_LIMITED').flatMap((e) => [String(e.data.route ?? ''), ...((e.data.routes as { route: string }[] | undefined) ?? []).map((r) => r.route)]);
    // Paths as requested, without the query.
    expect(new Set(routes.filter(Boolean))).toEqual(new Set(['/agencies', '/agencies/GATE1/personnel']));
  });
});
