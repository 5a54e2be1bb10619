import { randomUUID } from 'node:crypto';
import { ADMIN_KEY, startTestApp } from './support/app';

describe('ledger core over HTTP (embedded store)', () => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const register = (body: Record<string, unknown>, key = ADMIN_KEY) =>
    t.http().post('/agencies').set('X-API-Key', key).send(body);
  const stream = (id: string) => t.http().get(`/ledger/streams/${id}`).set('X-API-Key', ADMIN_KEY);

  it('GET /health/details says which store is in use and that it answers', async () => {
    const res = await t.http().get('/health/details').set('X-API-Key', ADMIN_KEY).expect(200);
    expect(res.body).toEqual({
      status: 'ok',
      ready: expect.any(Boolean),
      eventStore: expect.objectContaining({ store: 'embedded-sqlite', ok: true }),
      readModelStore: expect.objectContaining({ store: 'embedded-sqlite', ok: true }),
      projections: expect.arrayContaining([
        expect.objectContaining({ name: 'roster', state: 'running', position: expect.any(String), lag: expect.any(Number) }),
        expect.objectContaining({ name: 'obligations', state: 'running' }),
      ]),
      checkpoints: expect.objectContaining({ enabled: true, witnesses: [] }),
    });
  });

  it('registers an agency through the command bus and shows its event with metadata and hash', async () => {
    const commandId = randomUUID();
    const res = await register({
      commandId,
      occurredAt: '2025-07-01T09:00:00+08:00',
      agencyCode: 'SWD001',
      name: '臺北市政府社會局',
      role: 'DATA_REQUESTER',
    }).expect(201);
    expect(res.body).toMatchObject({ streamId: 'agency-SWD001', revision: 0, replayed: false, events: [{ type: 'AgencyRegistered', revision: 0 }] });

    const read = await stream('agency-SWD001').expect(200);
    expect(read.body.revision).toBe(0);
    expect(read.body.events).toHaveLength(1);
    const [event] = read.body.events;
    expect(event).toMatchObject({
      streamId: 'agency-SWD001',
      revision: 0,
      type: 'AgencyRegistered',
      data: { agencyCode: 'SWD001', name: '臺北市政府社會局', role: 'DATA_REQUESTER' },
      metadata: {
        commandId,
        $correlationId: commandId,
        $causationId: commandId,
        actor: 'admin',
        occurredAt: '2025-07-01T01:00:00.000Z',
        schemaVersion: 1,
        prevHash: '0'.repeat(64),
      },
    });
    expect(event.metadata.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(event.metadata.recordedAt)).not.toBeNaN();
    expect(typeof event.position).toBe('string');
  });

  it('a retry with the same commandId returns the first result and appends nothing', async () => {
    const body = { commandId: randomUUID(), agencyCode: 'LAB001', name: '臺北市政府勞動局', role: 'COMPETENT_AUTHORITY' };
    const first = await register(body).expect(201);
    const retry = await register(body).expect(201);
    expect(retry.body).toMatchObject({ eventIds: first.body.eventIds, revision: 0, replayed: true });
    expect((await stream('agency-LAB001')).body.events).toHaveLength(1);
  });

  it('registering the same agency twice is a coded refusal (422) that appends nothing', async () => {
    await register({ commandId: randomUUID(), agencyCode: 'DIT001', name: '資訊處', role: 'CENTRAL_ADMIN' }).expect(201);
    const res = await register({ commandId: randomUUID(), agencyCode: 'DIT001', name: '資訊處', role: 'CENTRAL_ADMIN' }).expect(422);
    expect(res.body).toMatchObject({ code: 'AGENCY_ALREADY_REGISTERED', rule: '要點 二' });
    expect((await stream('agency-DIT001')).body.events).toHaveLength(1);
  });

  it.each([
    [{ agencyCode: 'X1', name: 'n', role: 'DATA_REQUESTER', extra: 1 }, 'extra', 'whitelistValidation'],
    [{ agencyCode: 'X2', name: 'n', role: 'KING' }, 'role', 'isIn'],
    [{ agencyCode: 'bad-code', name: 'n', role: 'DATA_REQUESTER' }, 'agencyCode', 'matches'],
    [{ agencyCode: 'X3', role: 'DATA_REQUESTER' }, 'name', 'isNotEmpty'],
    [{ agencyCode: 'X4', name: 'n', role: 'DATA_REQUESTER', occurredAt: 'yesterday' }, 'occurredAt', 'isIso8601'],
    [{ agencyCode: 'X6', name: 'n', role: 'DATA_REQUESTER', occurredAt: '2025-05-31T23:30:00' }, 'occurredAt', 'isIso8601'],
    [{ agencyCode: 'X7', name: 'n', role: 'DATA_REQUESTER', occurredAt: '2025-13-01T00:00:00+08:00' }, 'occurredAt', 'isIso8601'],
  ])('invalid or unknown field → 400 naming the field (%#)', async (body, field, rule) => {
    const res = await register({ commandId: randomUUID(), ...body }).expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.fields).toEqual(expect.arrayContaining([expect.objectContaining({ field, rule })]));
    const code = (body as { agencyCode: string }).agencyCode;
    if (!code.includes('-')) expect((await stream(`agency-${code}`)).body.events).toEqual([]);
  });

  it('a missing commandId is refused with 400 naming commandId', async () => {
    const res = await register({ agencyCode: 'X5', name: 'n', role: 'DATA_REQUESTER' }).expect(400);
    expect(res.body.fields).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'commandId', rule: 'isUuid' })]));
  });

  it('no key → 401, bad key → 401, and both refusals are recorded in the security stream without payload', async () => {
    await t.http().post('/agencies').send({ commandId: randomUUID(), agencyCode: 'Z1', name: '秘密', role: 'DATA_REQUESTER' }).expect(401);
    await register({ commandId: randomUUID(), agencyCode: 'Z2', name: '秘密', role: 'DATA_REQUESTER' }, 'wrong-key').expect(401);
    const all = await t.http().get('/ledger/verify').set('X-API-Key', ADMIN_KEY).expect(200);
    expect(all.body.intact).toBe(true);
    const day = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '');
    const security = await stream(`security-${day}`).expect(200);
    const refusals = security.body.events.map((e: { data: { reason: string; route: string } }) => e.data);
    expect(refusals).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ reason: 'NO_KEY', route: '/agencies' }),
        expect.objectContaining({ reason: 'BAD_KEY', route: '/agencies' }),
      ]),
    );
    expect(JSON.stringify(security.body)).not.toContain('秘密');
    expect((await stream('agency-Z1')).body.events).toEqual([]);
  });

  it('GET /ledger/verify reports the ledger intact with counts', async () => {
    const res = await t.http().get('/ledger/verify').set('X-API-Key', ADMIN_KEY).expect(200);
    expect(res.body).toMatchObject({ intact: true, failures: [] });
    expect(res.body.eventsChecked).toBeGreaterThanOrEqual(4);
  });

  it('documents every operation with a response example, and every command with a request body', async () => {
    const doc = (await t.http().get('/docs-json').expect(200)).body;
    const missing: string[] = [];
    for (const [path, operations] of Object.entries<Record<string, { responses?: Record<string, { content?: Record<string, { example?: unknown; examples?: unknown; schema?: { example?: unknown; $ref?: string } }> }>; requestBody?: unknown }>>(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        const documented = Object.values(op.responses ?? {}).some((r) =>
          Object.values(r.content ?? {}).some((c) => c.example !== undefined || c.examples !== undefined || c.schema?.example !== undefined || c.schema?.$ref !== undefined),
        );
        if (!documented) missing.push(`${method.toUpperCase()} ${path}`);
        if (method === 'post' && !op.requestBody) missing.push(`${method.toUpperCase()} ${path} (request body)`);
      }
    }
    expect(missing).toEqual([]);
    expect(Object.keys(doc.paths).length).toBeGreaterThan(30);
  });

  it('serves the OpenAPI document with the register command', async () => {
    const res = await t.http().get('/docs-json').expect(200);
    expect(res.body.paths['/agencies'].post).toBeDefined();
    expect(res.body.components.schemas.RegisterAgencyDto.required).toEqual(expect.arrayContaining(['commandId', 'agencyCode', 'name', 'role']));
  });
});
