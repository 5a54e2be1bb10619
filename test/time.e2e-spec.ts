import { randomUUID } from 'node:crypto';
import { ADMIN_KEY, startTestApp } from './support/app';

/** Time you can trust (issue 8): offsets, impossible dates, business-time consistency. */
describe('business time over HTTP', () => {
  let now = new Date('2025-07-01T02:00:00.000Z');
  let t: Awaited<ReturnType<typeof startTestApp>>;
  const send = (path: string, body: object) => t.http().post(path).set('X-API-Key', ADMIN_KEY).send({ commandId: randomUUID(), ...body });
  const events = async (streamId: string) => (await t.http().get(`/ledger/streams/${streamId}`).set('X-API-Key', ADMIN_KEY).expect(200)).body.events;

  beforeAll(async () => {
    t = await startTestApp({ LEDGER_FUTURE_TOLERANCE_SECONDS: '300' }, { clock: () => now });
    await send('/agencies', { agencyCode: 'TIME', name: '時間局', role: 'DATA_REQUESTER', occurredAt: '2025-02-01T09:00:00+08:00' }).expect(201);
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
      await send('/agencies/TIME/approval', { reference: 'r', occurredAt: '2025-05-31T23:30:00+08:00' }).expect(201);
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
