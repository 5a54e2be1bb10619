import { randomUUID } from 'node:crypto';
import { ADMIN_KEY, startTestApp } from './support/app';

/** 要點 十二(四) names no period for the breach review report: the configured one reaches the obligation. */
describe('configured report periods', () => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  let key = '';
  const send = (path: string, body: object, k = ADMIN_KEY) => t.http().post(path).set('X-API-Key', k).send({ commandId: randomUUID(), ...body });

  beforeAll(async () => {
    t = await startTestApp({ LEDGER_DEADLINE_BREACH_REPORT_DAYS: '10' }, { clock: () => new Date('2025-06-20T02:00:00.000Z') });
    await send('/agencies', { agencyCode: 'RPD', name: '期限局', role: 'DATA_REQUESTER' }).expect(201);
    key = (await t.http().post('/auth/keys').set('X-API-Key', ADMIN_KEY).send({ principalId: 'svc_rpd', roles: ['integrator'], agencies: ['RPD'] }).expect(201)).body.apiKey;
  });
  afterAll(() => t.close());

  it('LEDGER_DEADLINE_BREACH_REPORT_DAYS=10: a self-audit that finds a breach makes the review report due 10 Taipei days later', async () => {
    const filed = await send('/audits', {
      auditId: 'RPD_2025_self', kind: 'SELF_AUDIT', auditedAgencyCode: 'RPD', periodFrom: '2024-06-01', periodTo: '2025-05-31', coversBliDataWork: true,
      summary: '年度資訊安全稽核', findings: [{ description: '未按月抽查', breach: true, rule: '要點 十二(一)' }],
    }, key).expect(201);
    const open = (await t.http().get(`/obligations?agency=RPD&kind=BREACH_CORRECTION_REPORT&minPosition=${filed.body.position}`).set('X-API-Key', ADMIN_KEY).expect(200)).body.obligations;
    expect(open).toEqual([expect.objectContaining({ subject: 'audit-RPD_2025_self#1', dueDate: '2025-06-30' })]);
  });
});
