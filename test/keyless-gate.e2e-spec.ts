import { randomUUID } from 'node:crypto';
import { connect, type AddressInfo } from 'node:net';
import type { EventStore } from '@ledger/event-store';
import { REFUSAL_HOLD_MS } from '../apps/ledger-api/src/auth/rate-limit';
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

describe('keyless gate: authenticated work first', () => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  let port: number;
  beforeAll(async () => {
    // Without the refusal delay (below), so that the hold alone is what is measured.
    t = await startTestApp({ LEDGER_RATE_LIMIT_ANON_PER_MINUTE: '1', LEDGER_RATE_LIMIT_REFUSAL_DELAY_MS: '0' });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(async () => {
    await t.close();
  });

  const keyless = () => fetch(`http://127.0.0.1:${port}/agencies`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });

  it('holds a refusal while a request with a key is under way (at most REFUSAL_HOLD_MS), then answers it: 429 with Retry-After, counted as before', async () => {
    expect((await keyless()).status).toBe(401); // the budget of one
    expect((await keyless()).status).toBe(429); // nothing keyed under way: answered at once

    // A keyed command whose body has not arrived yet: under way for as long as this test keeps it open.
    const keyed = connect(port, '127.0.0.1');
    await new Promise((resolve) => keyed.once('connect', resolve));
    keyed.write(`POST /agencies HTTP/1.1\r\nHost: x\r\nX-API-Key: ${ADMIN_KEY}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{`);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the server has seen its headers

    const held = performance.now();
    const res = await keyless();
    const waited = performance.now() - held;
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await res.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    // Released by the bound, not by the keyed request (still open): it waited the hold out.
    expect(waited).toBeGreaterThanOrEqual(REFUSAL_HOLD_MS - 5);
    keyed.destroy();

    await t.app.get(SecurityLogService).flush();
    const store = t.app.get<EventStore>(EVENT_STORE);
    const limited = (await store.readAll()).filter((e) => e.data.reason === 'RATE_LIMITED');
    expect(limited.reduce((n, e) => n + (e.type === 'AccessRefused' ? 1 : Number(e.data.count)), 0)).toBe(2);
  });
});

describe('keyless gate: a source over its budget is answered slowly', () => {
  const DELAY_MS = 300;
  let t: Awaited<ReturnType<typeof startTestApp>>;
  let port: number;
  beforeAll(async () => {
    t = await startTestApp({ LEDGER_RATE_LIMIT_ANON_PER_MINUTE: '1', LEDGER_RATE_LIMIT_REFUSAL_DELAY_MS: String(DELAY_MS) });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(async () => {
    await t.close();
  });

  it('holds each 429 for LEDGER_RATE_LIMIT_REFUSAL_DELAY_MS while a caller with a key is answered at once; every refusal still counted', async () => {
    const keyless = () => fetch(`http://127.0.0.1:${port}/agencies`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect((await keyless()).status).toBe(401); // the budget of one
    const started = performance.now();
    const refusals = Promise.all(Array.from({ length: 8 }, async () => {
      const res = await keyless();
      return { status: res.status, retryAfter: Number(res.headers.get('retry-after')), after: performance.now() - started };
    }));
    const keyed = await fetch(`http://127.0.0.1:${port}/agencies/NONE`, { headers: { 'X-API-Key': ADMIN_KEY } });
    const keyedAfter = performance.now() - started;
    expect(keyed.status).toBe(404);
    expect(keyedAfter).toBeLessThan(DELAY_MS);
    for (const r of await refusals) {
      expect(r).toMatchObject({ status: 429 });
      expect(r.retryAfter).toBeGreaterThanOrEqual(1);
      expect(r.after).toBeGreaterThanOrEqual(DELAY_MS - 5);
    }
    await t.app.get(SecurityLogService).flush();
    const limited = (await t.app.get<EventStore>(EVENT_STORE).readAll()).filter((e) => e.data.reason === 'RATE_LIMITED');
    expect(limited.reduce((n, e) => n + (e.type === 'AccessRefused' ? 1 : Number(e.data.count)), 0)).toBe(8);
  });
});
