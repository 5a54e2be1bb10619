import { randomUUID } from 'node:crypto';
import { parseCsv } from '@ledger/package/csv';
import type { ProjectionRunner } from '@ledger/read-models';
import { PROJECTION_RUNNERS } from '../apps/ledger-api/src/infrastructure/event-store.provider';
import { ADMIN_KEY, startTestApp } from './support/app';

/** GET /obligations answers one bounded page at a time; count and counts still cover every match. */
describe('GET /obligations pages', () => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  const send = (path: string, body: object) => t.http().post(path).set('X-API-Key', ADMIN_KEY).send({ commandId: randomUUID(), ...body });
  const get = (query: string) => t.http().get(`/obligations?agency=PGE${query}`).set('X-API-Key', ADMIN_KEY);
  const ids = ['A123456789', 'B123456780', 'C123456781', 'D123456782'];

  beforeAll(async () => {
    t = await startTestApp({}, { clock: () => new Date('2025-08-01T00:00:00.000Z') });
    await send('/agencies', { agencyCode: 'PGE', name: '分頁局', role: 'DATA_REQUESTER' }).expect(201);
    for (const [i, nationalId] of ids.entries()) {
      const form = await send('/applications', { applicationId: `PGE_u${i}`, agencyCode: 'PGE', kind: 'USER_ACCOUNT_ADD', holder: { nationalId } }).expect(201);
      await send(`/applications/PGE_u${i}/approvals`, { step: 'SUPERVISOR' }).expect(201);
      await send('/accounts', { agencyCode: 'PGE', kind: 'USER', applicationId: `PGE_u${i}`, holder: { nationalId, name: '王小明' }, myEGovAccountId: `e${i}`, certificateBound: true, post: '科員', unit: '一科' }).expect(201);
      await send(`/accounts/${form.body.accountId}/post-changes`, { effectiveDate: `2025-06-2${i}`, newUnit: '二科' }).expect(201);
    }
    for (const r of t.app.get<ProjectionRunner[]>(PROJECTION_RUNNERS)) await r.caughtUp();
  });
  afterAll(() => t.close());

  it('walks every obligation once, in due order, by following `next`', async () => {
    const whole = (await get('').expect(200)).body;
    expect(whole.count).toBeGreaterThanOrEqual(4);
    expect(whole.next).toBeNull();
    const seen: { obligationId: string; dueAt: string }[] = [];
    let after = '';
    for (let pages = 0; pages < 50; pages += 1) {
      const page = (await get(`&limit=2${after && `&after=${encodeURIComponent(after)}`}`).expect(200)).body;
      expect(page.count).toBe(whole.count);
      expect(page.counts).toEqual(whole.counts);
      expect(page.obligations.length).toBeLessThanOrEqual(2);
      seen.push(...page.obligations);
      if (page.next === null) break;
      after = page.next;
    }
    expect(seen.map((o) => o.obligationId).sort()).toEqual(whole.obligations.map((o: { obligationId: string }) => o.obligationId).sort());
    expect(new Set(seen.map((o) => o.obligationId)).size).toBe(whole.count);
    const keys = seen.map((o) => `${o.dueAt}|${o.obligationId}`);
    expect([...keys].sort()).toEqual(keys);
  });

  it('refuses a page size or cursor it cannot honour, naming the field', async () => {
    for (const [query, field] of [['&limit=0', 'limit'], ['&limit=1001', 'limit'], ['&limit=abc', 'limit'], ['&after=nope', 'after'], ['&after=2025-01-01T00:00:00.000Z%7Cx%0Ay', 'after']] as const) {
      const res = await get(query).expect(400);
      expect(JSON.stringify(res.body)).toContain(field);
    }
  });

  it('pages a state filter the same way: each state\'s pages hold exactly that state, and the states add up to the whole', async () => {
    const whole = (await get('').expect(200)).body;
    let total = 0;
    for (const state of ['open', 'overdue', 'met']) {
      const seen: { state: string }[] = [];
      let after = '';
      let first: { count: number } | undefined;
      for (let pages = 0; pages < 50; pages += 1) {
        const page = (await get(`&state=${state}&limit=1${after && `&after=${encodeURIComponent(after)}`}`).expect(200)).body;
        first ??= page;
        seen.push(...page.obligations);
        if (page.next === null) break;
        after = page.next;
      }
      expect(seen.every((o) => o.state === state)).toBe(true);
      expect(seen).toHaveLength(first!.count);
      total += seen.length;
    }
    expect(total).toBe(whole.count);
    expect(total).toBeGreaterThanOrEqual(4);
  });

  it('streams the CSV export: BOM, Traditional Chinese headers, every obligation once in page order; counts-csv from the same counts', async () => {
    const whole = (await get('').expect(200)).body;
    expect(whole.count).toBeGreaterThanOrEqual(4);
    const csv = await get('&format=csv').expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
    expect(csv.headers['content-disposition']).toContain('obligations-2025-08-01.csv');
    const lines = csv.text.split('\r\n');
    expect(lines[0]).toBe('\uFEFF機關代碼,義務種類,要點,義務名稱,對象,到期日,狀態,逾期完成,完成時間(臺北),建立事件,完成事件');
    expect(lines.at(-1)).toBe('');
    const rows = parseCsv(csv.text).slice(1).map((r) => r.cells);
    expect(rows.map((r: string[]) => [r[1], r[4]])).toEqual(whole.obligations.map((o: { kind: string; subject: string }) => [o.kind, o.subject]));
    expect(rows.map((r: string[]) => r[5])).toEqual(whole.obligations.map((o: { dueDateRoc: string }) => o.dueDateRoc));
    const counts = parseCsv((await get('&format=counts-csv').expect(200)).text).slice(1).map((r) => r.cells);
    for (const [agency, kind, , , open, overdue, met, metLate] of counts) {
      expect(whole.counts[agency][kind]).toEqual({ open: Number(open), overdue: Number(overdue), met: Number(met), metLate: Number(metLate) });
    }
    expect(counts.length).toBe(Object.values(whole.counts as Record<string, object>).reduce((n, byKind) => n + Object.keys(byKind).length, 0));
  });

  it('answers an empty last page past the end', async () => {
    const page = (await get(`&after=${encodeURIComponent('9999-12-31T23:59:59.999Z|ZZZ:z')}`).expect(200)).body;
    expect(page.obligations).toEqual([]);
    expect(page.next).toBeNull();
  });
});
