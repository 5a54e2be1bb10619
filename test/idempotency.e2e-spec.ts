import { createHash, randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import type { EventStore, RecordedEvent } from '@ledger/event-store';
import { EVENT_STORE } from '../apps/ledger-api/src/infrastructure/event-store.provider';
import { ADMIN_KEY, startTestApp } from './support/app';

/**
 * Issue 7 finding 8: a commandId (or Idempotency-Key) names one request for the whole ledger. Each
 * attack below succeeded before (a replayed first result, or a second event on another stream); each
 * is now refused and appends nothing.
 */
let t: Awaited<ReturnType<typeof startTestApp>>;
beforeAll(async () => {
  t = await startTestApp();
  // One listening socket for every request: supertest would otherwise listen anew per request, and 20 at once reset.
  await new Promise<void>((resolve) => t.app.getHttpServer().listen(0, '127.0.0.1', resolve));
});
afterAll(() => t.close());

async function allEvents(): Promise<RecordedEvent[]> {
  return t.app.get<EventStore>(EVENT_STORE).readAll();
}

const register = (body: object, key = ADMIN_KEY, headers: Record<string, string> = {}) =>
  t.http().post('/agencies').set('X-API-Key', key).set(headers).send(body);
const agency = (agencyCode: string, name = '臺北市政府社會局') => ({ agencyCode, name, role: 'DATA_REQUESTER' });

/** Runs a refused request and checks that the ledger holds exactly the events it held before. */
async function appendsNothing(request: () => PromiseLike<Response>): Promise<Response> {
  const before = (await allEvents()).length;
  const res = await request();
  expect((await allEvents()).length).toBe(before);
  return res;
}

const expectReused = (res: Response) => {
  expect(res.status).toBe(422);
  expect(res.body).toMatchObject({ code: 'COMMAND_ID_REUSED' });
};

describe('a commandId names one request for the whole ledger (issue 7 finding 8)', () => {
  it('the same commandId with a different body on the same stream is refused with 422, not replayed', async () => {
    const commandId = randomUUID();
    await register({ commandId, ...agency('IDEM_A', '原名稱') }).expect(201);
    const res = await appendsNothing(() => register({ commandId, ...agency('IDEM_A', '另一個名稱') }));
    expectReused(res);
    expect(res.body.replayed).toBeUndefined();
  });

  it('the same commandId on another stream is refused and that stream is never created', async () => {
    const commandId = randomUUID();
    await register({ commandId, ...agency('IDEM_B1') }).expect(201);
    expectReused(await appendsNothing(() => register({ commandId, ...agency('IDEM_B2') })));
    expect((await allEvents()).some((e) => e.streamId === 'agency-IDEM_B2')).toBe(false);
  });

  it('the same body under the same commandId from another principal is refused, not given the first result', async () => {
    const issued = await t.http().post('/auth/keys').set('X-API-Key', ADMIN_KEY).send({ principalId: 'svc_idem_c', roles: ['integrator'], agencies: ['IDEM_C'] }).expect(201);
    const body = { commandId: randomUUID(), ...agency('IDEM_C') };
    await register(body).expect(201);
    expectReused(await appendsNothing(() => register(body, issued.body.apiKey)));
  });

  it('an exact retry is still answered with the first result and appends nothing', async () => {
    const body = { commandId: randomUUID(), ...agency('IDEM_D') };
    const first = await register(body).expect(201);
    const retry = await appendsNothing(() => register(body));
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual({ ...first.body, replayed: true });
  });

  it('the same UUID in upper case is the same id', async () => {
    const commandId = randomUUID();
    await register({ commandId, ...agency('IDEM_E1') }).expect(201);
    expectReused(await appendsNothing(() => register({ commandId: commandId.toUpperCase(), ...agency('IDEM_E2') })));
  });

  it('20 different requests racing with one commandId on 20 streams: exactly one is appended', async () => {
    const commandId = randomUUID();
    const before = (await allEvents()).length;
    const racing = await Promise.all(Array.from({ length: 20 }, (_, i) => register({ commandId, ...agency(`IDEM_RACE${i}`) })));
    const statuses = racing.map((res) => res.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 422)).toHaveLength(19);
    for (const res of racing.filter((r) => r.status === 422)) expect(res.body.code).toBe('COMMAND_ID_REUSED');
    // The winner's event only; nothing from the 19 others.
    expect((await allEvents()).slice(before).map((e) => [e.type, e.streamId])).toEqual([['AgencyRegistered', racing.find((r) => r.status === 201)!.body.streamId]]);
  });

  it('20 copies of one request racing: one appended, every answer names the same events', async () => {
    const body = { commandId: randomUUID(), ...agency('IDEM_SAME') };
    const before = (await allEvents()).length;
    const racing = await Promise.all(Array.from({ length: 20 }, () => register(body)));
    const ok = racing.filter((res) => res.status === 201);
    // A copy that lost the race for the stream head may get 409; a retry of it is then answered as a replay.
    expect(racing.every((res) => res.status === 201 || res.status === 409)).toBe(true);
    expect(new Set(ok.map((res) => JSON.stringify(res.body.eventIds)))).toEqual(new Set([JSON.stringify(ok[0].body.eventIds)]));
    expect((await allEvents()).slice(before).map((e) => e.type)).toEqual(['AgencyRegistered']);
  });

  it('each event records the fingerprint of its request, covered by its hash; no personal data, no extra stream', async () => {
    const commandId = randomUUID();
    const before = (await allEvents()).length;
    await register({ commandId, ...agency('IDEM_F') }).expect(201);
    const added = (await allEvents()).slice(before);
    expect(added).toHaveLength(1);
    expect(added[0].metadata).toMatchObject({ commandId, requestHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // The embedded store refuses a second stream through its unique event ids: no reservation stream is written.
    expect((await allEvents()).some((e) => e.streamId === `command-${createHash('sha256').update(commandId).digest('hex')}`)).toBe(false);
    const verified = await t.http().get('/ledger/verify').set('X-API-Key', ADMIN_KEY).expect(200);
    expect(verified.body).toMatchObject({ intact: true });
  });

  it('a refused command does not use up its id: fixed and resent with the same id, it is accepted', async () => {
    const commandId = randomUUID();
    await register({ commandId: randomUUID(), ...agency('IDEM_G') }).expect(201);
    const refused = await appendsNothing(() => register({ commandId, ...agency('IDEM_G') }));
    expect(refused.body.code).toBe('AGENCY_ALREADY_REGISTERED');
    await register({ commandId, ...agency('IDEM_G2') }).expect(201);
  });
});

describe('Idempotency-Key header (IETF draft): the commandId sent as a header', () => {
  it('stands in for the commandId, and a retry with it is a replay', async () => {
    const key = randomUUID();
    const first = await register(agency('IDEM_H1'), ADMIN_KEY, { 'Idempotency-Key': `"${key}"` }).expect(201);
    const events = await allEvents();
    expect(events.find((e) => e.streamId === 'agency-IDEM_H1')?.metadata.commandId).toBe(key);
    const retry = await appendsNothing(() => register(agency('IDEM_H1'), ADMIN_KEY, { 'Idempotency-Key': key }));
    expect(retry.body).toEqual({ ...first.body, replayed: true });
  });

  it('reused for a different request is refused with 422', async () => {
    const key = randomUUID();
    await register(agency('IDEM_I1'), ADMIN_KEY, { 'Idempotency-Key': key }).expect(201);
    expectReused(await appendsNothing(() => register(agency('IDEM_I2'), ADMIN_KEY, { 'Idempotency-Key': key })));
  });

  it('that differs from the body\'s commandId is refused with 400 naming the header', async () => {
    const res = await appendsNothing(() => register({ commandId: randomUUID(), ...agency('IDEM_J') }, ADMIN_KEY, { 'Idempotency-Key': randomUUID() }));
    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
  });

  it('equal to the body\'s commandId is accepted', async () => {
    const key = randomUUID();
    await register({ commandId: key, ...agency('IDEM_K') }, ADMIN_KEY, { 'Idempotency-Key': key }).expect(201);
  });

  it.each([['not-a-uuid'], ['""']])('%s is refused with 400 naming the header', async (value) => {
    const res = await appendsNothing(() => register(agency('IDEM_L'), ADMIN_KEY, { 'Idempotency-Key': value }));
    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
  });

  it('on a route that takes no command is refused with 400, not silently ignored', async () => {
    const res = await t
      .http()
      .post('/auth/keys')
      .set('X-API-Key', ADMIN_KEY)
      .set('Idempotency-Key', randomUUID())
      .send({ principalId: 'svc_idem_m', roles: ['auditor'], agencies: [] });
    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
  });
});

describe('the command path reads the command\'s stream once (issue 15 point 11)', () => {
  it('over HTTP — auth, scope, handler and processor — a command on an existing stream reads that stream once', async () => {
    await register({ commandId: randomUUID(), ...agency('ONE_READ') }).expect(201);
    const store = t.app.get<EventStore>(EVENT_STORE);
    const reads = jest.spyOn(store, 'readStream');
    try {
      await t.http().post('/agencies/ONE_READ/personnel').set('X-API-Key', ADMIN_KEY)
        .send({ commandId: randomUUID(), personnelRole: 'CONTACT_WINDOW', personId: 'person_one_read_1', effectiveDate: '2025-07-01' }).expect(201);
      expect(reads.mock.calls.filter(([streamId]) => streamId === 'agency-ONE_READ')).toHaveLength(1);
    } finally {
      reads.mockRestore();
    }
  });
});

describe('OpenAPI documents the idempotency contract', () => {
  it('every command route names the Idempotency-Key header and the 422 COMMAND_ID_REUSED', async () => {
    const doc = (await t.http().get('/docs-json').expect(200)).body;
    const commands = Object.entries(doc.paths as Record<string, Record<string, { parameters?: { name: string; in: string }[]; responses: Record<string, { content?: Record<string, { examples?: Record<string, unknown> }> }> }>>)
      .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })))
      .filter(({ op }) => op.parameters?.some((p) => p.name === 'Idempotency-Key' && p.in === 'header'));
    expect(commands.map((c) => c.route)).toEqual(expect.arrayContaining(['POST /agencies/{agencyCode}/personnel', 'POST /accounts/{accountId}/disable']));
    for (const { route, op } of commands) {
      expect({ route, reused: Object.keys(op.responses['422']?.content?.['application/json']?.examples ?? {}).includes('COMMAND_ID_REUSED') }).toEqual({ route, reused: true });
    }
  });
});
