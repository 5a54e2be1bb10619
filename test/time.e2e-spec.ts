import { randomUUID } from 'node:crypto';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ProjectionRunner } from '@ledger/read-models';
import { PROJECTION_RUNNERS } from '../apps/ledger-api/src/infrastructure/event-store.provider';
import { ADMIN_KEY, startTestApp } from './support/app';

/** Time you can trust (issue 8): offsets, impossible dates, business-time consistency. */
describe('business time over HTTP', () => {
  const now = new Date('2025-07-01T02:00:00.000Z');
  let t: Awaited<ReturnType<typeof startTestApp>>;
  let authorityKey: string;
  const send = (path: string, body: object, key = ADMIN_KEY) => t.http().post(path).set('X-API-Key', key).send({ commandId: randomUUID(), ...body });
  const events = async (streamId: string) => (await t.http().get(`/ledger/streams/${streamId}`).set('X-API-Key', ADMIN_KEY).expect(200)).body.events;

  beforeAll(async () => {
    t = await startTestApp({ LEDGER_FUTURE_TOLERANCE_SECONDS: '300' }, { clock: () => now });
    await send('/agencies', { agencyCode: 'TIME', name: '時間局', role: 'DATA_REQUESTER', occurredAt: '2025-02-01T09:00:00+08:00' }).expect(201);
    // 要點 二(三): only the competent authority approves a requester's use of WebIR.
    await send('/agencies', { agencyCode: 'TLAB', name: '勞工局', role: 'COMPETENT_AUTHORITY', occurredAt: '2025-01-02T09:00:00+08:00' }).expect(201);
    authorityKey = (await t.http().post('/auth/keys').set('X-API-Key', ADMIN_KEY).send({ principalId: 'svc_tlab', roles: ['integrator'], agencies: ['TLAB'] }).expect(201)).body.apiKey;
  });
  afterAll(() => t.close());

  describe('an instant without a UTC offset is refused, never read as UTC', () => {
    it.each([
      ['2025-05-31T23:30:00', /offset is required/],
      ['2025-05-31', /offset/],
      ['2025-13-01T00:00:00Z', /calendar date/],
      ['2025-12-32T00:00:00+08:00', /calendar date/],
    ])('occurredAt %s → 400 naming occurredAt', async (occurredAt, message) => {
      const res = await send('/agencies/TIME/approval', { reference: 'r', occurredAt }).expect(400);
      expect(res.body.fields).toEqual([expect.objectContaining({ field: 'occurredAt', rule: 'isIso8601', message: expect.stringMatching(message) })]);
      expect(await events('agency-TIME')).toHaveLength(1);
    });

    it.each(['2025-13-01', '2025-12-32', '2025-02-29'])('an impossible effective date %s → 400 naming effectiveDate, not a 500', async (effectiveDate) => {
      const res = await send('/agencies/TIME/personnel', { personnelRole: 'UNIT_HEAD', personId: 'person_head_1', effectiveDate }).expect(400);
      expect(res.body.fields).toEqual([expect.objectContaining({ field: 'effectiveDate' })]);
    });

    it.each([
      ['asOf', '2025-06-30T12:00:00'],
      ['asOf', '2025-13-01'],
      ['asOf', '2025-12-32'],
    ])('a read with %s=%s → 400 naming the field', async (field, value) => {
      const res = await t.http().get(`/agencies/TIME/roster?${field}=${encodeURIComponent(value)}`).set('X-API-Key', ADMIN_KEY).expect(400);
      expect(res.body.fields).toEqual([expect.objectContaining({ field })]);
      const obligations = await t.http().get(`/obligations?${field}=${encodeURIComponent(value)}`).set('X-API-Key', ADMIN_KEY).expect(400);
      expect(obligations.body.fields).toEqual([expect.objectContaining({ field })]);
    });

    it('an instant with its offset is stored in UTC', async () => {
      await send('/agencies/TIME/approval', { reference: 'r', occurredAt: '2025-05-31T23:30:00+08:00' }, authorityKey).expect(201);
      expect((await events('agency-TIME')).at(-1).metadata.occurredAt).toBe('2025-05-31T15:30:00.000Z');
    });
  });

  describe('business times are consistent (要點 十二(五))', () => {
    it('an act dated before the agency was registered is refused with 422 and appends nothing', async () => {
      const before = (await events('agency-TIME')).length;
      const res = await send('/agencies/TIME/personnel', { personnelRole: 'UNIT_HEAD', personId: 'person_head_1', effectiveDate: '2025-01-20', occurredAt: '2025-01-15T09:00:00+08:00' }).expect(422);
      expect(res.body).toMatchObject({ code: 'ACT_BEFORE_SUBJECT_BEGAN', rule: '要點 十二(五)' });
      expect(await events('agency-TIME')).toHaveLength(before);
    });

    it('occurredAt in 2099 is refused; a planned change gives its future effective date instead', async () => {
      const res = await send('/agencies/TIME/personnel', { personnelRole: 'UNIT_HEAD', personId: 'person_head_1', effectiveDate: '2099-01-01', occurredAt: '2099-01-01T09:00:00+08:00' }).expect(422);
      expect(res.body).toMatchObject({ code: 'OCCURRED_AT_IN_FUTURE', rule: '要點 十二(五)' });
      await send('/agencies/TIME/personnel', { personnelRole: 'UNIT_HEAD', personId: 'person_head_1', effectiveDate: '2099-01-01' }).expect(201);
    });

    it('occurredAt within the configured tolerance ahead of the clock is accepted (clock skew)', async () => {
      await send('/agencies/TIME/trainings', { personId: 'nobody', completedOn: '2025-06-30', course: 'x', occurredAt: new Date(now.getTime() + 299_000).toISOString() }).expect(422).expect((r) => expect(r.body.code).toBe('TRAINEE_NOT_DEDICATED_STAFF'));
      await send('/agencies/TIME/trainings', { personId: 'nobody', completedOn: '2025-06-30', course: 'x', occurredAt: new Date(now.getTime() + 301_000).toISOString() }).expect(422).expect((r) => expect(r.body.code).toBe('OCCURRED_AT_IN_FUTURE'));
    });
  });
});

/**
 * 要點 六(五) and 十二(五): a move reported 2025-03-15, effective 2025-03-31, then a disable on
 * 2025-04-20 that reached the ledger only on 2025-04-25.
 */
describe('effective dates, bitemporal reads and read-your-writes over HTTP', () => {
  let now = new Date('2025-03-01T01:00:00.000Z');
  let t: Awaited<ReturnType<typeof startTestApp>>;
  let accountId: string;
  const send = (path: string, body: object, key = ADMIN_KEY) => t.http().post(path).set('X-API-Key', key).send({ commandId: randomUUID(), ...body });
  const get = (path: string) => t.http().get(path).set('X-API-Key', ADMIN_KEY);
  const caughtUp = async () => {
    for (const r of t.app.get<ProjectionRunner[]>(PROJECTION_RUNNERS)) await r.caughtUp();
  };
  const unitOn = async (query: string) => (await get(`/agencies/EFF/roster?${query}`).expect(200)).body.entries.map((e: { unit: string; status: string }) => `${e.unit}/${e.status}`);

  beforeAll(async () => {
    t = await startTestApp({ LEDGER_READ_WAIT_MS: '300' }, { clock: () => now });
    await send('/agencies', { agencyCode: 'EFF', name: '生效局', role: 'DATA_REQUESTER' }).expect(201);
    const form = await send('/applications', { applicationId: 'EFF_u1', agencyCode: 'EFF', kind: 'USER_ACCOUNT_ADD', holder: { nationalId: 'A123456789' } }).expect(201);
    accountId = form.body.accountId;
    await send('/applications/EFF_u1/approvals', { step: 'SUPERVISOR' }).expect(201);
    await send('/accounts', { agencyCode: 'EFF', kind: 'USER', applicationId: 'EFF_u1', holder: { nationalId: 'A123456789', name: '王小明' }, myEGovAccountId: 'e1', certificateBound: true, post: '科員', unit: '一科' }).expect(201);
    now = new Date('2025-03-15T02:00:00.000Z');
    await send(`/accounts/${accountId}/post-changes`, { effectiveDate: '2025-03-31', newUnit: '二科' }).expect(201);
    now = new Date('2025-04-25T02:00:00.000Z');
    await send(`/accounts/${accountId}/disable`, { reason: '調任', occurredAt: '2025-04-20T10:00:00+08:00' }).expect(201);
    await caughtUp();
  });
  afterAll(() => t.close());

  it('要點 六(五): the roster shows a move from its effective date, not from the day it was reported', async () => {
    expect(await unitOn('asOf=2025-03-16')).toEqual(['一科/ACTIVE']);
    expect(await unitOn('asOf=2025-03-30')).toEqual(['一科/ACTIVE']);
    expect(await unitOn('asOf=2025-03-31')).toEqual(['二科/ACTIVE']);
  });

  it("the account stream's state as of 2025-03-30 still has the old unit", async () => {
    const before = await get(`/ledger/streams/account-${accountId}/state?asOf=2025-03-30`).expect(200);
    expect(before.body.state).toMatchObject({ unit: '一科', status: 'ACTIVE' });
    const after = await get(`/ledger/streams/account-${accountId}/state?asOf=2025-03-31`).expect(200);
    expect(after.body.state).toMatchObject({ unit: '二科' });
  });

  it('bitemporal: in force on 2025-04-22 as the ledger knew it on 2025-04-23 (the late disable unknown) and on 2025-04-25', async () => {
    expect(await unitOn('asOf=2025-04-22&knownAt=2025-04-23')).toEqual(['二科/ACTIVE']);
    expect(await unitOn('asOf=2025-04-22&knownAt=2025-04-25T10:00:00%2B08:00')).toEqual(['二科/DISABLED']);
    expect(await unitOn('asOf=2025-04-22')).toEqual(['二科/DISABLED']);
    const roster = await get('/agencies/EFF/roster?asOf=2025-04-22&knownAt=2025-04-23').expect(200);
    expect(roster.body.asOf).toEqual({ kind: 'bitemporal', at: '2025-04-22T15:59:59.999Z', knownAt: '2025-04-23T15:59:59.999Z' });
    const state = await get(`/ledger/streams/account-${accountId}/state?asOf=2025-04-22&knownAt=2025-04-23`).expect(200);
    expect(state.body.state).toMatchObject({ status: 'ACTIVE', unit: '二科' });
  });

  it('bitemporal obligations: the move duty met by the late-recorded disable is overdue as known on 04-23, met late as known on 04-25', async () => {
    const duty = async (query: string) =>
      (await get(`/obligations?agency=EFF&kind=ADJUST_OR_REMOVE_MOVED_USER&${query}`).expect(200)).body.obligations.map((o: { state: string }) => o.state);
    expect(await duty('asOf=2025-04-22&knownAt=2025-04-23')).toEqual(['overdue']);
    expect(await duty('asOf=2025-04-22')).toEqual(['met']);
    expect(await duty('asOf=2025-03-30&knownAt=2025-03-14')).toEqual([]);
  });

  it('read your writes: a command returns position and recordedAt; a read with that minimum position sees it', async () => {
    now = new Date('2025-04-26T02:00:00.000Z');
    const form = await send('/applications', { applicationId: 'EFF_u2', agencyCode: 'EFF', kind: 'USER_ACCOUNT_ADD', holder: { nationalId: 'B223456782' } }).expect(201);
    await send('/applications/EFF_u2/approvals', { step: 'SUPERVISOR' }).expect(201);
    const created = await send('/accounts', { agencyCode: 'EFF', kind: 'USER', applicationId: 'EFF_u2', holder: { nationalId: 'B223456782', name: '陳美玲' }, myEGovAccountId: 'e2', certificateBound: true, post: '科員', unit: '三科' }).expect(201);
    expect(created.body).toMatchObject({ position: expect.stringMatching(/^\d+$/), recordedAt: '2025-04-26T02:00:00.000Z' });
    const roster = await get(`/agencies/EFF/roster?minPosition=${created.body.position}`).expect(200);
    expect(roster.body.entries.map((e: { accountId: string }) => e.accountId)).toContain(form.body.accountId);
    await get('/obligations?agency=EFF').set('X-Min-Position', created.body.position).expect(200);
  });

  it('read your writes: a minimum position the read model cannot reach in time → 503 with Retry-After', async () => {
    const runners = t.app.get<ProjectionRunner[]>(PROJECTION_RUNNERS);
    for (const r of runners) await r.stop();
    try {
      const { position } = (await send('/agencies', { agencyCode: 'EFF2', name: '延遲局', role: 'DATA_REQUESTER' }).expect(201)).body;
      const res = await get(`/agencies/EFF/roster?minPosition=${position}`).expect(503);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.body).toMatchObject({ code: 'READ_MODEL_BEHIND' });
      await get('/obligations?agency=EFF').set('X-Min-Position', position).expect(503);
    } finally {
      for (const r of runners) await r.start();
    }
    await caughtUp();
  });

  it('read your writes: a minimum position beyond the ledger head, or not a position, is a 400 naming the field', async () => {
    const beyond = await get('/agencies/EFF/roster?minPosition=999999').expect(400);
    expect(beyond.body.fields).toEqual([expect.objectContaining({ field: 'minPosition', message: expect.stringMatching(/beyond the ledger's head/) })]);
    const header = await get('/obligations?agency=EFF').set('X-Min-Position', '999999').expect(400);
    expect(header.body.fields).toEqual([expect.objectContaining({ field: 'X-Min-Position' })]);
    const bad = await get('/agencies/EFF/roster?minPosition=-1').expect(400);
    expect(bad.body.fields).toEqual([expect.objectContaining({ field: 'minPosition' })]);
  });
});

/** 要點 十二(五): a read model must never be trusted ahead of the log it was built from. */
describe('an older events.db restored under newer read models', () => {
  it('/health reports the projections broken, says to rebuild, and /health/ready is 503', async () => {
    const first = await startTestApp({}, { keepData: true });
    const dataDir = first.dataDir;
    const older = join(dataDir, 'older-events.db');
    try {
      const send = (app: typeof first, path: string, body: object) => app.http().post(path).set('X-API-Key', ADMIN_KEY).send({ commandId: randomUUID(), ...body });
      await send(first, '/agencies', { agencyCode: 'OLD', name: '舊檔局', role: 'DATA_REQUESTER' }).expect(201);
      await first.close();
      copyFileSync(join(dataDir, 'events.db'), older);

      const second = await startTestApp({}, { dataDir, keepData: true });
      for (const code of ['NEW1', 'NEW2', 'NEW3']) await send(second, '/agencies', { agencyCode: code, name: '新局', role: 'DATA_REQUESTER' }).expect(201);
      for (const r of second.app.get<ProjectionRunner[]>(PROJECTION_RUNNERS)) await r.caughtUp();
      await second.close();

      for (const suffix of ['', '-wal', '-shm']) rmSync(join(dataDir, `events.db${suffix}`), { force: true });
      copyFileSync(older, join(dataDir, 'events.db'));
      const third = await startTestApp({}, { dataDir, keepData: true });
      try {
        let details: { status: string; projections: { name: string; state: string; error?: string }[] } = { status: '', projections: [] };
        for (let i = 0; i < 100 && (details.projections.length === 0 || !details.projections.every((p) => p.state === 'broken')); i++) {
          details = (await third.http().get('/health/details').set('X-API-Key', ADMIN_KEY).expect(200)).body;
          await new Promise((r) => setTimeout(r, 20));
        }
        expect(details.status).toBe('unavailable');
        for (const p of details.projections) {
          expect(p).toMatchObject({ state: 'broken' });
          expect(p.error).toMatch(new RegExp(`beyond the log's head.*rebuild ${p.name}`));
        }
        const ready = await third.http().get('/health/ready').expect(503);
        expect(JSON.stringify(ready.body)).toMatch(/broken/);
      } finally {
        await third.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
